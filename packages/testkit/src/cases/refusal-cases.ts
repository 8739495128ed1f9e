import { CAPABILITY_NAMES, hasCapability, requireCapability } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import { collect } from "../collect.ts";
import type { SuiteContext } from "../suite-context.ts";
import { listKeys } from "../traits/list-keys.ts";
import { CAPABILITY_METHODS, hasMethod, METHOD_CALLS } from "../traits/method-calls.ts";
import { notSupported } from "../traits/not-supported.ts";

/**
 * Undeclared capabilities are refused, never passed silently: the manifest says no, present
 * methods reject with `KVKIT_NOT_SUPPORTED` naming the capability, and options that need them
 * (`ttlMs`, `reverse`, a watch `cursor`) are refused without writing.
 */
export function refusalCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const manifest = suite.manifest;
  const undeclared = CAPABILITY_NAMES.filter((name) => !manifest.capabilities[name]);

  it(
    "requireCapability() returns the backend for every declared capability",
    async () => {
      const { backend } = await suite.open();
      for (const name of CAPABILITY_NAMES.filter((n) => manifest.capabilities[n])) {
        expect(requireCapability(backend, name), name).toBe(backend);
      }
    },
    t,
  );

  for (const name of undeclared) {
    describe(name, () => {
      it(
        `hasCapability(backend, "${name}") is false on the instance`,
        async () => {
          const { backend } = await suite.open();
          expect(backend.manifest.capabilities[name]).toBe(false);
          expect(hasCapability(backend, name)).toBe(false);
        },
        t,
      );

      it(
        `requireCapability(backend, "${name}") throws KVKIT_NOT_SUPPORTED`,
        async () => {
          const { backend } = await suite.open();
          expect(() => requireCapability(backend, name)).toThrow(
            expect.objectContaining(notSupported(name)),
          );
        },
        t,
      );

      for (const method of CAPABILITY_METHODS[name]) {
        it(
          `${method}() is absent or rejects KVKIT_NOT_SUPPORTED`,
          async () => {
            const { backend } = await suite.open();
            // Absent is a refusal too: the type system and hasCapability() already say no.
            if (!hasMethod(backend, method)) {
              expect((backend as unknown as Record<string, unknown>)[method]).toBeUndefined();
              return;
            }
            const call = METHOD_CALLS.find((candidate) => candidate.method === method);
            const run =
              call === undefined
                ? (backend as unknown as Record<string, () => Promise<unknown>>)[method]?.call(
                    backend,
                  )
                : call.call(backend, {});
            await expect(run).rejects.toMatchObject(notSupported(name));
            expect(await listKeys(backend)).toEqual([]);
          },
          t,
        );
      }
    });
  }

  if (!manifest.capabilities.ttl) {
    describe("ttl", () => {
      it(
        "set() with ttlMs rejects KVKIT_NOT_SUPPORTED and stores nothing",
        async () => {
          const { backend } = await suite.open();
          await expect(backend.set("k", bytes("v"), { ttlMs: 60_000 })).rejects.toMatchObject(
            notSupported("ttl"),
          );
          expect(await backend.has("k")).toBe(false);
        },
        t,
      );

      it(
        "set() with ttlMs leaves an existing value unchanged when refused",
        async () => {
          const { backend } = await suite.open();
          await backend.set("k", bytes("before"));
          await expect(backend.set("k", bytes("after"), { ttlMs: 60_000 })).rejects.toMatchObject(
            notSupported("ttl"),
          );
          expect(await backend.get("k")).toEqual(bytes("before"));
        },
        t,
      );

      it.skipIf(!manifest.capabilities.batch)(
        "setMany() with ttlMs rejects KVKIT_NOT_SUPPORTED and stores nothing",
        async () => {
          const { backend } = await suite.open();
          const batch = backend as unknown as { setMany: (...args: unknown[]) => Promise<void> };
          await expect(
            batch.setMany(
              [
                { key: "a", value: bytes("1") },
                { key: "b", value: bytes("2") },
              ],
              { ttlMs: 60_000 },
            ),
          ).rejects.toMatchObject(notSupported("ttl"));
          expect(await listKeys(backend)).toEqual([]);
        },
        t,
      );

      it.skipIf(!manifest.capabilities.atomicWrite)(
        "commit() with a ttlMs set rejects KVKIT_NOT_SUPPORTED and stores nothing",
        async () => {
          const { backend } = await suite.open();
          const atomic = backend as unknown as { commit: (...args: unknown[]) => Promise<unknown> };
          await expect(
            atomic.commit({
              set: [
                { key: "a", value: bytes("1") },
                { key: "b", value: bytes("2"), ttlMs: 60_000 },
              ],
            }),
          ).rejects.toMatchObject(notSupported("ttl"));
          expect(await listKeys(backend)).toEqual([]);
        },
        t,
      );

      it.skipIf(!manifest.capabilities.atomicWrite)(
        "compareAndSet() with ttlMs rejects KVKIT_NOT_SUPPORTED and stores nothing",
        async () => {
          const { backend } = await suite.open();
          const atomic = backend as unknown as {
            compareAndSet: (...args: unknown[]) => Promise<unknown>;
          };
          await expect(
            atomic.compareAndSet("k", null, bytes("v"), { ttlMs: 60_000 }),
          ).rejects.toMatchObject(notSupported("ttl"));
          expect(await backend.has("k")).toBe(false);
        },
        t,
      );
    });
  }

  if (!manifest.orderedList) {
    describe("orderedList", () => {
      it(
        "list() with reverse rejects KVKIT_NOT_SUPPORTED",
        async () => {
          const { backend } = await suite.open();
          await backend.set("a", bytes("1"));
          const listing = backend.list({ reverse: true });
          await expect(collect(listing)).rejects.toMatchObject({ code: "KVKIT_NOT_SUPPORTED" });
        },
        t,
      );

      it(
        "list() with reverse: false is accepted",
        async () => {
          const { backend } = await suite.open();
          await backend.set("a", bytes("1"));
          expect(await listKeys(backend, { reverse: false })).toEqual(["a"]);
        },
        t,
      );
    });
  }

  if (manifest.capabilities.watch && !manifest.watchResumable) {
    describe("watchResumable", () => {
      it(
        "watch() with a cursor rejects KVKIT_NOT_SUPPORTED instead of starting from now",
        async () => {
          const { backend } = await suite.open();
          // Ignoring the cursor would silently lose every write since it was handed out.
          await expect(
            requireCapability(backend, "watch").watch({ cursor: "0" }),
          ).rejects.toMatchObject({ code: "KVKIT_NOT_SUPPORTED" });
        },
        t,
      );
    });
  }
}
