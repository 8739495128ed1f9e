import { markAsUntransferable } from "node:worker_threads";

// Slices of one shared chunk: a fresh ArrayBuffer per read costs more than the read itself
// (V8 allocates buffers over 64 bytes outside its heap). Node's Buffer pool does the same.
const CHUNK_BYTES = 32 * 1024;
/** Up to this size V8 keeps a typed array's bytes on its heap, which is cheap to allocate. */
const ON_HEAP_BYTES = 64;
const POOLED_MAX_BYTES = 2048;

let chunk = new ArrayBuffer(0);
let offset = 0;

/**
 * A copy of `source` that no one else holds: a plain `Uint8Array`, for values handed to
 * callers. Medium-sized copies are slices of a shared chunk (like `Buffer.allocUnsafe`):
 * each caller owns its bytes, and the chunk is marked untransferable so that transferring
 * one result cannot detach the others.
 */
export function copyOut(source: Uint8Array): Uint8Array {
  const length = source.length;
  if (length <= ON_HEAP_BYTES || length > POOLED_MAX_BYTES) return new Uint8Array(source);
  if (offset + length > chunk.byteLength) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    markAsUntransferable(chunk);
    offset = 0;
  }
  const copy = new Uint8Array(chunk, offset, length);
  copy.set(source);
  // 8-byte alignment keeps each copy usable as a DataView of wider types at natural offsets.
  offset += (length + 7) & ~7;
  return copy;
}
