// Versions count writes per key and restart when the key is deleted and written again, so a
// version from before the delete passes the check again (ABA).
import { MemoryBackend } from "@kvkit/backend-memory";
import {
  type AtomicCommit,
  type BatchEntry,
  type CommitResult,
  ConflictError,
  type OperationOptions,
  type Version,
  type VersionedValue,
  type WriteOptions,
} from "@kvkit/spec";
import { runVariant, type VariantOptions } from "./run-variant.ts";

/** Writes since creation, by store and full key: shared by every instance on a store. */
const counters = new Map<string, Map<string, number>>();

class VersionReusedAfterDelete extends MemoryBackend {
  readonly #counts: Map<string, number>;
  readonly #prefix: string;

  constructor(options: VariantOptions) {
    super(options);
    this.#prefix = options.prefix;
    let counts = counters.get(options.store);
    if (counts === undefined) {
      counts = new Map();
      counters.set(options.store, counts);
    }
    this.#counts = counts;
  }

  #bump(key: string): Version {
    const count = (this.#counts.get(this.#prefix + key) ?? 0) + 1;
    this.#counts.set(this.#prefix + key, count);
    return String(count);
  }

  #forget(key: string): void {
    this.#counts.delete(this.#prefix + key);
  }

  override async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    if (!(await this.has(key, options))) this.#forget(key);
    await super.set(key, value, options);
    this.#bump(key);
  }

  override async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    await super.setMany(entries, options);
    for (const key of new Set(entries.map((entry) => entry.key))) this.#bump(key);
  }

  override async delete(key: string, options?: OperationOptions): Promise<boolean> {
    const existed = await super.delete(key, options);
    this.#forget(key);
    return existed;
  }

  override async deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    const count = await super.deleteMany(keys, options);
    for (const key of keys) this.#forget(key);
    return count;
  }

  override async getVersioned(
    key: string,
    options?: OperationOptions,
  ): Promise<VersionedValue | undefined> {
    const entry = await super.getVersioned(key, options);
    if (entry === undefined) return undefined;
    return { value: entry.value, version: String(this.#counts.get(this.#prefix + key) ?? 1) };
  }

  override async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    const current = await this.getVersioned(key, options);
    if ((current?.version ?? null) !== expected) throw new ConflictError([key]);
    await this.set(key, value, options);
    return String(this.#counts.get(this.#prefix + key));
  }

  override async commit(
    operations: AtomicCommit,
    options?: OperationOptions,
  ): Promise<CommitResult> {
    const failed: string[] = [];
    for (const check of operations.checks ?? []) {
      const current = await this.getVersioned(check.key, options);
      if ((current?.version ?? null) !== check.version) failed.push(check.key);
    }
    if (failed.length > 0) throw new ConflictError(failed);
    await super.commit(operations, options);
    const versions = new Map<string, Version>();
    for (const key of operations.delete ?? []) this.#forget(key);
    for (const { key } of operations.set ?? []) versions.set(key, this.#bump(key));
    return { versions };
  }
}

runVariant("version-reused-after-delete", (options) => new VersionReusedAfterDelete(options));
