import { expect, it } from "vitest";
import type { SuiteContext } from "../suite-context.ts";
import type { MethodCall } from "./method-calls.ts";

/** Registers, per method, "rejects with KVKIT_CLOSED after close()". */
export function closedTrait(suite: SuiteContext, calls: readonly MethodCall[]): void {
  for (const { method, call } of calls) {
    it(
      `${method}() rejects with KVKIT_CLOSED after close()`,
      async () => {
        const { backend } = await suite.open();
        await backend.close();
        await expect(call(backend, {})).rejects.toMatchObject({ code: "KVKIT_CLOSED" });
      },
      suite.timeoutMs,
    );
  }
}
