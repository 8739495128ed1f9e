import { describeType } from "./describe-type.ts";
import { InvalidOptionError } from "./errors/invalid-option-error.ts";

/**
 * Checks a `ttlMs` write option: absent, or a positive integer no larger than
 * `Number.MAX_SAFE_INTEGER` (about 285,000 years; larger numbers lose precision and no store
 * can honour them exactly). Backends call it before writing; a backend that does not declare
 * `ttl` rejects any `ttlMs` with `KVKIT_NOT_SUPPORTED` instead.
 *
 * @throws {TypeError} when it is given and is not a number.
 * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` when it is not a positive safe integer.
 */
export function assertValidTtl(ttlMs: unknown): asserts ttlMs is number | undefined {
  if (ttlMs === undefined) return;
  if (typeof ttlMs !== "number") {
    throw new TypeError(`ttlMs must be a number, not ${describeType(ttlMs)}`);
  }
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new InvalidOptionError([`ttlMs must be a positive integer, not ${ttlMs}`]);
  }
}
