// setMany(), compareAndSet() and commit() without ttlMs keep the expiry a key already had, as
// a store's `SET … KEEPTTL` or a hash field write would; only set() clears it. A key rewritten
// to live forever then vanishes at its old expiry.
import { MemoryBackend } from "@kvkit/backend-memory";
import type {
  AtomicCommit,
  BatchEntry,
  CommitResult,
  OperationOptions,
  Version,
  WriteOptions,
} from "@kvkit/spec";
import { runVariant, type VariantOptions } from "./run-variant.ts";

class WritesKeepExpiry extends MemoryBackend {
  readonly #now: () => number;

  constructor(options: VariantOptions) {
    super(options);
    this.#now = options.clock ?? Date.now;
  }

  /** The ttlMs a write without one gets: what is left of the key's expiry, if it has one. */
  async #kept(key: unknown, ttlMs: number | undefined): Promise<number | undefined> {
    if (ttlMs !== undefined || typeof key !== "string") return ttlMs;
    const expiresAt = await super.expiresAt(key).catch(() => undefined);
    return typeof expiresAt === "number" ? Math.max(1, expiresAt - this.#now()) : undefined;
  }

  override async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    if (!Array.isArray(entries) || options?.ttlMs !== undefined) {
      return super.setMany(entries, options);
    }
    // The last entry of a key wins, as in setMany(); each keeps its key's expiry.
    const last = new Map(entries.map((entry: BatchEntry) => [entry?.key, entry]));
    const set = await Promise.all(
      [...last.values()].map(async (entry) => ({
        ...entry,
        ttlMs: await this.#kept(entry?.key, undefined),
      })),
    );
    if (set.every((entry) => entry.ttlMs === undefined)) return super.setMany(entries, options);
    await super.commit({ set }, options);
  }

  override async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    const ttlMs = await this.#kept(key, options?.ttlMs);
    return super.compareAndSet(key, expected, value, { ...options, ttlMs });
  }

  override async commit(
    operations: AtomicCommit,
    options?: OperationOptions,
  ): Promise<CommitResult> {
    if (typeof operations !== "object" || operations === null || !Array.isArray(operations.set)) {
      return super.commit(operations, options);
    }
    const set = await Promise.all(
      operations.set.map(async (entry) =>
        typeof entry === "object" && entry !== null
          ? { ...entry, ttlMs: await this.#kept(entry.key, entry.ttlMs) }
          : entry,
      ),
    );
    return super.commit({ ...operations, set }, options);
  }
}

runVariant("writes-keep-expiry", (options) => new WritesKeepExpiry(options));
