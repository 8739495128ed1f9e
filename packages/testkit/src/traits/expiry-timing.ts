import type { SuiteContext } from "../suite-context.ts";

/** Extra wait on real time, for timers firing late on a loaded machine. */
export const REAL_TIME_SLACK_MS = 50;

/** A short TTL for the suite's expiry cases, and how long to wait for it to pass. */
export interface ExpiryTiming {
  /**
   * The TTL to write with: long enough that "before expiry" is well inside the promised
   * visibility window, scaled by `manifest.ttlResolutionMs`.
   */
  readonly ttlMs: number;
  /** How long after the write the key is certainly expired (on the clock `elapse()` moves). */
  readonly expireWait: number;
}

/**
 * The TTL and wait of the suite's expiry cases: on the controllable clock when the backend
 * takes one (nothing sleeps), on real time otherwise.
 */
export function expiryTiming(suite: SuiteContext): ExpiryTiming {
  const resolution = suite.manifest.ttlResolutionMs;
  const controllable = suite.options.controllableClock === true;
  const ttlMs = controllable ? Math.max(1_000, 4 * resolution) : Math.max(200, 4 * resolution);
  const expireWait = ttlMs + resolution + (controllable ? 1 : REAL_TIME_SLACK_MS);
  return { ttlMs, expireWait };
}
