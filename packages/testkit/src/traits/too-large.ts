import type { SizeLimit } from "@kvkit/spec";

/** The fields of a `TooLargeError` a refusal over a declared limit must carry. */
export interface TooLargeShape {
  readonly code: "KVKIT_TOO_LARGE";
  readonly limit: SizeLimit;
  readonly size: number;
  readonly max: number;
}

/**
 * What a refusal over a declared limit must match (with `toMatchObject`): `KVKIT_TOO_LARGE`
 * with the limit that was hit, the size that was refused and the declared maximum, in bytes
 * for keys and values and in entries for batches.
 */
export function tooLarge(limit: SizeLimit, size: number, max: number): TooLargeShape {
  return { code: "KVKIT_TOO_LARGE", limit, size, max };
}
