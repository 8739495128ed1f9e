import { randomBytes } from "node:crypto";

/** The format byte that starts every stored value. */
const FORMAT = 0x01;
/** Bytes of a version: 8 random bytes per writer instance, then an 8-byte counter. */
const VERSION_BYTES = 16;
/** Bytes before the value: the format byte and the version. */
export const HEADER_BYTES: number = 1 + VERSION_BYTES;
/** Where a version's counter starts: after the format byte and the 8 writer bytes. */
const COUNTER_OFFSET = 1 + 8;

/**
 * Encodes values together with their version in one Redis string, so a plain `GET` reads both
 * atomically and they expire together (a version is never visible after its value expired).
 *
 * Versions are made by the writer, not the server: 8 random bytes drawn once per instance and a
 * counter. That keeps writes to one round trip and never reuses a version for a key, even after
 * it is deleted and written again. Versions are shown to callers as 32 hex digits.
 */
export class VersionedPayload {
  /** The header of the next payload: format byte, writer bytes, big-endian 64-bit counter. */
  readonly #header: Buffer = Buffer.alloc(HEADER_BYTES);

  constructor() {
    this.#header[0] = FORMAT;
    randomBytes(8).copy(this.#header, 1);
  }

  /** A new stored payload for `value`, with a fresh version in bytes 1–16. */
  encode(value: Uint8Array): Buffer {
    const header = this.#header;
    // Counts up from 1: increment the counter's last byte, carrying into the ones before it.
    for (let i = HEADER_BYTES - 1; i >= COUNTER_OFFSET; i--) {
      const byte = ((header[i] as number) + 1) & 0xff;
      header[i] = byte;
      if (byte !== 0) break;
    }
    const payload = Buffer.allocUnsafe(HEADER_BYTES + value.byteLength);
    payload.set(header);
    payload.set(value, HEADER_BYTES);
    return payload;
  }
}

/** Whether `payload` is a value this backend wrote. */
export function isPayload(payload: Buffer): boolean {
  return payload.byteLength >= HEADER_BYTES && payload[0] === FORMAT;
}

/** The value part of a payload, as a plain `Uint8Array` copy. */
export function payloadValue(payload: Buffer): Uint8Array {
  // Copy: the reply is a view of the socket's read chunk (ioredis' decoder), so a view would
  // keep that whole chunk alive.
  return new Uint8Array(payload.subarray(HEADER_BYTES));
}

/** Batches up to this many bytes of values share one allocation in {@link payloadValues}. */
const PACK_LIMIT = 256 * 1024;

/**
 * The value parts of a batch of payloads (`null`, a missing key, becomes `undefined`), copied
 * into one fresh `ArrayBuffer` when they are small: one allocation per batch instead of one per
 * value, which costs more than the copy itself. Each value is its own `Uint8Array` over a
 * disjoint range; the buffer holds nothing but this batch's values.
 */
export function payloadValues(payloads: readonly (Buffer | null)[]): (Uint8Array | undefined)[] {
  const count = payloads.length;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const payload = payloads[i];
    if (payload) total += payload.byteLength - HEADER_BYTES;
  }
  const values = new Array<Uint8Array | undefined>(count);
  if (total > PACK_LIMIT) {
    for (let i = 0; i < count; i++) {
      const payload = payloads[i];
      values[i] = payload ? payloadValue(payload) : undefined;
    }
    return values;
  }
  const chunk = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const payload = payloads[i];
    if (!payload) {
      values[i] = undefined;
      continue;
    }
    // `copy` from an offset: no view of the payload is made.
    const end = offset + payload.copy(chunk, offset, HEADER_BYTES);
    values[i] = chunk.subarray(offset, end);
    offset = end;
  }
  return values;
}

/** The version of a payload, as the hex string callers see. */
export function payloadVersion(payload: Buffer): string {
  return payload.toString("hex", 1, HEADER_BYTES);
}

/**
 * The 16 version bytes of a caller's version string, or `undefined` when the string cannot be
 * a version this backend made (it then matches no stored version: a conflict, not an error).
 */
export function versionBytes(version: string): Buffer | undefined {
  if (version.length !== VERSION_BYTES * 2 || !/^[0-9a-f]+$/.test(version)) return undefined;
  return Buffer.from(version, "hex");
}
