import type { OperationOptions } from "./operation-options.ts";

/**
 * - `ok`: the store answers normally.
 * - `degraded`: it answers, but slowly or with reduced guarantees (a reconnecting replica,
 *   little free disk).
 * - `unavailable`: operations are expected to fail (connection down, closed backend).
 */
export type HealthStatus = "ok" | "degraded" | "unavailable";

/** What {@link HealthCapability.health} resolves. */
export interface HealthReport {
  readonly status: HealthStatus;
  /** How long the probe took, in milliseconds. */
  readonly latencyMs: number;
  /** When the probe finished, as epoch milliseconds. */
  readonly checkedAt: number;
  /** Backend-specific facts for humans and dashboards (free bytes, server version, error). */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** Readiness and liveness probing. */
export interface HealthCapability {
  /**
   * Probes the store. Never rejects: failures, a closed backend and a fired signal are
   * reported as `status: "unavailable"` with the reason in `details.error`. Resolves within
   * `manifest.healthTimeoutMs` milliseconds.
   */
  health(options?: OperationOptions): Promise<HealthReport>;
}
