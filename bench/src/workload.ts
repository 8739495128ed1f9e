/** Length in bytes of every value the benchmarks write (reference/bench-peers.md). */
export const VALUE_LENGTH = 100;

/** How {@link makeKeys} spells its keys. */
export interface KeyOptions {
  /** Text before the key's first colon. Default `"bench"`. */
  readonly prefix?: string;
  /**
   * Number of `x`s that end key 0; key `i` ends with `shortestTail + i % 17` of them. Default
   * 3, which with the default prefix makes keys of 16-32 bytes.
   */
  readonly shortestTail?: number;
}

/**
 * `count` distinct ASCII keys, `<prefix>:<index in base 36, 6 digits>:<x…>`, whose lengths
 * cycle through 17 values, so a store sees keys of mixed sizes in a fixed pattern.
 */
export function makeKeys(count: number, options: KeyOptions = {}): string[] {
  const { prefix = "bench", shortestTail = 3 } = options;
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    keys.push(
      `${prefix}:${i.toString(36).padStart(6, "0")}:${"x".repeat(shortestTail + (i % 17))}`,
    );
  }
  return keys;
}

/** A copy of `items` in a Fisher-Yates order from a fixed-seed xorshift: the same every run. */
export function shuffled<T>(items: readonly T[]): T[] {
  const result = [...items];
  let seed = 0x9e3779b9;
  for (let i = result.length - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const j = (seed >>> 0) % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/** The keys a benchmark writes in order and the shuffled order it reads them back in. */
export interface Workload {
  readonly keys: readonly string[];
  readonly readOrder: readonly string[];
}

/** {@link makeKeys} of `count` keys and their {@link shuffled} read order. */
export function makeWorkload(count: number, options: KeyOptions = {}): Workload {
  const keys = makeKeys(count, options);
  return { keys, readOrder: shuffled(keys) };
}
