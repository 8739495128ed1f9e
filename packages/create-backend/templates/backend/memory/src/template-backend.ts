import type {
  AtomicCommit,
  Backend,
  BatchEntry,
  CommitResult,
  HealthReport,
  ListEntry,
  ListOptions,
  Manifest,
  OperationOptions,
  Version,
  VersionedValue,
  WriteOptions,
} from "@kvkit/spec";
import {
  assertValidKey,
  assertValidKeyPattern,
  assertValidTtl,
  assertValidValue,
  assertValidVersion,
  ClosedError,
  ConflictError,
  compareKeys,
  InvalidCursorError,
  InvalidOptionError,
  NotSupportedError,
  TooLargeError,
  throwIfAborted,
  validateCommit,
} from "@kvkit/spec";
import { manifest } from "./manifest.ts";
import type { TemplateBackendOptions } from "./options.ts";
import { openStore, type Store, type StoredEntry } from "./stores.ts";

/**
 * A complete backend over an in-memory store. Every "Real storage" comment marks a place
 * where a backend for a real store calls its client instead.
 */
export class TemplateBackend implements Backend {
  readonly manifest: Manifest = manifest;
  readonly #store: Store;
  readonly #prefix: string;
  readonly #now: () => number;
  #closed = false;

  // No I/O here: a real backend connects lazily, in the first call that needs it.
  constructor(options: TemplateBackendOptions = {}) {
    this.#store = openStore(options.store);
    this.#prefix = options.prefix ?? "";
    this.#now = options.now ?? Date.now;
  }

