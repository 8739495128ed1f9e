// health() reports "unavailable" after close() and with a fired signal, but without the reason:
// its details are empty instead of naming it in `details.error`.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { HealthReport, OperationOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class HealthUnavailableWithoutReason extends MemoryBackend {
  override async health(options?: OperationOptions): Promise<HealthReport> {
    const report = await super.health(options);
    return report.status === "unavailable" ? { ...report, details: {} } : report;
  }
}

runVariant(
  "health-unavailable-without-reason",
  (options) => new HealthUnavailableWithoutReason(options),
);
