// health() rejects once the backend is closed instead of reporting "unavailable".
import { MemoryBackend } from "@kvkit/backend-memory";
import { ClosedError, type HealthReport, type OperationOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class HealthThrowsAfterClose extends MemoryBackend {
  #closed = false;

  override async close(): Promise<void> {
    this.#closed = true;
    await super.close();
  }

  override async health(options?: OperationOptions): Promise<HealthReport> {
    if (this.#closed) throw new ClosedError();
    return super.health(options);
  }
}

runVariant("health-throws-after-close", (options) => new HealthThrowsAfterClose(options));
