import { crc32 } from "node:zlib";

/**
 * A self-checking value: `n` (u32), the key's length and bytes, a fill derived from `n`, and a
 * CRC-32 of everything before it. A torn or mixed value fails {@link decodeValue}.
 */
export function encodeValue(key: string, n: number, size: number): Uint8Array {
  const keyBytes = Buffer.from(key, "utf8");
  const headerBytes = 8 + keyBytes.length;
  const total = Math.max(size, headerBytes + 4);
  const value = Buffer.alloc(total);
  value.writeUInt32LE(n, 0);
  value.writeUInt32LE(keyBytes.length, 4);
  keyBytes.copy(value, 8);
  for (let i = headerBytes; i < total - 4; i++) value[i] = (n * 31 + i) & 0xff;
  value.writeUInt32LE(crc32(value.subarray(0, total - 4)), total - 4);
  return new Uint8Array(value);
}

/** The `n` and key of a well-formed value, or `undefined` when it is damaged. */
export function decodeValue(bytes: Uint8Array): { n: number; key: string } | undefined {
  const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (value.length < 12) return undefined;
  if (crc32(value.subarray(0, value.length - 4)) !== value.readUInt32LE(value.length - 4)) {
    return undefined;
  }
  const keyLength = value.readUInt32LE(4);
  return { n: value.readUInt32LE(0), key: value.toString("utf8", 8, 8 + keyLength) };
}
