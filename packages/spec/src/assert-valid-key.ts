import { describeType } from "./describe-type.ts";
import { InvalidKeyError } from "./errors/invalid-key-error.ts";
import { TooLargeError } from "./errors/too-large-error.ts";
import { utf8ByteLength } from "./utf8-byte-length.ts";

/**
 * Checks a key against the spec's rules, for backends to call first thing in every method.
 *
 * @throws {TypeError} when `key` is not a string.
 * @throws {InvalidKeyError} `KVKIT_INVALID_KEY` when it is empty or not well-formed Unicode.
 * @throws {TooLargeError} `KVKIT_TOO_LARGE` when it takes more than `maxKeyBytes` UTF-8 bytes.
 */
export function assertValidKey(key: unknown, maxKeyBytes: number): asserts key is string {
  if (typeof key !== "string") {
    throw new TypeError(`A key must be a string, not ${describeType(key)}`);
  }
  if (key.length === 0) throw new InvalidKeyError("a key may not be empty");
  if (!key.isWellFormed()) {
    throw new InvalidKeyError("a key must be well-formed Unicode (it has a lone surrogate)");
  }
  // Each UTF-16 unit is at most 3 UTF-8 bytes: short keys skip the exact count.
  if (key.length * 3 > maxKeyBytes) {
    const bytes = utf8ByteLength(key);
    if (bytes > maxKeyBytes) throw new TooLargeError("key", bytes, maxKeyBytes);
  }
}

/**
 * Checks a key prefix or a key bound: like {@link assertValidKey}, but the empty string is
 * allowed and there is no size limit (a longer prefix simply matches nothing).
 *
 * @throws {TypeError} when `text` is not a string.
 * @throws {InvalidKeyError} `KVKIT_INVALID_KEY` when it is not well-formed Unicode.
 */
export function assertValidKeyPattern(text: unknown, what: string): asserts text is string {
  if (typeof text !== "string") {
    throw new TypeError(`${what} must be a string, not ${describeType(text)}`);
  }
  if (!text.isWellFormed()) {
    throw new InvalidKeyError(`${what} must be well-formed Unicode (it has a lone surrogate)`);
  }
}
