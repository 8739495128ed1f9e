import type { OperationOptions } from "./operation-options.ts";

/**
 * Expiry. Declaring `ttl` enables the `ttlMs` option on `set`, `setMany` and commit writes,
 * and this method. `manifest.ttlResolutionMs` says how precise expiry is: a key written with
 * `ttlMs` at time T is visible until at least T + ttlMs − resolution and invisible from
 * T + ttlMs + resolution at the latest.
 */
export interface TtlCapability {
  /**
   * Resolves when `key` expires, as epoch milliseconds; `null` when it has no expiry;
   * `undefined` when it is missing or already expired.
   */
  expiresAt(key: string, options?: OperationOptions): Promise<number | null | undefined>;
}
