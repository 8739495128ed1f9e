// compareAndSet() and commit() round a ttlMs up to a whole number of milliseconds, at least 1
// (as a store's PX argument needs), instead of refusing 0, a negative or a fractional ttlMs
// with KVKIT_INVALID_OPTION; set() and setMany() refuse them.
import { MemoryBackend } from "@kvkit/backend-memory";
import type {
  AtomicCommit,
  CommitResult,
  OperationOptions,
  Version,
  WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";
import { withCommitSets } from "./with-commit-sets.ts";

function rounded<T extends { readonly ttlMs?: number | undefined }>(options: T): T {
  const ttlMs = options.ttlMs;
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs)) return options;
  return { ...options, ttlMs: Math.max(1, Math.ceil(ttlMs)) };
}

class AtomicWriteRoundsTtl extends MemoryBackend {
  override compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    return super.compareAndSet(key, expected, value, options && rounded(options));
  }

  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    return super.commit(withCommitSets(operations, rounded), options);
  }
}

runVariant("atomic-write-rounds-ttl", (options) => new AtomicWriteRoundsTtl(options));
