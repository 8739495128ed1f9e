import { compareKeys } from "@kvkit/spec";

/** A sorted copy of `keys` in UTF-8 byte order (the order of an ordered `list()`). */
export function sortByBytes(keys: Iterable<string>): string[] {
  return [...keys].sort(compareKeys);
}
