import { expect } from "vitest";
import { sortByBytes } from "./sort-by-bytes.ts";

/**
 * Asserts that a listing yielded exactly `expected`: in that order when the backend declares
 * ordered listing, as the same set (and no key twice) otherwise.
 */
export function expectKeys(
  actual: readonly string[],
  expected: readonly string[],
  ordered: boolean,
): void {
  if (ordered) {
    expect(actual).toEqual(expected);
    return;
  }
  expect(new Set(actual).size, "a key was listed twice").toBe(actual.length);
  expect(sortByBytes(actual)).toEqual(sortByBytes(expected));
}
