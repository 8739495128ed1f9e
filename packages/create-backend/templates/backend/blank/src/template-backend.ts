import type { Backend, Manifest } from "@kvkit/spec";
import { manifest } from "./manifest.ts";
import type { TemplateBackendOptions } from "./options.ts";

/**
 * A backend to write. Each method below is a stub that rejects with `KVKIT_NOT_SUPPORTED`;
 * its contract is in the TSDoc of the interface it comes from, in @kvkit/spec.
 */
export class TemplateBackend implements Backend {
  readonly manifest: Manifest = manifest;
  /** The options it was created with. */
  readonly options: TemplateBackendOptions;

  // No I/O here: connect lazily, in the first call that needs it.
  constructor(options: TemplateBackendOptions = {}) {
    this.options = options;
  }

  async close(): Promise<void> {
    // Release connections, handles and timers here. Idempotent.
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
