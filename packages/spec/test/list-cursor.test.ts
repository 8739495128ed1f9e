import { ListCursor } from "@kvkit/spec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codeOf } from "./helpers/code-of.ts";

describe("ListCursor", () => {
  it("decode() returns the key encode() was given, for any well-formed key", () => {
    const cursors = new ListCursor("p/", undefined, undefined, false);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), (key) => {
        expect(cursors.decode(cursors.encode(key))).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it("decode() works on another instance made with the same options", () => {
    const cursor = new ListCursor("a", "b", "c", true).encode("k");
    expect(new ListCursor("a", "b", "c", true).decode(cursor)).toBe("k");
  });

  it("decode() rejects KVKIT_INVALID_CURSOR for a cursor made with other options", () => {
    const cursor = new ListCursor("a", undefined, undefined, false).encode("k");
    for (const other of [
      new ListCursor("b", undefined, undefined, false),
      new ListCursor("a", "", undefined, false),
      new ListCursor("a", undefined, undefined, true),
    ]) {
      expect(codeOf(() => other.decode(cursor))).toBe("KVKIT_INVALID_CURSOR");
    }
  });

  it("decode() rejects KVKIT_INVALID_CURSOR for garbage, padding and non-UTF-8 bytes", () => {
    const cursors = new ListCursor("", undefined, undefined, false);
    const [head] = cursors.encode("k").split(".");
    for (const garbage of ["", ".", "x", `${head}.`, `${head}.a=`, `${head}.__8`, `${head}.!!`]) {
      expect(
        codeOf(() => cursors.decode(garbage)),
        garbage,
      ).toBe("KVKIT_INVALID_CURSOR");
    }
  });
});
