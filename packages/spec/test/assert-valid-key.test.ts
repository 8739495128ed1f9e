import { assertValidKey, assertValidKeyPattern, utf8ByteLength } from "@kvkit/spec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codeOf } from "./helpers/code-of.ts";

describe("assertValidKey()", () => {
  it("assertValidKey() accepts separators, metacharacters, NUL and prototype names", () => {
    for (const key of ["/", ":", "*", "%", "_", "\\", "\u0000", "__proto__", "constructor", ".."]) {
      expect(
        codeOf(() => assertValidKey(key, 1024)),
        key,
      ).toBeUndefined();
    }
  });

  it("assertValidKey() rejects the empty key with KVKIT_INVALID_KEY", () => {
    expect(codeOf(() => assertValidKey("", 1024))).toBe("KVKIT_INVALID_KEY");
  });

  it("assertValidKey() rejects lone surrogates with KVKIT_INVALID_KEY", () => {
    for (const key of ["\uD800", "a\uDC00", "\uDBFFb", "\uDC00\uD800"]) {
      expect(
        codeOf(() => assertValidKey(key, 1024)),
        JSON.stringify(key),
      ).toBe("KVKIT_INVALID_KEY");
    }
  });

  it("assertValidKey() measures the limit in UTF-8 bytes, not characters", () => {
    expect(codeOf(() => assertValidKey("é".repeat(5), 10))).toBeUndefined();
    const error = (() => {
      try {
        assertValidKey(`${"é".repeat(5)}x`, 10);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toMatchObject({ code: "KVKIT_TOO_LARGE", limit: "key", size: 11, max: 10 });
  });

  it("assertValidKey() throws a TypeError without a code for a non-string", () => {
    for (const key of [1, null, undefined, Symbol("k"), ["a"], new String("a")]) {
      expect(() => assertValidKey(key, 1024)).toThrow(TypeError);
    }
  });

  it("assertValidKeyPattern() allows the empty prefix but not lone surrogates", () => {
    expect(codeOf(() => assertValidKeyPattern("", "prefix"))).toBeUndefined();
    expect(codeOf(() => assertValidKeyPattern("\uD800", "prefix"))).toBe("KVKIT_INVALID_KEY");
  });
});

describe("utf8ByteLength()", () => {
  it("utf8ByteLength() equals Buffer.byteLength for any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, "utf8"));
      }),
      { numRuns: 1000 },
    );
  });
});
