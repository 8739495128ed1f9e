import { compareKeys } from "@kvkit/spec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const utf8Order = (a: string, b: string): number =>
  Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));

describe("compareKeys()", () => {
  it("compareKeys() orders a supplementary character after U+FFFD, as UTF-8 bytes do", () => {
    // JavaScript's `<` says "😀" < "\uFFFD" (0xD83D < 0xFFFD); UTF-8 bytes say the opposite.
    expect("😀" < "\uFFFD").toBe(true);
    expect(compareKeys("😀", "\uFFFD")).toBeGreaterThan(0);
    expect(compareKeys("\uE000", "😀")).toBeLessThan(0);
  });

  it("compareKeys() sorts a prefix before its extensions", () => {
    expect(compareKeys("a", "a\u0000")).toBeLessThan(0);
    expect(compareKeys("ab", "ab")).toBe(0);
  });

  it("compareKeys() agrees with the UTF-8 byte order of any two well-formed strings", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 8 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(utf8Order(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});
