// ttlMs is accepted and validated, then ignored: keys never expire.
import { MemoryBackend } from "@kvkit/backend-memory";
import type {
  AtomicCommit,
  BatchEntry,
  CommitResult,
  OperationOptions,
  Version,
  WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

/** Keeps validation (a bad ttlMs still rejects) but drops the expiry. */
function withoutTtl(options: WriteOptions | undefined): WriteOptions | undefined {
  const ttlMs = options?.ttlMs;
  if (ttlMs === undefined || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) return options;
  return { ...options, ttlMs: undefined };
}

class TtlIgnored extends MemoryBackend {
  override set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    return super.set(key, value, withoutTtl(options));
  }

  override setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    return super.setMany(entries, withoutTtl(options));
  }

  override compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    return super.compareAndSet(key, expected, value, withoutTtl(options));
  }

  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    const set = operations.set?.map((entry) => ({ ...entry, ...withoutTtl(entry) }));
    return super.commit({ ...operations, set }, options);
  }
}

runVariant("ttl-ignored", (options) => new TtlIgnored(options));
