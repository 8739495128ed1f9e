import { assertValidTtl, isBackendError } from "@kvkit/spec";
import { describe, expect, it } from "vitest";

describe("assertValidTtl()", () => {
  it("assertValidTtl() accepts undefined and positive safe integers", () => {
    for (const ttlMs of [undefined, 1, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(() => assertValidTtl(ttlMs)).not.toThrow();
    }
  });

  it("assertValidTtl() rejects zero, negatives, fractions, NaN, Infinity and unsafe integers with KVKIT_INVALID_OPTION", () => {
    for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      try {
        assertValidTtl(ttlMs);
        expect.unreachable(`${ttlMs} was accepted`);
      } catch (error) {
        expect(isBackendError(error, "KVKIT_INVALID_OPTION"), String(ttlMs)).toBe(true);
      }
    }
  });

  it("assertValidTtl() throws a TypeError for a string", () => {
    expect(() => assertValidTtl("100")).toThrow(TypeError);
  });
});
