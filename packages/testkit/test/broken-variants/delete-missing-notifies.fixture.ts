// delete() of a missing key notifies watchers (it writes and removes a placeholder), so
// watchers see events for a write that did not happen.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { OperationOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class DeleteMissingNotifies extends MemoryBackend {
  override async delete(key: string, options?: OperationOptions): Promise<boolean> {
    if (await super.delete(key, options)) return true;
    await super.set(key, new Uint8Array(0));
    await super.delete(key);
    return false;
  }
}

runVariant("delete-missing-notifies", (options) => new DeleteMissingNotifies(options));
