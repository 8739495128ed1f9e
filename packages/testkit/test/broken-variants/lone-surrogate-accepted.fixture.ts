// Keys with lone surrogates are accepted: they are silently repaired to U+FFFD (as encoding
// them to UTF-8 would), so "a\uD800" and "a\uFFFD" become the same key.
import { MemoryBackend } from "@kvkit/backend-memory";
import type {
  AtomicCommit,
  BatchEntry,
  CommitResult,
  OperationOptions,
  Version,
  VersionedValue,
  WriteOptions,
} from "@kvkit/spec";
import { runVariant } from "./run-variant.ts";

const repair = (key: string): string => (typeof key === "string" ? key.toWellFormed() : key);

class LoneSurrogateAccepted extends MemoryBackend {
  override get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    return super.get(repair(key), options);
  }
  override set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    return super.set(repair(key), value, options);
  }
  override delete(key: string, options?: OperationOptions): Promise<boolean> {
    return super.delete(repair(key), options);
  }
  override has(key: string, options?: OperationOptions): Promise<boolean> {
    return super.has(repair(key), options);
  }
  override getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    return super.getMany(Array.isArray(keys) ? keys.map(repair) : keys, options);
  }
  override setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    const repaired = Array.isArray(entries)
      ? entries.map((entry: BatchEntry) => ({ ...entry, key: repair(entry.key) }))
      : entries;
    return super.setMany(repaired, options);
  }
  override deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    return super.deleteMany(Array.isArray(keys) ? keys.map(repair) : keys, options);
  }
  override getVersioned(
    key: string,
    options?: OperationOptions,
  ): Promise<VersionedValue | undefined> {
    return super.getVersioned(repair(key), options);
  }
  override compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    return super.compareAndSet(repair(key), expected, value, options);
  }
  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    return super.commit(
      {
        checks: operations.checks?.map((check) => ({ ...check, key: repair(check.key) })),
        set: operations.set?.map((entry) => ({ ...entry, key: repair(entry.key) })),
        delete: operations.delete?.map(repair),
      },
      options,
    );
  }
}

runVariant("lone-surrogate-accepted", (options) => new LoneSurrogateAccepted(options));
