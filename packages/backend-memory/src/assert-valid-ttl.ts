import { describeType, InvalidOptionError } from "@kvkit/spec";

/**
 * Checks a `ttlMs` write option.
 *
 * @throws {TypeError} when it is given and is not a number.
 * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` when it is not a positive integer.
 */
export function assertValidTtl(ttlMs: unknown): asserts ttlMs is number | undefined {
  if (ttlMs === undefined) return;
  if (typeof ttlMs !== "number") {
    throw new TypeError(`ttlMs must be a number, not ${describeType(ttlMs)}`);
  }
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new InvalidOptionError([`ttlMs must be a positive integer, not ${ttlMs}`]);
  }
}
