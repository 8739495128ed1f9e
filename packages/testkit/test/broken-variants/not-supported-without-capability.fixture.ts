// The manifest does not declare ttl, and every use of it is refused with KVKIT_NOT_SUPPORTED,
// but by the backend's own error class: there is no `capability` to say what is missing.
import { MemoryBackend, manifest } from "@kvkit/backend-memory";
import {
  type AtomicCommit,
  BackendError,
  type BatchEntry,
  type CommitResult,
  type Manifest,
  type OperationOptions,
  type Version,
  type WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

const withoutTtlManifest: Manifest = {
  ...manifest,
  capabilities: { ...manifest.capabilities, ttl: false },
};

class RefusedError extends BackendError {
  override readonly name = "RefusedError";
  readonly code = "KVKIT_NOT_SUPPORTED";
}

function refuseTtl(options: { readonly ttlMs?: number | undefined } | undefined): void {
  if (options?.ttlMs !== undefined) throw new RefusedError("Expiry is not supported");
}

class NotSupportedWithoutCapability extends MemoryBackend {
  override readonly manifest: Manifest = withoutTtlManifest;

  override async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    refuseTtl(options);
    return super.set(key, value, options);
  }

  override async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    refuseTtl(options);
    return super.setMany(entries, options);
  }

  override async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    refuseTtl(options);
    return super.compareAndSet(key, expected, value, options);
  }

  override async commit(
    operations: AtomicCommit,
    options?: OperationOptions,
  ): Promise<CommitResult> {
    if (Array.isArray(operations?.set)) for (const entry of operations.set) refuseTtl(entry);
    return super.commit(operations, options);
  }

  override async expiresAt(): Promise<number | null | undefined> {
    throw new RefusedError("Expiry is not supported");
  }
}

runVariant(
  "not-supported-without-capability",
  (options) => new NotSupportedWithoutCapability(options),
  {
    manifest: withoutTtlManifest,
  },
);
