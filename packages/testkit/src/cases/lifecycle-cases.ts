import { expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import type { SuiteContext } from "../suite-context.ts";
import { abortedTrait } from "../traits/aborted-trait.ts";
import { closedTrait } from "../traits/closed-trait.ts";
import { METHOD_CALLS } from "../traits/method-calls.ts";
import { settleWithin } from "../traits/settle-within.ts";
import { watchUnhandledRejections } from "../traits/unhandled-rejections.ts";

/** How long an operation may stay pending after `close()` before the suite calls it a hang. */
const SETTLE_MS = 2_000;

/**
 * Lifecycle (B4): every method of every declared capability after `close()` and with a fired
 * signal, double close, `Symbol.asyncDispose`, close during operations, no unhandled
 * rejections, no leaked handles.
 */
export function lifecycleCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const declared = suite.manifest.capabilities;
  const calls = METHOD_CALLS.filter(({ group }) => group === "kv" || declared[group]);

  closedTrait(suite, calls);
  abortedTrait(suite, calls);

  it(
    "close() resolves when called twice, one after the other",
    async () => {
      const { backend } = await suite.open();
      await backend.close();
      await expect(backend.close()).resolves.toBeUndefined();
    },
    t,
  );

  it(
    "close() resolves when called twice at once",
    async () => {
      const { backend } = await suite.open();
      await expect(Promise.all([backend.close(), backend.close()])).resolves.toEqual([
        undefined,
        undefined,
      ]);
      await expect(backend.get("k")).rejects.toMatchObject({ code: "KVKIT_CLOSED" });
    },
    t,
  );

  it(
    "[Symbol.asyncDispose]() closes the backend",
    async () => {
      const { backend } = await suite.open();
      await backend[Symbol.asyncDispose]();
      await expect(backend.get("k")).rejects.toMatchObject({ code: "KVKIT_CLOSED" });
      await expect(backend.close()).resolves.toBeUndefined();
    },
    t,
  );

  it(
    "close() after [Symbol.asyncDispose]() and the reverse both resolve",
    async () => {
      const { backend } = await suite.open();
      await backend.close();
      await expect(backend[Symbol.asyncDispose]()).resolves.toBeUndefined();
    },
    t,
  );

  it(
    "close() settles every operation in flight: none is left pending",
    async () => {
      const unhandled = watchUnhandledRejections();
      const { backend } = await suite.open();
      await backend.set("k", bytes("v"));
      const inFlight = calls.flatMap(({ method, call }) =>
        Array.from({ length: 5 }, (_, i) => ({
          what: `${method}() #${i}`,
          promise: call(backend, {}),
        })),
      );
      const closing = backend.close();
      const outcomes = await Promise.all(
        inFlight.map(async ({ what, promise }) => ({
          what,
          settled: await settleWithin(promise, SETTLE_MS, what),
        })),
      );
      await settleWithin(closing, SETTLE_MS, "close()");
      for (const { what, settled } of outcomes) {
        // Concurrent compare-and-sets of one key may also lose to each other before the close.
        if (settled.status === "rejected") {
          expect(
            ["KVKIT_CLOSED", "KVKIT_CONFLICT"],
            `${what} rejected with ${String(settled.reason)}`,
          ).toContain((settled.reason as { code?: unknown }).code);
        }
      }
      await unhandled.check();
    },
    t,
  );

  it(
    "close() settles a list() iteration in progress: next() ends or rejects with KVKIT_CLOSED",
    async () => {
      const unhandled = watchUnhandledRejections();
      const { backend } = await suite.open();
      for (let i = 0; i < 20; i++) await backend.set(`k${i}`, bytes("v"));
      const iterator = backend.list()[Symbol.asyncIterator]();
      await iterator.next();
      await backend.close();
      const settled = await settleWithin(iterator.next(), SETTLE_MS, "list() next() after close()");
      if (settled.status === "rejected")
        expect(settled.reason).toMatchObject({ code: "KVKIT_CLOSED" });
      await settleWithin(
        Promise.resolve(iterator.return?.()),
        SETTLE_MS,
        "list() return() after close()",
      );
      await unhandled.check();
    },
    t,
  );

  it(
    "close() leaves nothing unhandled: calls after close() reject without unhandled rejections",
    async () => {
      const unhandled = watchUnhandledRejections();
      const { backend } = await suite.open();
      await backend.close();
      const results = await Promise.allSettled(calls.map(({ call }) => call(backend, {})));
      expect(results.every((result) => result.status === "rejected")).toBe(true);
      await unhandled.check();
    },
    t,
  );

  it(
    "close() releases the handles and timers the backend opened",
    async () => {
      const before = resourceCounts();
      const { backend } = await suite.open();
      for (let i = 0; i < 10; i++) await backend.set(`k${i}`, bytes("v"));
      for (let i = 0; i < 10; i++) await backend.get(`k${i}`);
      for await (const _ of backend.list()) break;
      await backend.close();
      // Handles close asynchronously on some platforms; give them a turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const after = resourceCounts();
      for (const [type, count] of after) {
        expect(count, `open ${type} resources after close()`).toBeLessThanOrEqual(
          before.get(type) ?? 0,
        );
      }
    },
    t,
  );

  it.skipIf(!suite.manifest.sharedStore)(
    "close() of one instance leaves another instance on the same store usable",
    async () => {
      const { backend, openAnother } = await suite.open();
      const other = await openAnother();
      await backend.set("k", bytes("v"));
      await backend.close();
      expect(await other.get("k")).toEqual(bytes("v"));
      await other.set("k2", bytes("w"));
      expect(await other.has("k2")).toBe(true);
    },
    t,
  );

  it.skipIf(!suite.manifest.sharedStore || suite.manifest.durability === "none")(
    "close() keeps the data: a new instance on the same store reads what was written before",
    async () => {
      const { backend, openAnother } = await suite.open();
      await backend.set("k", bytes("kept"));
      await backend.close();
      const reopened = await openAnother();
      expect(await reopened.get("k")).toEqual(bytes("kept"));
    },
    t,
  );
}

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo())
    counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}
