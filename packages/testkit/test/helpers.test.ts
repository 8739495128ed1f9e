import { describe, expect, it } from "vitest";
import { bytes } from "../src/bytes.ts";
import { collect } from "../src/collect.ts";
import { sortByBytes } from "../src/traits/sort-by-bytes.ts";

describe("bytes()", () => {
  it("bytes() encodes text as UTF-8 into a plain Uint8Array", () => {
    const value = bytes("é😀");
    expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
    expect([...value]).toEqual([0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
  });
});

describe("collect()", () => {
  it("collect() drains an async iterable in order", async () => {
    async function* three(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      yield 3;
    }
    expect(await collect(three())).toEqual([1, 2, 3]);
  });
});

describe("sortByBytes()", () => {
  it("sortByBytes() orders supplementary characters after U+E000-U+FFFF, as UTF-8 bytes do", () => {
    const keys = ["😀", "\uffff", "a", "\ue000"];
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(sortByBytes(keys)).toEqual(byBytes);
    expect(sortByBytes(keys)).toEqual(["a", "\ue000", "\uffff", "😀"]);
  });
});
