// getMany(), getVersioned(), expiresAt() and the sets of commit() encode keys to UTF-8 before
// checking them, and the encoder repairs a lone surrogate to U+FFFD: "a\uD800" is read and
// written as "a\uFFFD" instead of being refused with KVKIT_INVALID_KEY. The other methods
// refuse it.
import { MemoryBackend } from "@kvkit/backend-memory";
import type { AtomicCommit, CommitResult, OperationOptions, VersionedValue } from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";
import { withCommitSets } from "./with-commit-sets.ts";

const repair = <T>(key: T): T => (typeof key === "string" ? (key.toWellFormed() as T) : key);

class LoneSurrogateRepairedBeyondCore extends MemoryBackend {
  override getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    return super.getMany(Array.isArray(keys) ? keys.map(repair) : keys, options);
  }

  override getVersioned(
    key: string,
    options?: OperationOptions,
  ): Promise<VersionedValue | undefined> {
    return super.getVersioned(repair(key), options);
  }

  override expiresAt(key: string, options?: OperationOptions): Promise<number | null | undefined> {
    return super.expiresAt(repair(key), options);
  }

  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    const repaired = withCommitSets(operations, (entry) => ({ ...entry, key: repair(entry.key) }));
    return super.commit(repaired, options);
  }
}

runVariant(
  "lone-surrogate-repaired-beyond-core",
  (options) => new LoneSurrogateRepairedBeyondCore(options),
);
