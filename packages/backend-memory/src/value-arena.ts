import { StoredValue } from "./stored-value.ts";

/** A shared buffer of stored values, with what it holds. */
export interface ArenaChunk {
  readonly buffer: ArrayBuffer;
  /** Bytes of values that are still stored here. */
  live: number;
  /** The key of every value ever packed here, parallel to {@link values}. */
  readonly keys: string[];
  readonly values: StoredValue[];
}

const CHUNK_BYTES = 64 * 1024;
/** Up to this size V8 keeps a typed array's bytes on its heap, which is cheap to allocate. */
const ON_HEAP_BYTES = 64;
const PACKED_MAX_BYTES = 2048;

/**
 * Makes a store's private copies of values. A fresh `ArrayBuffer` per write costs more than
 * the write itself (V8 allocates buffers over 64 bytes outside its heap), so medium-sized
 * values are packed into shared chunks instead.
 *
 * Packing must not keep dead bytes alive forever: each chunk counts its live bytes, and a
 * chunk that falls below a quarter full hands its survivors to `onMove` (which re-stores them
 * in the current chunk) and is dropped. Memory stays within about 4x the live bytes plus one
 * chunk, and the copying is O(1) amortised per byte written.
 */
export class ValueArena {
  readonly #onMove: (key: string, value: StoredValue) => void;
  #current: ArenaChunk = { buffer: new ArrayBuffer(0), live: 0, keys: [], values: [] };
  #offset = 0;

  /**
   * @param onMove Called with a stored value whose chunk is being dropped: the store replaces
   *   it with `copy(key, value, …)`.
   */
  constructor(onMove: (key: string, value: StoredValue) => void) {
    this.#onMove = onMove;
  }

  /** A private copy of `source`, to be stored under `key`. */
  copy(key: string, source: Uint8Array, version: number, expiresAt: number): StoredValue {
    const length = source.length;
    let value: StoredValue;
    if (length <= ON_HEAP_BYTES || length > PACKED_MAX_BYTES) {
      value = new StoredValue(length);
    } else {
      if (this.#offset + length > this.#current.buffer.byteLength) {
        this.#current = { buffer: new ArrayBuffer(CHUNK_BYTES), live: 0, keys: [], values: [] };
        this.#offset = 0;
      }
      const chunk = this.#current;
      value = new StoredValue(chunk.buffer, this.#offset, length);
      // 8-byte alignment, as a fresh ArrayBuffer would have.
      this.#offset += (length + 7) & ~7;
      chunk.live += length;
      chunk.keys.push(key);
      chunk.values.push(value);
      value.chunk = chunk;
    }
    value.set(source);
    value.version = version;
    value.expiresAt = expiresAt;
    return value;
  }

  /** Gives back the bytes of `value`, which is no longer stored. */
  release(value: StoredValue): void {
    const chunk = value.chunk;
    if (chunk === undefined) return;
    value.chunk = undefined;
    chunk.live -= value.length;
    if (chunk !== this.#current && chunk.live * 4 < chunk.buffer.byteLength) this.#compact(chunk);
  }

  #compact(chunk: ArenaChunk): void {
    const keys = chunk.keys.splice(0);
    const values = chunk.values.splice(0);
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as StoredValue;
      // Released values have left the chunk; the rest are still stored under their key.
      if (value.chunk !== chunk) continue;
      value.chunk = undefined;
      chunk.live -= value.length;
      this.#onMove(keys[i] as string, value);
    }
  }
}
