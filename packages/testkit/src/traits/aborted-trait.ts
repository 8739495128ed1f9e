import { expect, it } from "vitest";
import type { SuiteContext } from "../suite-context.ts";
import { abortedSignal } from "./aborted-signal.ts";
import type { MethodCall } from "./method-calls.ts";

/**
 * Registers, per method, "rejects with KVKIT_ABORTED when its signal has already fired": an
 * `AbortError` named error whose `cause` is the signal's reason.
 */
export function abortedTrait(suite: SuiteContext, calls: readonly MethodCall[]): void {
  for (const { method, call } of calls) {
    it(
      `${method}() rejects with KVKIT_ABORTED (name AbortError, cause the reason) when its signal has fired`,
      async () => {
        const { backend } = await suite.open();
        const { signal, reason } = abortedSignal();
        const error = await call(backend, { signal }).then(
          () => undefined,
          (rejection: unknown) => rejection,
        );
        expect(error).toMatchObject({ code: "KVKIT_ABORTED", name: "AbortError" });
        expect((error as { cause?: unknown }).cause).toBe(reason);
      },
      suite.timeoutMs,
    );
  }
}
