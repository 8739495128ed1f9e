// delete() resolves true whether or not the key existed.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { OperationOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class DeleteAlwaysTrue extends MemoryBackend {
  override async delete(key: string, options?: OperationOptions): Promise<boolean> {
    await super.delete(key, options);
    return true;
  }
}

runVariant("delete-always-true", (options) => new DeleteAlwaysTrue(options));
