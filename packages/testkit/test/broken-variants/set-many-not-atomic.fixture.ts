// setMany() writes entry by entry, so an invalid entry in the middle leaves the ones before it
// written, although the manifest declares atomic batches.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { BatchEntry, WriteOptions } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class SetManyNotAtomic extends MemoryBackend {
  override async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    if (!Array.isArray(entries) || entries.length > this.manifest.limits.maxBatchSize) {
      return super.setMany(entries, options);
    }
    for (const entry of entries as readonly BatchEntry[]) {
      await this.set(entry.key, entry.value, options);
    }
  }
}

runVariant("set-many-not-atomic", (options) => new SetManyNotAtomic(options));
