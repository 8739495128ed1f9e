import { markAsUntransferable } from "node:worker_threads";

// Slices of one shared chunk: a fresh ArrayBuffer per read costs more than the read itself
// (V8 allocates buffers over 64 bytes outside its heap). Node's Buffer pool does the same.
const CHUNK_BYTES = 32 * 1024;
/** Up to this size V8 keeps a typed array's bytes on its heap, which is cheap to allocate. */
const ON_HEAP_BYTES = 64;
const POOLED_MAX_BYTES = 2048;

let chunk = new ArrayBuffer(0);
let chunkWords = new Int32Array(chunk);
let offset = 0;

/**
 * A copy of `length` bytes of `bytes` from `start` that no one else holds: a plain
 * `Uint8Array`, for values handed to callers. `words` views the same memory as `bytes`, and
 * `start` is a multiple of 8 with the bytes up to the next multiple of 8 after the value
 * readable (the padding of a record). Medium-sized copies are slices of a shared chunk (like
 * `Buffer.allocUnsafe`): each caller owns its bytes, and the chunk is marked untransferable
 * so that transferring one result cannot detach the others.
 */
export function copyOut(
  bytes: Uint8Array,
  words: Int32Array,
  start: number,
  length: number,
): Uint8Array {
  if (length <= ON_HEAP_BYTES || length > POOLED_MAX_BYTES) {
    return bytes.slice(start, start + length);
  }
  if (offset + length > chunk.byteLength) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    chunkWords = new Int32Array(chunk);
    markAsUntransferable(chunk);
    offset = 0;
  }
  const copy = new Uint8Array(chunk, offset, length);
  // Word by word, straight from the record: no view of the source to allocate. Both ends are
  // 8-byte aligned and the copy's slot is padded to 8 bytes, so whole words fit.
  const from = start >> 2;
  const to = offset >> 2;
  const count = (length + 3) >> 2;
  for (let i = 0; i < count; i++) chunkWords[to + i] = words[from + i] as number;
  // 8-byte alignment keeps each copy usable as a DataView of wider types at natural offsets.
  offset += (length + 7) & ~7;
  return copy;
}
