/** A shared buffer holding stored values, with the number of its bytes still in use. */
export interface ArenaChunk {
  readonly buffer: ArrayBuffer;
  /** Bytes of values that still live here. */
  live: number;
  /** Every holder that was given bytes here; some may have moved on since. */
  readonly holders: ArenaHolder[];
}

/** What owns a value in the arena: a store entry. */
export interface ArenaHolder {
  value: Uint8Array | undefined;
  chunk: ArenaChunk | undefined;
}

const CHUNK_BYTES = 64 * 1024;
const ON_HEAP_BYTES = 64;
const POOLED_MAX_BYTES = 2048;

/**
 * Where a store keeps its private copies of values. A fresh `ArrayBuffer` per write costs
 * more than the write itself (V8 allocates buffers over 64 bytes outside its heap), so
 * medium-sized values are packed into shared chunks instead.
 *
 * Packing must not retain dead bytes forever: each chunk counts its live bytes, and a chunk
 * that falls below a quarter full moves its survivors to the current chunk and is dropped.
 * Memory therefore stays within about 4x the live bytes plus one chunk, and the copying is
 * O(1) amortised per byte written.
 */
export class ValueArena {
  #current: ArenaChunk = { buffer: new ArrayBuffer(0), live: 0, holders: [] };
  #offset = 0;

  /** Gives `holder` a private copy of `source` (sets `holder.value` and `holder.chunk`). */
  store(holder: ArenaHolder, source: Uint8Array): void {
    const length = source.length;
    if (length <= ON_HEAP_BYTES || length > POOLED_MAX_BYTES) {
      holder.value = new Uint8Array(source);
      holder.chunk = undefined;
      return;
    }
    if (this.#offset + length > this.#current.buffer.byteLength) {
      this.#current = { buffer: new ArrayBuffer(CHUNK_BYTES), live: 0, holders: [] };
      this.#offset = 0;
    }
    const chunk = this.#current;
    const copy = new Uint8Array(chunk.buffer, this.#offset, length);
    copy.set(source);
    this.#offset += (length + 7) & ~7;
    chunk.live += length;
    chunk.holders.push(holder);
    holder.value = copy;
    holder.chunk = chunk;
  }

  /** Releases `holder`'s value (before it is overwritten or deleted). */
  release(holder: ArenaHolder): void {
    const chunk = holder.chunk;
    if (chunk === undefined) return;
    holder.chunk = undefined;
    chunk.live -= (holder.value as Uint8Array).length;
    if (chunk !== this.#current && chunk.live * 4 < chunk.buffer.byteLength) this.#compact(chunk);
  }

  #compact(chunk: ArenaChunk): void {
    const holders = chunk.holders.splice(0);
    for (const holder of holders) {
      if (holder.chunk !== chunk) continue;
      const value = holder.value as Uint8Array;
      chunk.live -= value.length;
      this.store(holder, value);
    }
  }
}
