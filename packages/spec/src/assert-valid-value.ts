import { describeType } from "./describe-type.ts";
import { InvalidValueError } from "./errors/invalid-value-error.ts";
import { TooLargeError } from "./errors/too-large-error.ts";

/**
 * Checks a value against the spec's rules, for backends to call before writing.
 *
 * @throws {TypeError} when `value` is not a `Uint8Array` (a `Buffer` is one).
 * @throws {InvalidValueError} `KVKIT_INVALID_VALUE` when its buffer is detached.
 * @throws {TooLargeError} `KVKIT_TOO_LARGE` when it is longer than `maxValueBytes`.
 */
export function assertValidValue(
  value: unknown,
  maxValueBytes: number,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`A value must be a Uint8Array, not ${describeType(value)}`);
  }
  if (value.byteLength === 0 && value.buffer.byteLength === 0 && isDetached(value.buffer)) {
    throw new InvalidValueError("its ArrayBuffer is detached");
  }
  if (value.byteLength > maxValueBytes) {
    throw new TooLargeError("value", value.byteLength, maxValueBytes);
  }
}

// `ArrayBuffer.prototype.detached` is missing on Node 20, but constructing a view over a
// detached buffer throws everywhere. Only reached for zero-length buffers, so it costs nothing.
function isDetached(buffer: ArrayBufferLike): boolean {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}
