import type { ErrorCode } from "./error-code.ts";

// A registered symbol: two installed copies of @kvkit/spec still recognise each
// other's errors, which `instanceof` cannot do.
const kBackendError = Symbol.for("@kvkit/spec.BackendError");

/**
 * Base class of every operational error a kvkit backend rejects with.
 *
 * `code` is stable (see {@link ERROR_CODES}); `message` is for humans and may change at any time.
 * A wrapped driver error is kept as `cause`. Recognise these errors with {@link isBackendError},
 * not `instanceof`.
 */
export abstract class BackendError extends Error {
  /** The stable code callers branch on. */
  abstract readonly code: ErrorCode;
}

// On the prototype, not in the class body: isolatedDeclarations rejects computed member names.
Object.defineProperty(BackendError.prototype, kBackendError, { value: true });

/**
 * Tells whether `value` is a kvkit {@link BackendError}, optionally with a given `code`.
 *
 * Works across several installed copies of `@kvkit/spec`, unlike `instanceof`.
 *
 * @example
 * ```ts
 * try {
 *   await kv.compareAndSet("counter", version, next);
 * } catch (error) {
 *   if (isBackendError(error, "KVKIT_CONFLICT")) return retry();
 *   throw error;
 * }
 * ```
 */
export function isBackendError(value: unknown): value is BackendError;
export function isBackendError<C extends ErrorCode>(
  value: unknown,
  code: C,
): value is BackendError & { readonly code: C };
export function isBackendError(value: unknown, code?: ErrorCode): boolean {
  if (typeof value !== "object" || value === null || !(kBackendError in value)) {
    return false;
  }
  return code === undefined || (value as { code?: unknown }).code === code;
}
