import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { expect } from "vitest";
import { decodeFileHeader } from "../../src/log-format.ts";

/** Byte of a record's checksum field, counted from the record's start (see the README). */
const CHECKSUM_FIELD_AT = 12;

/**
 * Damages a file the way bit rot would: flips every bit of the middle byte of the last copy of
 * `needle` in the file at `path`. With `unique`, checks first that there is only one copy.
 */
export function flipMiddleByte(
  path: string,
  needle: Uint8Array,
  { unique = false }: { unique?: boolean } = {},
): void {
  const file = readFileSync(path);
  const at = lastCopy(file, needle, unique);
  flipAt(path, file, at + Math.floor(needle.length / 2));
}

/**
 * Damages the log file at `path` the way bit rot would, in a record's checksum field: flips
 * every bit of its first byte in the record that holds the last copy of `needle`. The body
 * stays intact, so an instance that replayed the record before still reads its values.
 */
export function flipChecksumByte(
  path: string,
  needle: Uint8Array,
  { unique = false }: { unique?: boolean } = {},
): void {
  const file = readFileSync(path);
  const header = decodeFileHeader(file);
  if (typeof header === "string") throw new Error(header);
  const recordStart = file.lastIndexOf(header.marker, lastCopy(file, needle, unique));
  expect(recordStart, "the record holding the bytes").toBeGreaterThanOrEqual(header.headerBytes);
  flipAt(path, file, recordStart + CHECKSUM_FIELD_AT);
}

function lastCopy(file: Buffer, needle: Uint8Array, unique: boolean): number {
  const at = file.lastIndexOf(needle);
  expect(at, "the bytes to damage are in the file").toBeGreaterThan(0);
  if (unique) expect(file.indexOf(needle), "only one copy").toBe(at);
  return at;
}

function flipAt(path: string, file: Buffer, position: number): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, new Uint8Array([(file[position] as number) ^ 0xff]), 0, 1, position);
  } finally {
    closeSync(fd);
  }
}
