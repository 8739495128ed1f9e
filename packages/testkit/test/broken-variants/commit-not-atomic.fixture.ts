// commit() applies its sets one by one and checks each key only when it gets to it, so a
// failed check leaves the writes before it in place.
import { MemoryBackend } from "@kvkit/backend-memory";
import {
  type AtomicCommit,
  type CommitResult,
  ConflictError,
  type OperationOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

class CommitNotAtomic extends MemoryBackend {
  override async commit(
    operations: AtomicCommit,
    options?: OperationOptions,
  ): Promise<CommitResult> {
    const checks = operations.checks ?? [];
    const failed: string[] = [];
    for (const check of checks) {
      const current = await this.getVersioned(check.key, options);
      if ((current?.version ?? null) !== check.version) failed.push(check.key);
    }
    if (failed.length === 0) return super.commit(operations, options);
    // The bug: the writes go out before the conflict is reported.
    for (const entry of operations.set ?? []) await this.set(entry.key, entry.value, options);
    for (const key of operations.delete ?? []) await this.delete(key, options);
    throw new ConflictError(failed);
  }
}

runVariant("commit-not-atomic", (options) => new CommitNotAtomic(options));
