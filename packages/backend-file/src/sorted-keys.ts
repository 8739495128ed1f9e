import { compareKeys } from "@kvkit/spec";

/**
 * The key set in UTF-8 byte order, kept lazily: additions are collected and merged into the
 * sorted array when a listing next needs it (one sort of the additions plus one linear merge),
 * so bulk loads cost O(n log n) once rather than O(n) per insertion. Removed keys are dropped
 * at the next merge; until then `isLive` filters them.
 */
export class SortedKeys {
  #sorted: string[] = [];
  #added: string[] = [];
  #removed = 0;
  readonly #isLive: (key: string) => boolean;

  constructor(isLive: (key: string) => boolean) {
    this.#isLive = isLive;
  }

  /** Forgets every key (the index is being rebuilt from a new log generation). */
  clear(): void {
    this.#sorted = [];
    this.#added = [];
    this.#removed = 0;
  }

  /** Records that `key` became present. */
  add(key: string): void {
    this.#added.push(key);
  }

  /** Records that a key was removed. */
  remove(): void {
    this.#removed++;
  }

  /** The sorted keys. May contain keys removed since; check each with the map. */
  snapshot(): readonly string[] {
    if (this.#added.length === 0 && this.#removed < 1024) return this.#sorted;
    const added = this.#added.sort(compareKeys);
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    const push = (key: string): void => {
      if (key !== last && this.#isLive(key)) merged.push(key);
      last = key;
    };
    while (i < this.#sorted.length || j < added.length) {
      const a = this.#sorted[i];
      const b = added[j];
      if (b === undefined || (a !== undefined && compareKeys(a, b) <= 0)) {
        push(a as string);
        i++;
      } else {
        push(b);
        j++;
      }
    }
    this.#sorted = merged;
    this.#added = [];
    this.#removed = 0;
    return merged;
  }
}

/** Index of the first key in `sorted` that is `>= key` (or `> key` when `after`). */
export function lowerBound(sorted: readonly string[], key: string, after: boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareKeys(sorted[middle] as string, key);
    if (order < 0 || (after && order === 0)) low = middle + 1;
    else high = middle;
  }
  return low;
}