  async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    this.#begin(options);
    this.#checkKey(key);
    const entry = this.#read(key);
    // Copy out: the caller may mutate what it gets without touching the store.
    return entry && new Uint8Array(entry.value);
  }

  async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    this.#begin(options);
    this.#checkKey(key);
    assertValidValue(value, this.manifest.limits.maxValueBytes);
    const expiresAt = this.#expiry(options?.ttlMs);
    this.#write(key, value, expiresAt);
  }

  async delete(key: string, options?: OperationOptions): Promise<boolean> {
    this.#begin(options);
    this.#checkKey(key);
    const existed = this.#read(key) !== undefined;
    // Real storage: a DELETE that reports whether the key existed.
    this.#store.entries.delete(this.#prefix + key);
    return existed;
  }

  async has(key: string, options?: OperationOptions): Promise<boolean> {
    this.#begin(options);
    this.#checkKey(key);
    return this.#read(key) !== undefined;
  }

  async *list(options?: ListOptions): AsyncIterable<ListEntry> {
    this.#begin(options);
    const { prefix = "", start, end, limit, reverse = false, cursor } = options ?? {};
    assertValidKeyPattern(prefix, "prefix");
    if (start !== undefined) assertValidKeyPattern(start, "start");
    if (end !== undefined) assertValidKeyPattern(end, "end");
    if (typeof reverse !== "boolean") throw new TypeError("reverse must be a boolean");
    if (limit !== undefined) {
      if (typeof limit !== "number") throw new TypeError("limit must be a number");
      if (!Number.isInteger(limit) || limit < 0) {
        throw new InvalidOptionError([`limit must be a non-negative integer, not ${limit}`]);
      }
    }
    const scope = JSON.stringify([prefix, start ?? null, end ?? null, reverse]);
    const after = cursor === undefined ? undefined : this.#decodeCursor(cursor, scope);
    // Real storage: a range scan. Here, a snapshot of the matching keys, sorted in UTF-8
    // byte order; each key is re-checked before it is yielded, so deleted keys are skipped.
    const keys: string[] = [];
    for (const stored of this.#store.entries.keys()) {
      if (!stored.startsWith(this.#prefix + prefix)) continue;
      const key = stored.slice(this.#prefix.length);
      if (start !== undefined && compareKeys(key, start) < 0) continue;
      if (end !== undefined && compareKeys(key, end) >= 0) continue;
      if (
        after !== undefined &&
        (reverse ? compareKeys(key, after) >= 0 : compareKeys(key, after) <= 0)
      ) {
        continue;
      }
      keys.push(key);
    }
    keys.sort(reverse ? (a, b) => compareKeys(b, a) : compareKeys);
    let yielded = 0;
    for (const key of keys) {
      if (limit !== undefined && yielded >= limit) return;
      this.#begin(options);
      if (this.#read(key) === undefined) continue;
      yielded++;
      yield { key, cursor: this.#encodeCursor(key, scope) };
    }
  }

  async getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    this.#begin(options);
    this.#checkBatch(keys);
    for (const key of keys) this.#checkKey(key);
    return keys.map((key) => {
      const entry = this.#read(key);
      return entry && new Uint8Array(entry.value);
    });
  }

  async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    this.#begin(options);
    this.#checkBatch(entries);
    for (const entry of entries) {
      if (typeof entry !== "object" || entry === null)
        throw new TypeError("An entry must be an object");
      this.#checkKey(entry.key);
      assertValidValue(entry.value, this.manifest.limits.maxValueBytes);
    }
    const expiresAt = this.#expiry(options?.ttlMs);
    // Real storage: one transaction (or pipeline) for the whole batch, so it is all-or-nothing.
    for (const entry of entries) this.#write(entry.key, entry.value, expiresAt);
  }

  async deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    this.#begin(options);
    this.#checkBatch(keys);
    for (const key of keys) this.#checkKey(key);
    let deleted = 0;
    for (const key of new Set(keys)) {
      if (this.#read(key) !== undefined) deleted++;
      this.#store.entries.delete(this.#prefix + key);
    }
    return deleted;
  }

  async health(options?: OperationOptions): Promise<HealthReport> {
    const started = performance.now();
    // Real storage: a cheap round trip (PING, SELECT 1, stat of the directory), bounded by
    // manifest.healthTimeoutMs. health() never rejects: problems become "unavailable".
    let error: string | undefined;
    if (this.#closed) error = "the backend is closed";
    else if (options?.signal?.aborted) error = "the health check was aborted";
    return {
      status: error === undefined ? "ok" : "unavailable",
      latencyMs: performance.now() - started,
      checkedAt: Date.now(),
      details: error === undefined ? { keys: this.#store.entries.size } : { error },
    };
  }

  async getVersioned(key: string, options?: OperationOptions): Promise<VersionedValue | undefined> {
    this.#begin(options);
    this.#checkKey(key);
    const entry = this.#read(key);
    return entry && { value: new Uint8Array(entry.value), version: entry.version };
  }

  async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    this.#begin(options);
    this.#checkKey(key);
    assertValidVersion(expected, "expected");
    assertValidValue(value, this.manifest.limits.maxValueBytes);
    const expiresAt = this.#expiry(options?.ttlMs);
    // Real storage: the comparison and the write happen in one atomic step on the server.
    if ((this.#read(key)?.version ?? null) !== expected) throw new ConflictError([key]);
    return this.#write(key, value, expiresAt);
  }

  async commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    this.#begin(options);
    const { checks, set, delete: deletes } = validateCommit(operations, this.manifest.limits);
    const expiries = set.map((write) => this.#expiry(write.ttlMs));
    // Real storage: checks and writes run in one transaction (MULTI/EXEC, BEGIN/COMMIT).
    const failed = checks
      .filter((check) => (this.#read(check.key)?.version ?? null) !== check.version)
      .map((check) => check.key);
    if (failed.length > 0) throw new ConflictError(failed);
    const versions = new Map<string, Version>();
    for (const [index, write] of set.entries()) {
      versions.set(write.key, this.#write(write.key, write.value, expiries[index] ?? null));
    }
    for (const key of deletes) this.#store.entries.delete(this.#prefix + key);
    return { versions };
  }

  async expiresAt(key: string, options?: OperationOptions): Promise<number | null | undefined> {
    this.#begin(options);
    this.#checkKey(key);
    return this.#read(key)?.expiresAt;
  }

  async close(): Promise<void> {
    // Real storage: release connections and handles here. Idempotent.
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Checks that a call may start: not closed, not aborted. */
  #begin(options: OperationOptions | undefined): void {
    if (this.#closed) throw new ClosedError();
    throwIfAborted(options?.signal);
  }

  #checkKey(key: string): void {
    assertValidKey(key, this.manifest.limits.maxKeyBytes);
  }

  #checkBatch(items: readonly unknown[]): void {
    if (!Array.isArray(items)) throw new TypeError("A batch must be an array");
    const max = this.manifest.limits.maxBatchSize;
    if (items.length > max) throw new TooLargeError("batch", items.length, max);
  }

  /** The expiry time for a write with `ttlMs`, or `null`; refuses ttlMs unless ttl is declared. */
  #expiry(ttlMs: number | undefined): number | null {
    if (ttlMs === undefined) return null;
    if (!this.manifest.capabilities.ttl) throw new NotSupportedError("ttl");
    assertValidTtl(ttlMs);
    return this.#now() + ttlMs;
  }

  /** The live entry of `key`; an expired entry is removed and reads as missing. */
  #read(key: string): StoredEntry | undefined {
    // Real storage: a GET (with the version, where the store keeps one).
    const stored = this.#prefix + key;
    const entry = this.#store.entries.get(stored);
    if (entry?.expiresAt != null && entry.expiresAt <= this.#now()) {
      this.#store.entries.delete(stored);
      return undefined;
    }
    return entry;
  }

  #write(key: string, value: Uint8Array, expiresAt: number | null): Version {
    // Real storage: a SET. Copy in: the caller may reuse its buffer after the call.
    const version = String(++this.#store.lastVersion);
    this.#store.entries.set(this.#prefix + key, {
      value: new Uint8Array(value),
      version,
      expiresAt,
    });
    return version;
  }

  #encodeCursor(key: string, scope: string): string {
    return Buffer.from(JSON.stringify([key, scope])).toString("base64url");
  }

  #decodeCursor(cursor: string, scope: string): string {
    if (typeof cursor !== "string") throw new TypeError("cursor must be a string");
    try {
      const [key, madeFor] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
      if (typeof key === "string" && madeFor === scope) return key;
    } catch {
      // Not JSON: not one of ours.
    }
    throw new InvalidCursorError();
  }
}
