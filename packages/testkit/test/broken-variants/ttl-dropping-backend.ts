import { MemoryBackend, type MemoryBackendOptions } from "@kvkit/backend-memory";
import type {
  AtomicCommit,
  BatchEntry,
  CommitResult,
  OperationOptions,
  Version,
  WriteOptions,
} from "@kvkit/spec";

/**
 * A memory backend whose writes (set, setMany, compareAndSet, commit sets) lose their `ttlMs`
 * whenever `drops(ttlMs)` says so: the shared core of the TTL-related broken variants.
 */
export class TtlDroppingBackend extends MemoryBackend {
  readonly #drops: (ttlMs: number) => boolean;

  constructor(options: MemoryBackendOptions, drops: (ttlMs: number) => boolean) {
    super(options);
    this.#drops = drops;
  }

  override set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    return super.set(key, value, this.#strip(options));
  }

  override setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    return super.setMany(entries, this.#strip(options));
  }

  override compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    return super.compareAndSet(key, expected, value, this.#strip(options));
  }

  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    const set = operations.set?.map((entry) => this.#strip(entry));
    return super.commit({ ...operations, set }, options);
  }

  #strip<T extends WriteOptions>(options: T): T;
  #strip<T extends WriteOptions>(options: T | undefined): T | undefined;
  #strip<T extends WriteOptions>(options: T | undefined): T | undefined {
    const ttlMs = options?.ttlMs;
    if (options === undefined || ttlMs === undefined || !this.#drops(ttlMs)) return options;
    return { ...options, ttlMs: undefined };
  }
}
