import {
  type AtomicCommit,
  assertValidKey,
  assertValidKeyPattern,
  assertValidTtl,
  assertValidValue,
  assertValidVersion,
  type BatchEntry,
  ClosedError,
  type CommitResult,
  ConflictError,
  compareKeys,
  describeType,
  type FullBackend,
  type HealthReport,
  InvalidCursorError,
  InvalidOptionError,
  ListCursor,
  type ListEntry,
  type ListOptions,
  type Manifest,
  type OperationOptions,
  TooLargeError,
  throwIfAborted,
  type Version,
  type VersionedValue,
  validateCommit,
  type WatchOptions,
  type WatchStream,
  type WriteOptions,
} from "@kvkit/spec";
import { manifest } from "./manifest.ts";
import { MemoryStore } from "./memory-store.ts";
import { MemoryWatchStream } from "./memory-watch-stream.ts";
import { lowerBound, prefixEnd, upperBound } from "./sorted-key-index.ts";

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * The store to open: a {@link MemoryStore}, or a name (instances opened with the same name
   * in one process share one store, see {@link MemoryStore.named}). Default: a new private
   * store.
   */
  readonly store?: MemoryStore | string | undefined;
  /**
   * A namespace put in front of every key; reported keys never include it. Instances with
   * different prefixes on one store do not see each other's keys. Default `""`.
   */
  readonly prefix?: string | undefined;
  /** Where TTL reads the time, in epoch milliseconds. Default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

const { maxKeyBytes, maxValueBytes, maxBatchSize } = manifest.limits;
const NO_EXPIRY = Number.POSITIVE_INFINITY;

/**
 * The in-memory reference backend: every capability of `@kvkit/spec`, ordered listing,
 * all-or-nothing batches and commits, resumable watches and TTL with an injectable clock.
 *
 * Data lives in a {@link MemoryStore}: a `Map` from each key to its value's record in a
 * packed heap, for O(1) reads and writes, plus a lazily sorted key index for listing in
 * UTF-8 byte order. Nothing survives the process.
 *
 * @example
 * ```ts
 * await using kv = new MemoryBackend({ prefix: "app/" });
 * await kv.set("greeting", new TextEncoder().encode("hello"));
 * ```
 */
