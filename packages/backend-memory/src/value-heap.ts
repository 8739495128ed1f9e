import { UnavailableError } from "@kvkit/spec";
import { copyOut } from "./copy-out.ts";

/**
 * A shared buffer of records. A record starts at an 8-byte aligned offset: a 24-byte header
 * of three float64s (expiry, version, byte length), then the value's bytes.
 */
interface Chunk {
  readonly index: number;
  readonly bytes: Uint8Array;
  readonly floats: Float64Array;
  /** The same memory in 32-bit words, for copying values out. */
  readonly words: Int32Array;
  /** Bytes of records that are still stored here. */
  live: number;
  /** The key and offset of every record ever placed here, in pairs. */
  readonly placed: (string | number)[];
}

const HEADER_BYTES = 24;
const CHUNK_BYTES = 64 * 1024;
/** A record's place is its offset / 8: 8192 places per chunk, the low 13 bits of a handle. */
const PLACE_BITS = 13;
const PLACE_MASK = (1 << PLACE_BITS) - 1;
/** Handles stay below 2^32, for `>>>`: 2^19 chunks, 32 GiB of 64 KiB chunks. */
const MAX_CHUNKS = 2 ** (32 - PLACE_BITS);

/** The handle of a deleted key (a tombstone). Live handles are non-negative. */
export const TOMBSTONE = -1;

/**
 * Where a store keeps its values: packed into shared 64 KiB chunks, each with its version and
 * expiry in a small header in front of the bytes, and named by a number (a handle: chunk
 * index and place). The store's map holds these numbers.
 *
 * Why: a random read of a large store is dominated by cache misses. With plain numbers in
 * the map, a read touches the map and then one record whose header and bytes are adjacent; an
 * object per value would add a miss (measured: 8-15% on a random get), and a fresh
 * `ArrayBuffer` per value would cost more than the write itself (V8 allocates buffers over 64
 * bytes outside its heap).
 *
 * Dead bytes are not kept forever: each chunk counts its live bytes, and a chunk that falls
 * below a quarter full moves its surviving records to the current chunk (re-pointing their
 * keys in the map) and is dropped. Memory stays within about 4x the live bytes plus one
 * chunk, and the copying is O(1) amortised per byte written. A value too big for a chunk gets
 * a chunk of its own.
 */
export class ValueHeap {
  /** The map whose values are this heap's handles (or {@link TOMBSTONE}). */
  readonly #keys: Map<string, number>;
  readonly #chunks: (Chunk | undefined)[] = [];
  readonly #freeIndexes: number[] = [];
  #current: Chunk | undefined;
  #offset = 0;

  constructor(keys: Map<string, number>) {
    this.#keys = keys;
  }

  /** Stores a copy of `source` as a new record for `key` and returns its handle. */
  allocate(key: string, source: Uint8Array, version: number, expiresAt: number): number {
    const size = (HEADER_BYTES + source.length + 7) & ~7;
    let chunk: Chunk;
    let offset = 0;
    if (size > CHUNK_BYTES) {
      chunk = this.#newChunk(size);
    } else {
      if (this.#current === undefined || this.#offset + size > CHUNK_BYTES) {
        this.#current = this.#newChunk(CHUNK_BYTES);
        this.#offset = 0;
      }
      chunk = this.#current;
      offset = this.#offset;
      this.#offset += size;
    }
    chunk.live += size;
    chunk.placed.push(key, offset);
    this.#write(chunk, offset / 8, source, version, expiresAt);
    return chunk.index * (PLACE_MASK + 1) + offset / 8;
  }

  /**
   * Overwrites the record of `handle` in place when `source` has the same length, and
   * returns true; returns false, changing nothing, otherwise.
   */
  overwrite(handle: number, source: Uint8Array, version: number, expiresAt: number): boolean {
    const chunk = this.#chunks[handle >>> PLACE_BITS] as Chunk;
    const place = handle & PLACE_MASK;
    if (chunk.floats[place + 2] !== source.length) return false;
    this.#write(chunk, place, source, version, expiresAt);
    return true;
  }

  /**
   * Gives back the record of `handle`. Call it only after the key stopped referring to
   * `handle` in the map (re-pointed or removed): a compaction it triggers moves the records
   * the map refers to.
   */
  release(handle: number): void {
    const chunk = this.#chunks[handle >>> PLACE_BITS] as Chunk;
    const place = handle & PLACE_MASK;
    chunk.live -= (HEADER_BYTES + (chunk.floats[place + 2] as number) + 7) & ~7;
    if (chunk !== this.#current && chunk.live * 4 < chunk.bytes.length) this.#compact(chunk);
  }

  /** When the value expires, in epoch milliseconds, or `Infinity`. */
  expiresAt(handle: number): number {
    const chunk = this.#chunks[handle >>> PLACE_BITS] as Chunk;
    return chunk.floats[handle & PLACE_MASK] as number;
  }

  /** The version of the write that stored the value. */
  version(handle: number): number {
    const chunk = this.#chunks[handle >>> PLACE_BITS] as Chunk;
    return chunk.floats[(handle & PLACE_MASK) + 1] as number;
  }

  /** A copy of the value's bytes that the caller owns. */
  read(handle: number): Uint8Array {
    const chunk = this.#chunks[handle >>> PLACE_BITS] as Chunk;
    const place = handle & PLACE_MASK;
    const start = place * 8 + HEADER_BYTES;
    return copyOut(chunk.bytes, chunk.words, start, chunk.floats[place + 2] as number);
  }

  #write(
    chunk: Chunk,
    place: number,
    source: Uint8Array,
    version: number,
    expiresAt: number,
  ): void {
    chunk.floats[place] = expiresAt;
    chunk.floats[place + 1] = version;
    chunk.floats[place + 2] = source.length;
    chunk.bytes.set(source, place * 8 + HEADER_BYTES);
  }

  #newChunk(size: number): Chunk {
    const index = this.#freeIndexes.pop() ?? this.#chunks.length;
    if (index >= MAX_CHUNKS) {
      throw new UnavailableError(`The memory store is full (${MAX_CHUNKS} chunks in use)`);
    }
    const buffer = new ArrayBuffer(size);
    const chunk: Chunk = {
      index,
      bytes: new Uint8Array(buffer),
      floats: new Float64Array(buffer),
      words: new Int32Array(buffer),
      live: 0,
      placed: [],
    };
    this.#chunks[index] = chunk;
    return chunk;
  }

  #compact(chunk: Chunk): void {
    const first = chunk.index * (PLACE_MASK + 1);
    const placed = chunk.placed;
    for (let i = 0; i < placed.length; i += 2) {
      const key = placed[i] as string;
      const place = (placed[i + 1] as number) / 8;
      // Keys move on (overwritten with another size, deleted): only records their key still
      // refers to are live.
      if (this.#keys.get(key) !== first + place) continue;
      const start = place * 8 + HEADER_BYTES;
      const source = chunk.bytes.subarray(start, start + (chunk.floats[place + 2] as number));
      const version = chunk.floats[place + 1] as number;
      const expiresAt = chunk.floats[place] as number;
      this.#keys.set(key, this.allocate(key, source, version, expiresAt));
    }
    this.#chunks[chunk.index] = undefined;
    this.#freeIndexes.push(chunk.index);
  }
}
