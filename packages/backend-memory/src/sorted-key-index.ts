import { compareKeys } from "@kvkit/spec";

/**
 * The keys of a store in UTF-8 byte order, for listing.
 *
 * Writes stay O(1): a new key is appended to an unsorted `pending` list, and a removed key is
 * left in place (the store keeps it as a tombstone) until the next {@link settle}. Listing
 * calls `settle()` first, which splices a few pending keys in by binary search, or sorts and
 * merges many at once, and drops keys the store no longer holds.
 *
 * `generation` changes whenever `sorted` changes, so a listing that remembers its position
 * can tell whether the position is still valid or must be found again by key.
 */
export class SortedKeyIndex {
  /** Every settled key, ascending. May contain keys the store has since removed. */
  sorted: string[] = [];
  /** Incremented whenever {@link sorted} changes. */
  generation = 0;
  #pending: string[] = [];

  /** Records a key the store did not hold before (not even as a tombstone). */
  add(key: string): void {
    this.#pending.push(key);
  }

  /** Whether keys were added since the last {@link settle}. */
  get unsettled(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Moves pending keys into {@link sorted}. With `keep`, also drops every key for which it
   * returns false (a full pass over all keys); without it, only pending keys are merged.
   */
  settle(keep?: (key: string) => boolean): void {
    const pending = this.#pending;
    if (pending.length === 0 && keep === undefined) return;
    this.#pending = [];
    this.generation++;
    if (keep === undefined && pending.length <= 32) {
      // A handful of keys: a binary search and a native memmove each beat a full merge.
      for (const key of pending) this.sorted.splice(lowerBound(this.sorted, key), 0, key);
      return;
    }
    pending.sort(compareKeys);
    const old = this.sorted;
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < pending.length) {
      let key: string;
      if (
        j >= pending.length ||
        (i < old.length && compareKeys(old[i] as string, pending[j] as string) < 0)
      ) {
        key = old[i++] as string;
      } else {
        key = pending[j++] as string;
      }
      if (keep === undefined || keep(key)) merged.push(key);
    }
    this.sorted = merged;
  }
}

/** The first index of `keys` whose key sorts at or after `key`. */
export function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareKeys(keys[middle] as string, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first index of `keys` whose key sorts strictly after `key`. */
export function upperBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareKeys(keys[middle] as string, key) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The first index at or after `from` whose key does not start with `prefix`. Keys with a
 * common prefix are contiguous in byte order, so this ends the prefix's range.
 */
export function prefixEnd(keys: readonly string[], prefix: string, from: number): number {
  if (prefix === "") return keys.length;
  let low = from;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((keys[middle] as string).startsWith(prefix)) low = middle + 1;
    else high = middle;
  }
  return low;
}
