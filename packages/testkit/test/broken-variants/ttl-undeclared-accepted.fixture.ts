// The manifest does not declare ttl, but writes with ttlMs succeed (the option is ignored)
// instead of rejecting with KVKIT_NOT_SUPPORTED. expiresAt() is correctly refused.
import { MemoryBackend, manifest } from "@kvkit/backend-memory";
import {
  type AtomicCommit,
  type BatchEntry,
  type CommitResult,
  type Manifest,
  NotSupportedError,
  type OperationOptions,
  type Version,
  type WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

const withoutTtlManifest: Manifest = {
  ...manifest,
  capabilities: { ...manifest.capabilities, ttl: false },
};

function withoutTtl(options: WriteOptions | undefined): WriteOptions | undefined {
  return options === undefined ? undefined : { ...options, ttlMs: undefined };
}

class TtlUndeclaredAccepted extends MemoryBackend {
  override readonly manifest: Manifest = withoutTtlManifest;

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
    const set = operations.set?.map((entry) => ({ ...entry, ttlMs: undefined }));
    return super.commit({ ...operations, set }, options);
  }

  override async expiresAt(): Promise<number | null | undefined> {
    throw new NotSupportedError("ttl");
  }
}

runVariant("ttl-undeclared-accepted", (options) => new TtlUndeclaredAccepted(options), {
  manifest: withoutTtlManifest,
});
