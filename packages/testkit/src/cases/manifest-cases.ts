import { CAPABILITY_NAMES } from "@kvkit/spec";
import { expect, it } from "vitest";
import type { SuiteContext } from "../suite-context.ts";
import { CAPABILITY_METHODS } from "../traits/method-calls.ts";

const DURABILITIES = ["none", "process", "power"];
const WATCH_REACHES = ["in-process", "cross-process"];

/** The manifest: what the instance exposes equals what was declared, and is well-formed. */
export function manifestCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const declared = suite.manifest;

  it(
    "manifest deep-equals the manifest the backend was registered with",
    async () => {
      const { backend } = await suite.open();
      expect(backend.manifest).toEqual(declared);
    },
    t,
  );

  it(
    "manifest stays the same across operations and close()",
    async () => {
      const { backend } = await suite.open();
      const before = structuredClone(backend.manifest);
      await backend.set("k", new Uint8Array([1]));
      await backend.close();
      expect(backend.manifest).toEqual(before);
    },
    t,
  );

  it(
    "manifest is the same on every instance",
    async () => {
      const { backend } = await suite.open();
      const { backend: other } = await suite.open();
      expect(other.manifest).toEqual(backend.manifest);
    },
    t,
  );

  it("manifest declares every capability, and only known ones, as a boolean", () => {
    expect(Object.keys(declared.capabilities).sort()).toEqual([...CAPABILITY_NAMES].sort());
    for (const name of CAPABILITY_NAMES)
      expect(typeof declared.capabilities[name], name).toBe("boolean");
  });

  for (const name of CAPABILITY_NAMES) {
    it.skipIf(!declared.capabilities[name])(
      `manifest's ${name} claim is backed by its methods (${CAPABILITY_METHODS[name].join(", ")})`,
      async () => {
        const { backend } = await suite.open();
        for (const method of CAPABILITY_METHODS[name]) {
          expect(typeof (backend as unknown as Record<string, unknown>)[method], method).toBe(
            "function",
          );
        }
      },
      t,
    );
  }

  it(
    "backend has every method of the required core",
    async () => {
      const { backend } = await suite.open();
      for (const method of ["get", "set", "delete", "has", "list", "close"] as const) {
        expect(typeof backend[method], method).toBe("function");
      }
      expect(typeof backend[Symbol.asyncDispose]).toBe("function");
    },
    t,
  );

  it("manifest limits are positive safe integers", () => {
    for (const [name, value] of Object.entries(declared.limits)) {
      expect(Number.isSafeInteger(value) && value > 0, `${name} = ${value}`).toBe(true);
    }
    expect(Object.keys(declared.limits).sort()).toEqual([
      "maxBatchSize",
      "maxKeyBytes",
      "maxValueBytes",
    ]);
  });

  it("manifest fields are well-formed", () => {
    expect(typeof declared.orderedList).toBe("boolean");
    expect(typeof declared.sharedStore).toBe("boolean");
    expect(typeof declared.atomicBatch).toBe("boolean");
    expect(typeof declared.watchResumable).toBe("boolean");
    expect(DURABILITIES).toContain(declared.durability);
    expect(WATCH_REACHES).toContain(declared.watchReach);
    expect(Number.isSafeInteger(declared.ttlResolutionMs) && declared.ttlResolutionMs >= 0).toBe(
      true,
    );
    expect(Number.isSafeInteger(declared.healthTimeoutMs) && declared.healthTimeoutMs > 0).toBe(
      true,
    );
  });
}
