import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { expect } from "vitest";

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
  const at = file.lastIndexOf(needle);
  expect(at, "the bytes to damage are in the file").toBeGreaterThan(0);
  if (unique) expect(file.indexOf(needle), "only one copy").toBe(at);
  const position = at + Math.floor(needle.length / 2);
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, new Uint8Array([(file[position] as number) ^ 0xff]), 0, 1, position);
  } finally {
    closeSync(fd);
  }
}
