import { assertValidKey } from "./assert-valid-key.ts";
import { assertValidTtl } from "./assert-valid-ttl.ts";
import { assertValidValue } from "./assert-valid-value.ts";
import { assertValidVersion } from "./assert-valid-version.ts";
import type { AtomicCommit, CommitSet, VersionCheck } from "./atomic-write-capability.ts";
import { describeType } from "./describe-type.ts";
import { InvalidOptionError } from "./errors/invalid-option-error.ts";
import { TooLargeError } from "./errors/too-large-error.ts";
import type { Limits } from "./manifest.ts";

/** A commit that passed {@link validateCommit}: every list present, empty when not given. */
export interface ValidCommit {
  readonly checks: readonly VersionCheck[];
  readonly set: readonly CommitSet[];
  readonly delete: readonly string[];
}

/**
 * Checks a commit against the spec's rules and the backend's limits, for backends to call
 * before applying it. A backend that does not declare `ttl` still refuses a set's `ttlMs` with
 * `KVKIT_NOT_SUPPORTED` itself; this only checks that a given `ttlMs` is well formed.
 *
 * @example
 * ```ts
 * async commit(operations: AtomicCommit): Promise<CommitResult> {
 *   const { checks, set, delete: deletes } = validateCommit(operations, this.manifest.limits);
 *   // … apply checks, sets and deletes as one step
 * }
 * ```
 *
 * @throws {TypeError} when `operations`, one of its lists or one of their entries has the
 *   wrong type, or a check's version is neither a string nor `null`.
 * @throws {TooLargeError} `KVKIT_TOO_LARGE` when checks, sets and deletes together are more
 *   than `limits.maxBatchSize`; also for a key or value over its limit.
 * @throws {InvalidKeyError} `KVKIT_INVALID_KEY` for a key the spec refuses.
 * @throws {InvalidValueError} `KVKIT_INVALID_VALUE` for a value the spec refuses.
 * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` for a malformed `ttlMs`, and, listing
 *   every such key, for a key set twice or both set and deleted.
 */
export function validateCommit(operations: AtomicCommit, limits: Limits): ValidCommit {
  if (typeof operations !== "object" || operations === null) {
    throw new TypeError(`A commit must be an object, not ${describeType(operations)}`);
  }
  const checks = listOf(operations.checks, "checks");
  const sets = listOf(operations.set, "set");
  const deletes = listOf(operations.delete, "delete");
  const size = checks.length + sets.length + deletes.length;
  if (size > limits.maxBatchSize) throw new TooLargeError("batch", size, limits.maxBatchSize);
  for (const check of checks) {
    assertObject(check, "A commit check");
    assertValidKey(check.key, limits.maxKeyBytes);
    assertValidVersion(check.version, "check.version");
  }
  const written = new Set<string>();
  const problems: string[] = [];
  for (const entry of sets) {
    assertObject(entry, "A commit set");
    assertValidKey(entry.key, limits.maxKeyBytes);
    assertValidValue(entry.value, limits.maxValueBytes);
    assertValidTtl(entry.ttlMs);
    if (written.has(entry.key)) problems.push(`${JSON.stringify(entry.key)} is set twice`);
    written.add(entry.key);
  }
  for (const key of deletes) {
    assertValidKey(key, limits.maxKeyBytes);
    if (written.has(key)) problems.push(`${JSON.stringify(key)} is both set and deleted`);
  }
  if (problems.length > 0) throw new InvalidOptionError(problems);
  return { checks, set: sets, delete: deletes };
}

function listOf<T>(list: readonly T[] | undefined, name: string): readonly T[] {
  // `null` too: JavaScript callers pass it for "none", and it means nothing else here.
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    throw new TypeError(`A commit's ${name} must be an array, not ${describeType(list)}`);
  }
  return list;
}

function assertObject(value: unknown, what: string): void {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`${what} must be an object, not ${describeType(value)}`);
  }
}
