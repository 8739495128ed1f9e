import type { ArenaChunk } from "./value-arena.ts";

/**
 * A store's private copy of one written value, carrying the key's version and expiry.
 *
 * The value is the entry: a read reaches the bytes, the version and the expiry through one
 * object, which matters because a random read of a large store is dominated by cache misses.
 * Every write creates a new one; it is never handed out (reads return copies).
 */
export class StoredValue extends Uint8Array {
  /** The store-wide number of the write that stored it. */
  version = 0;
  /** Epoch milliseconds, or `Infinity` for no expiry. */
  expiresAt: number = Number.POSITIVE_INFINITY;
  /** The shared chunk holding the bytes, while they are packed in one and still stored. */
  chunk: ArenaChunk | undefined = undefined;
}
