// Every method ignores its AbortSignal: an aborted call runs to completion.
import { MemoryBackend } from "@kvkit/backend-memory";
import type {
  AtomicCommit,
  BatchEntry,
  CommitResult,
  HealthReport,
  ListEntry,
  ListOptions,
  OperationOptions,
  Version,
  VersionedValue,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

function unsignalled<T extends OperationOptions>(options: T | undefined): T | undefined {
  return options === undefined ? undefined : { ...options, signal: undefined };
}

class AbortIgnored extends MemoryBackend {
  override get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    return super.get(key, unsignalled(options));
  }
  override set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    return super.set(key, value, unsignalled(options));
  }
  override delete(key: string, options?: OperationOptions): Promise<boolean> {
    return super.delete(key, unsignalled(options));
  }
  override has(key: string, options?: OperationOptions): Promise<boolean> {
    return super.has(key, unsignalled(options));
  }
  override list(options?: ListOptions): AsyncIterable<ListEntry> {
    return super.list(unsignalled(options));
  }
  override getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    return super.getMany(keys, unsignalled(options));
  }
  override setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    return super.setMany(entries, unsignalled(options));
  }
  override deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    return super.deleteMany(keys, unsignalled(options));
  }
  override getVersioned(
    key: string,
    options?: OperationOptions,
  ): Promise<VersionedValue | undefined> {
    return super.getVersioned(key, unsignalled(options));
  }
  override compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    return super.compareAndSet(key, expected, value, unsignalled(options));
  }
  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    return super.commit(operations, unsignalled(options));
  }
  override expiresAt(key: string, options?: OperationOptions): Promise<number | null | undefined> {
    return super.expiresAt(key, unsignalled(options));
  }
  override watch(options?: WatchOptions): Promise<WatchStream> {
    return super.watch(unsignalled(options));
  }
  override health(options?: OperationOptions): Promise<HealthReport> {
    return super.health(unsignalled(options));
  }
}

runVariant("abort-ignored", (options) => new AbortIgnored(options));
