import type { Version } from "./atomic-write-capability.ts";
import { describeType } from "./describe-type.ts";

/**
 * Checks an expected version (of `compareAndSet()` or a commit's check): a version string, or
 * `null` for "the key must be absent". A string the backend never made is valid here; it just
 * matches no stored version, so the write is refused with `KVKIT_CONFLICT`.
 *
 * @param name - what the version is, for the message (`"expected"`, `"check.version"`).
 * @throws {TypeError} for anything else (a programmer error, so no code).
 */
export function assertValidVersion(
  version: unknown,
  name = "version",
): asserts version is Version | null {
  if (version !== null && typeof version !== "string") {
    throw new TypeError(`${name} must be a version string or null, not ${describeType(version)}`);
  }
}
