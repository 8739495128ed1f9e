import { assertValidValue, isBackendError } from "@kvkit/spec";
import { describe, expect, it } from "vitest";

describe("assertValidValue()", () => {
  it("assertValidValue() accepts Uint8Array, Buffer and subarray views, empty ones included", () => {
    const base = new Uint8Array(8);
    for (const value of [new Uint8Array(0), Buffer.from("abc"), base.subarray(2, 5)]) {
      expect(() => assertValidValue(value, 8)).not.toThrow();
    }
  });

  it("assertValidValue() rejects a value one byte over the limit with KVKIT_TOO_LARGE", () => {
    try {
      assertValidValue(new Uint8Array(9), 8);
      expect.unreachable();
    } catch (error) {
      expect(isBackendError(error, "KVKIT_TOO_LARGE")).toBe(true);
      expect(error).toMatchObject({ limit: "value", size: 9, max: 8 });
    }
  });

  it("assertValidValue() rejects a view over a detached buffer with KVKIT_INVALID_VALUE", () => {
    const value = new Uint8Array(8);
    structuredClone(value.buffer, { transfer: [value.buffer] });
    expect(value.byteLength).toBe(0);
    expect(() => assertValidValue(value, 8)).toThrow(
      expect.objectContaining({ code: "KVKIT_INVALID_VALUE" }),
    );
  });

  it("assertValidValue() throws a TypeError for strings, arrays and other typed arrays", () => {
    for (const value of ["abc", [1, 2], new Uint16Array(2), new ArrayBuffer(2), null]) {
      expect(() => assertValidValue(value, 8)).toThrow(TypeError);
    }
  });
});