export class MemoryBackend implements FullBackend {
  readonly manifest: Manifest = manifest;
  readonly #store: MemoryStore;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #streams = new Set<MemoryWatchStream>();
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`MemoryBackend options must be an object, not ${describeType(options)}`);
    }
    const { store, prefix = "", clock = Date.now } = options;
    if (store === undefined) this.#store = new MemoryStore();
    else if (typeof store === "string") this.#store = MemoryStore.named(store);
    else if (store instanceof MemoryStore) this.#store = store;
    else throw new TypeError(`store must be a string or a MemoryStore, not ${describeType(store)}`);
    assertValidKeyPattern(prefix, "prefix");
    if (typeof clock !== "function") {
      throw new TypeError(`clock must be a function, not ${describeType(clock)}`);
    }
    this.#prefix = prefix;
    this.#now = clock;
  }

  async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    this.#check(options);
    assertValidKey(key, maxKeyBytes);
    const store = this.#store;
    const handle = store.read(this.#prefix + key, this.#now);
    return handle === undefined ? undefined : store.values.read(handle);
  }

  async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    this.#check(options);
    assertValidKey(key, maxKeyBytes);
    assertValidValue(value, maxValueBytes);
    const ttlMs = options?.ttlMs;
    assertValidTtl(ttlMs);
    this.#store.write(this.#prefix + key, value, this.#expiry(ttlMs));
  }

  async delete(key: string, options?: OperationOptions): Promise<boolean> {
    this.#check(options);
    assertValidKey(key, maxKeyBytes);
    const fullKey = this.#prefix + key;
    const handle = this.#store.read(fullKey, this.#now);
    if (handle === undefined) return false;
    this.#store.remove(fullKey, handle);
    return true;
  }

  async has(key: string, options?: OperationOptions): Promise<boolean> {
    this.#check(options);
    assertValidKey(key, maxKeyBytes);
    return this.#store.read(this.#prefix + key, this.#now) !== undefined;
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return this.#list(options);
  }

  async *#list(options: ListOptions): AsyncGenerator<ListEntry, void, undefined> {
    this.#check(options);
    const { prefix = "", start, end, limit, reverse = false, cursor } = options;
    assertValidKeyPattern(prefix, "prefix");
    if (start !== undefined) assertValidKeyPattern(start, "start");
    if (end !== undefined) assertValidKeyPattern(end, "end");
    if (typeof reverse !== "boolean") {
      throw new TypeError(`reverse must be a boolean, not ${describeType(reverse)}`);
    }
    if (limit !== undefined) {
      if (typeof limit !== "number") {
        throw new TypeError(`limit must be a number, not ${describeType(limit)}`);
      }
      if (!Number.isInteger(limit) || limit < 0) {
        throw new InvalidOptionError([`limit must be a non-negative integer, not ${limit}`]);
      }
    }
    if (cursor !== undefined && typeof cursor !== "string") {
      throw new TypeError(`cursor must be a string, not ${describeType(cursor)}`);
    }
    const cursors = new ListCursor(prefix, start, end, reverse);
    const namespace = this.#prefix;
    // The listed range, in full keys: [low, high) intersected with keys starting with `match`.
    const match = namespace + prefix;
    const low =
      start !== undefined && compareKeys(namespace + start, match) > 0 ? namespace + start : match;
    const high = end === undefined ? undefined : namespace + end;
    let last = cursor === undefined ? undefined : namespace + cursors.decode(cursor);
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    if (remaining === 0) return;

    const store = this.#store;
    const index = store.index;
    store.settle(this.#now);
    let generation = -1;
    let position = 0;
    for (;;) {
      this.#check(options);
      // Keys added during the listing may or may not be yielded (the spec allows either), so
      // the index is settled once, not per step.
      const keys = index.sorted;
      if (generation !== index.generation) {
        // The index changed since the last step: find the position again by key.
        generation = index.generation;
        const first = lowerBound(keys, low);
        if (reverse) {
          let stop = prefixEnd(keys, match, first);
          if (high !== undefined) stop = Math.min(stop, lowerBound(keys, high));
          position = (last === undefined ? stop : Math.min(stop, lowerBound(keys, last))) - 1;
        } else {
          position = last === undefined ? first : Math.max(first, upperBound(keys, last));
        }
      } else {
        position += reverse ? -1 : 1;
      }
      if (position < 0 || position >= keys.length) return;
      const key = keys[position] as string;
      if (reverse) {
        if (compareKeys(key, low) < 0) return;
      } else if (!key.startsWith(match) || (high !== undefined && compareKeys(key, high) >= 0)) {
        return;
      }
      last = key;
      if (store.read(key, this.#now) === undefined) continue;
      const visible = key.slice(namespace.length);
      yield { key: visible, cursor: cursors.encode(visible) };
      if (--remaining === 0) return;
    }
  }

  async getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    this.#check(options);
    this.#assertBatch(keys, "keys");
    for (const key of keys) assertValidKey(key, maxKeyBytes);
    const store = this.#store;
    const values: (Uint8Array | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const handle = store.read(this.#prefix + keys[i], this.#now);
      values[i] = handle === undefined ? undefined : store.values.read(handle);
    }
    return values;
  }

  async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    this.#check(options);
    this.#assertBatch(entries, "entries");
    for (const entry of entries) {
      if (typeof entry !== "object" || entry === null) {
        throw new TypeError(`A batch entry must be an object, not ${describeType(entry)}`);
      }
      assertValidKey(entry.key, maxKeyBytes);
      assertValidValue(entry.value, maxValueBytes);
    }
    const ttlMs = options?.ttlMs;
    assertValidTtl(ttlMs);
    const expiresAt = this.#expiry(ttlMs);
    // Everything is validated and nothing awaits from here on: all entries land together.
    for (const entry of entries) {
      this.#store.write(this.#prefix + entry.key, entry.value, expiresAt);
    }
  }

  async deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    this.#check(options);
    this.#assertBatch(keys, "keys");
    for (const key of keys) assertValidKey(key, maxKeyBytes);
    let deleted = 0;
    for (const key of keys) {
      const fullKey = this.#prefix + key;
      const handle = this.#store.read(fullKey, this.#now);
      if (handle === undefined) continue;
      this.#store.remove(fullKey, handle);
      deleted++;
    }
    return deleted;
  }

  async getVersioned(key: string, options?: OperationOptions): Promise<VersionedValue | undefined> {
    this.#check(options);
    assertValidKey(key, maxKeyBytes);
    const store = this.#store;
    const handle = store.read(this.#prefix + key, this.#now);
    if (handle === undefined) return undefined;
    return { value: store.values.read(handle), version: String(store.values.version(handle)) };
  }

  async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    this.#check(options);
    assertValidKey(key, maxKeyBytes);
    assertValidVersion(expected, "expected");
    assertValidValue(value, maxValueBytes);
    const ttlMs = options?.ttlMs;
    assertValidTtl(ttlMs);
    const fullKey = this.#prefix + key;
    if (!this.#holds(fullKey, expected)) throw new ConflictError([key]);
    return String(this.#store.write(fullKey, value, this.#expiry(ttlMs)));
  }

  async commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    this.#check(options);
    const { checks, set: sets, delete: deletes } = validateCommit(operations, manifest.limits);
    const store = this.#store;
    const failed: string[] = [];
    for (const check of checks) {
      if (!this.#holds(this.#prefix + check.key, check.version)) {
        failed.push(check.key);
      }
    }
    if (failed.length > 0) throw new ConflictError(failed);
    // Checked and validated, with no await in between: the commit applies as one step.
    const versions = new Map<string, Version>();
    for (const entry of sets) {
      const version = store.write(this.#prefix + entry.key, entry.value, this.#expiry(entry.ttlMs));
      versions.set(entry.key, String(version));
    }
    for (const key of deletes) {
      const fullKey = this.#prefix + key;
      const handle = store.read(fullKey, this.#now);
      if (handle !== undefined) store.remove(fullKey, handle);
    }
    return { versions };
  }

  async expiresAt(key: string, options?: OperationOptions): Promise<number | null | undefined> {
    this.#check(options);
    assertValidKey(key, maxKeyBytes);
    const handle = this.#store.read(this.#prefix + key, this.#now);
    if (handle === undefined) return undefined;
    const expiresAt = this.#store.values.expiresAt(handle);
    return expiresAt === NO_EXPIRY ? null : expiresAt;
  }

  async watch(options: WatchOptions = {}): Promise<WatchStream> {
    this.#check(options);
    const { key, prefix, cursor, bufferSize = 1024, signal } = options;
    if (key !== undefined && prefix !== undefined) {
      throw new InvalidOptionError(["watch() takes a key or a prefix, not both"]);
    }
    if (key !== undefined) assertValidKey(key, maxKeyBytes);
    if (prefix !== undefined) assertValidKeyPattern(prefix, "prefix");
    if (typeof bufferSize !== "number") {
      throw new TypeError(`bufferSize must be a number, not ${describeType(bufferSize)}`);
    }
    if (!Number.isInteger(bufferSize) || bufferSize < 1) {
      throw new InvalidOptionError([`bufferSize must be a positive integer, not ${bufferSize}`]);
    }
    if (cursor !== undefined && typeof cursor !== "string") {
      throw new TypeError(`cursor must be a string, not ${describeType(cursor)}`);
    }
    const changes = this.#store.changes;
    const resumeAfter =
      cursor === undefined ? undefined : changes.parseCursor(cursor, this.#store.lastVersion);
    if (cursor !== undefined && resumeAfter === undefined) throw new InvalidCursorError();

    const stream = new MemoryWatchStream(
      {
        namespace: this.#prefix,
        key: key === undefined ? undefined : this.#prefix + key,
        prefix: this.#prefix + (prefix ?? ""),
        bufferSize,
      },
      signal,
      () => {
        changes.unsubscribe(stream);
        this.#streams.delete(stream);
      },
    );
    this.#streams.add(stream);
    changes.subscribe(stream, this.#store.lastVersion + 1);
    if (resumeAfter !== undefined) {
      const missed = changes.since(resumeAfter);
      if (missed === undefined) {
        stream.push({ type: "gap", reason: "cursor-expired" });
      } else {
        for (const record of missed) stream.deliver(record);
      }
    }
    return stream;
  }

  async health(options?: OperationOptions): Promise<HealthReport> {
    const started = performance.now();
    const report = (status: HealthReport["status"], details: HealthReport["details"]) => ({
      status,
      latencyMs: performance.now() - started,
      checkedAt: Date.now(),
      details,
    });
    if (this.#closed) return report("unavailable", { error: "The backend is closed" });
    if (options?.signal?.aborted) {
      return report("unavailable", { error: "The health check was aborted" });
    }
    return report("ok", { keys: this.#store.size, watchers: this.#streams.size });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of [...this.#streams]) await stream.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #check(options: OperationOptions | undefined): void {
    if (this.#closed) throw new ClosedError();
    if (options !== undefined) {
      if (typeof options !== "object" || options === null) {
        throw new TypeError(`options must be an object, not ${describeType(options)}`);
      }
      throwIfAborted(options.signal);
    }
  }

  #assertBatch(items: unknown, what: string): asserts items is readonly unknown[] {
    if (!Array.isArray(items)) {
      throw new TypeError(`${what} must be an array, not ${describeType(items)}`);
    }
    if (items.length > maxBatchSize) throw new TooLargeError("batch", items.length, maxBatchSize);
  }

  /** Whether the live value of `fullKey` (or its absence) satisfies an expected version. */
  #holds(fullKey: string, expected: Version | null): boolean {
    const handle = this.#store.read(fullKey, this.#now);
    if (expected === null) return handle === undefined;
    return handle !== undefined && String(this.#store.values.version(handle)) === expected;
  }

  #expiry(ttlMs: number | undefined): number {
    return ttlMs === undefined ? NO_EXPIRY : this.#now() + ttlMs;
  }
}
