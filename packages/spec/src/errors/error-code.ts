/**
 * Every code a conforming backend may reject with.
 *
 * Append-only: a code never changes meaning and is never removed within a major version.
 * Callers branch on these codes (through {@link isBackendError}), never on message text.
 */
export const ERROR_CODES = [
  "KVKIT_INVALID_KEY",
  "KVKIT_INVALID_VALUE",
  "KVKIT_TOO_LARGE",
  "KVKIT_NOT_SUPPORTED",
  "KVKIT_CLOSED",
  "KVKIT_ABORTED",
  "KVKIT_UNAVAILABLE",
  "KVKIT_TIMEOUT",
  "KVKIT_OUTCOME_UNKNOWN",
  "KVKIT_CONFLICT",
  "KVKIT_INVALID_OPTION",
  "KVKIT_INVALID_CURSOR",
  "KVKIT_CORRUPTED",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];
