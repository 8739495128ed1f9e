import { assertValidVersion, isBackendError, type Limits, validateCommit } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { codeOf } from "./helpers/code-of.ts";

const LIMITS: Limits = { maxKeyBytes: 8, maxValueBytes: 4, maxBatchSize: 3 };
const value = new Uint8Array([1]);

describe("validateCommit()", () => {
  it("returns every list, empty where not given (null included)", () => {
    const checks = [{ key: "a", version: null }];
    const valid = validateCommit({ checks, delete: null as unknown as undefined }, LIMITS);
    expect(valid.checks).toBe(checks);
    expect(valid.set).toEqual([]);
    expect(valid.delete).toEqual([]);
  });

  it("accepts a commit of checks, sets and deletes within the limits", () => {
    const commit = {
      checks: [{ key: "a", version: "v1" }],
      set: [{ key: "a", value, ttlMs: 10 }],
      delete: ["b"],
    };
    expect(codeOf(() => validateCommit(commit, LIMITS))).toBeUndefined();
  });

  it("rejects more checks, sets and deletes together than maxBatchSize with KVKIT_TOO_LARGE", () => {
    const commit = {
      checks: [{ key: "a", version: null }],
      set: [{ key: "b", value }],
      delete: ["c", "d"],
    };
    expect(codeOf(() => validateCommit(commit, LIMITS))).toBe("KVKIT_TOO_LARGE");
  });

  it("rejects a key set twice, or set and deleted, with KVKIT_INVALID_OPTION naming every one", () => {
    let error: unknown;
    try {
      validateCommit(
        {
          set: [
            { key: "a", value },
            { key: "a", value },
          ],
          delete: ["a"],
        },
        LIMITS,
      );
    } catch (caught) {
      error = caught;
    }
    expect(isBackendError(error, "KVKIT_INVALID_OPTION")).toBe(true);
    expect((error as { problems: string[] }).problems).toHaveLength(2);
  });

  it("checks the keys of checks, sets and deletes, the values and the TTLs with their codes", () => {
    expect(codeOf(() => validateCommit({ checks: [{ key: "", version: null }] }, LIMITS))).toBe(
      "KVKIT_INVALID_KEY",
    );
    expect(codeOf(() => validateCommit({ set: [{ key: "k".repeat(9), value }] }, LIMITS))).toBe(
      "KVKIT_TOO_LARGE",
    );
    expect(codeOf(() => validateCommit({ delete: ["\uD800"] }, LIMITS))).toBe("KVKIT_INVALID_KEY");
    expect(
      codeOf(() => validateCommit({ set: [{ key: "a", value: new Uint8Array(5) }] }, LIMITS)),
    ).toBe("KVKIT_TOO_LARGE");
    expect(codeOf(() => validateCommit({ set: [{ key: "a", value, ttlMs: 0 }] }, LIMITS))).toBe(
      "KVKIT_INVALID_OPTION",
    );
  });

  it("rejects wrong types with a TypeError", () => {
    const wrong: unknown[] = [
      null,
      "commit",
      { checks: "a" },
      { set: {} },
      { delete: 1 },
      { checks: [null] },
      { checks: [{ key: "a", version: 1 }] },
      { set: ["a"] },
      { set: [{ key: "a", value: "text" }] },
      { delete: [1] },
    ];
    for (const commit of wrong) {
      expect(
        codeOf(() => validateCommit(commit as never, LIMITS)),
        JSON.stringify(commit),
      ).toBe("TypeError");
    }
  });
});

describe("assertValidVersion()", () => {
  it("accepts a string or null and rejects anything else with a TypeError", () => {
    for (const version of ["", "v1", null]) {
      expect(codeOf(() => assertValidVersion(version))).toBeUndefined();
    }
    for (const version of [undefined, 1, {}, ["v1"]]) {
      expect(codeOf(() => assertValidVersion(version, "expected"))).toBe("TypeError");
    }
  });
});
