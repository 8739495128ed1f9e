import type { Socket } from "node:net";
import {
  AbortedError,
  type AtomicCommit,
  assertValidKey,
  assertValidKeyPattern,
  assertValidTtl,
  assertValidValue,
  assertValidVersion,
  type BackendError,
  type BatchEntry,
  ClosedError,
  type CommitResult,
  ConflictError,
  CorruptedError,
  describeType,
  type FullBackend,
  type HealthReport,
  InvalidOptionError,
  ListCursor,
  type ListEntry,
  type ListOptions,
  type Manifest,
  NotSupportedError,
  type OperationOptions,
  OutcomeUnknownError,
  TooLargeError,
  throwIfAborted,
  type Version,
  type VersionedValue,
  validateCommit,
  type WatchOptions,
  type WatchStream,
  type WriteOptions,
} from "@kvkit/spec";
import { Cluster, type Redis } from "ioredis";
import { COMMAND_TIMED_OUT } from "./command-deadlines.ts";
import { createClient } from "./create-client.ts";
import { IndexedCommands } from "./indexed-commands.ts";
import { KeyLayout } from "./key-layout.ts";
import { manifestFor } from "./manifest.ts";
import { mapRedisError } from "./map-redis-error.ts";
import { PlainCommands } from "./plain-commands.ts";
import { ReadyGate } from "./ready-gate.ts";
import type { RedisBackendOptions, StoreMode } from "./redis-backend-options.ts";
import { parseWatchCursor, RedisWatchStream } from "./redis-watch-stream.ts";
import type { RedisClient, Send, StoreCommands } from "./store-commands.ts";
import { TickBatch, type TickBatchKind } from "./tick-batch.ts";
import {
  isPayload,
  payloadValue,
  payloadValues,
  payloadVersion,
  VersionedPayload,
  versionBytes,
} from "./versioned-payload.ts";

const EMPTY = Buffer.alloc(0);

/**
 * The most operations one {@link TickBatch} sends in one command; a fuller tick sends several.
 * Bounds the command's size (and a script's argument count) whatever the caller issues at once.
 */
const MAX_TICK_BATCH = 32;

/** A set waiting in a {@link TickBatch}. */
interface BatchedSet {
  readonly dataKey: string;
  readonly payload: Buffer;
}

/**
 * A kvkit backend on Redis or Redis Cluster, through ioredis.
 *
 * Values are stored with their version in one string. In the default `indexed` mode every
 * write is one Lua script that also updates a sorted key index (ordered listing without `KEYS`
 * or `SCAN`) and appends to a Stream (the change log watchers read and resume from); in `plain`
 * mode the values are all there is, and every get, set, delete and batch is one native command
 * (see {@link StoreMode}). All keys of a store share one hash tag, so multi-key commands work
 * unchanged on Cluster. Every command has a deadline, and a write whose answer was lost is
 * never sent twice: it rejects with `KVKIT_OUTCOME_UNKNOWN`.
 *
 * @example
 * ```ts
 * await using kv = new RedisBackend({ url: "redis://127.0.0.1:6379", prefix: "app:" });
 * await kv.set("greeting", new TextEncoder().encode("hello"));
 * ```
 */
export class RedisBackend implements FullBackend {
  readonly manifest: Manifest;
  readonly #options: RedisBackendOptions;
  readonly #client: RedisClient;
  readonly #commands: StoreCommands;
  readonly #gate: ReadyGate;
  readonly #layout: KeyLayout;
  readonly #limits: Manifest["limits"];
  readonly #payloads = new VersionedPayload();
  readonly #timeoutMs: number;
  readonly #cluster: boolean;
  readonly #watches = new Set<RedisWatchStream>();
  readonly #getBatches: TickBatchKind<string, Buffer | null>;
  readonly #setBatches: TickBatchKind<BatchedSet, undefined>;
  /** This tick's gets or sets, when they are batched (see {@link RedisBackend.#batched}). */
  #batch: TickBatch<unknown, unknown> | undefined;
  /** Commands sent and not yet settled. */
  #inFlight = 0;
  #closed = false;
  #corked = false;
  #closing: Promise<void> | undefined;
  /** Resolves the wait of close() for the operations in flight when the last one settles. */
  #settled: (() => void) | undefined;

  /** Does no I/O: the first operation connects. */
  constructor(options: RedisBackendOptions = {}) {
    this.#options = options;
    const mode: StoreMode = options.mode ?? "indexed";
    if (mode !== "indexed" && mode !== "plain") {
      throw new InvalidOptionError([`mode must be "indexed" or "plain", not ${String(mode)}`]);
    }
    this.manifest = manifestFor(mode);
    this.#limits = this.manifest.limits;
    this.#timeoutMs = positiveInteger(options.commandTimeoutMs, 2000, "commandTimeoutMs");
    const maxlen = positiveInteger(options.changeLogLength, 10_000, "changeLogLength");
    positiveInteger(options.connectTimeoutMs, 2000, "connectTimeoutMs");
    positiveInteger(options.maxReconnectDelayMs, 500, "maxReconnectDelayMs");
    this.#layout = new KeyLayout(options.keyspace ?? "kvkit", options.prefix ?? "");
    const client = createClient({ options, commandTimeoutMs: this.#timeoutMs });
    this.#client = client;
    this.#commands =
      mode === "plain"
        ? new PlainCommands(client, this.#layout)
        : new IndexedCommands(client, this.#layout, maxlen);
    this.#cluster = client instanceof Cluster;
    this.#gate = new ReadyGate(client);
    this.#getBatches = {
      send: (dataKeys) =>
        this.#run("GET", false, undefined, () => this.#client.mgetBuffer(dataKeys as string[])),
    };
    this.#setBatches = {
      send: async (sets) => {
        const send = this.#commands.setMany(
          sets.map((set) => set.dataKey),
          sets.map((set) => set.payload),
          "",
        );
        await this.#run("SET", true, undefined, send);
        return undefined;
      },
    };
  }

  async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    this.#checkKey(key, options);
    const dataKey = this.#layout.dataKey(key);
    const signal = options?.signal;
    const payload = this.#batching(signal)
      ? await this.#batched(this.#getBatches, dataKey)
      : await this.#run("GET", false, signal, () => this.#client.getBuffer(dataKey));
    return payload === null ? undefined : payloadValue(this.#checkPayload(payload, key));
  }

  async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    this.#checkKey(key, options);
    assertValidValue(value, this.#limits.maxValueBytes);
    assertValidTtl(options?.ttlMs);
    const payload = this.#payloads.encode(value);
    const dataKey = this.#layout.dataKey(key);
    const signal = options?.signal;
    if (options?.ttlMs === undefined && this.#batching(signal)) {
      await this.#batched(this.#setBatches, { dataKey, payload });
      return;
    }
    const send = this.#commands.set(dataKey, payload, ttlArg(options?.ttlMs));
    await this.#run("SET", true, signal, send);
  }

  async delete(key: string, options?: OperationOptions): Promise<boolean> {
    this.#checkKey(key, options);
    const send = this.#commands.delete(this.#layout.dataKey(key));
    return (await this.#run("DELETE", true, options?.signal, send)) === 1;
  }

  async has(key: string, options?: OperationOptions): Promise<boolean> {
    this.#checkKey(key, options);
    const count = await this.#run("EXISTS", false, options?.signal, () =>
      this.#client.exists(this.#layout.dataKey(key)),
    );
    return count === 1;
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return this.#list(options);
  }

  async *#list(options: ListOptions): AsyncGenerator<ListEntry> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`list() options must be an object, not ${describeType(options)}`);
    }
    const { prefix = "", start, end, limit, reverse = false, cursor, signal } = options;
    assertValidKeyPattern(prefix, "prefix");
    if (start !== undefined) assertValidKeyPattern(start, "start");
    if (end !== undefined) assertValidKeyPattern(end, "end");
    if (limit !== undefined) {
      if (typeof limit !== "number") {
        throw new TypeError(`limit must be a number, not ${describeType(limit)}`);
      }
      if (!Number.isSafeInteger(limit) || limit < 0) {
        throw new InvalidOptionError([`limit must be a non-negative integer, not ${limit}`]);
      }
    }
    if (typeof reverse !== "boolean") {
      throw new TypeError(`reverse must be a boolean, not ${describeType(reverse)}`);
    }
    if (cursor !== undefined && typeof cursor !== "string") {
      throw new TypeError(`cursor must be a string, not ${describeType(cursor)}`);
    }
    if (reverse && !this.manifest.orderedList) {
      throw new NotSupportedError("list() with reverse (mode plain lists unordered)");
    }
    this.#checkOpen();
    throwIfAborted(signal);
    const codec = new ListCursor(prefix, start, end, reverse);
    const after = cursor === undefined ? undefined : codec.decode(cursor);
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    if (remaining === 0) return;
    const run = <T>(operation: string, send: Send<T>): Promise<T> =>
      this.#run(operation, false, signal, send);
    for await (const { key, position } of this.#commands.list(
      { prefix, start, end, reverse, after },
      run,
    )) {
      yield { key, cursor: codec.encode(position) };
      if (--remaining === 0) return;
      this.#checkOpen();
      throwIfAborted(signal);
    }
  }

  async getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    this.#checkBatch(keys, "keys");
    for (const key of keys) assertValidKey(key, this.#limits.maxKeyBytes);
    this.#checkOpen();
    throwIfAborted(options?.signal);
    if (keys.length === 0) return [];
    // Copied now: the command may be sent after a wait for the connection, and the caller may
    // change its array in the meantime.
    const called = keys.slice();
    const layout = this.#layout;
    const dataKeys = called.map((key) => layout.dataKey(key));
    const payloads = await this.#run("MGET", false, options?.signal, () =>
      this.#client.mgetBuffer(dataKeys),
    );
    for (let i = 0; i < payloads.length; i++) {
      const payload = payloads[i];
      if (payload) this.#checkPayload(payload, called[i] as string);
    }
    return payloadValues(payloads);
  }

  async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    this.#checkBatch(entries, "entries");
    const distinct = new Set<string>();
    for (const entry of entries) {
      if (typeof entry !== "object" || entry === null) {
        throw new TypeError(`A batch entry must be an object, not ${describeType(entry)}`);
      }
      assertValidKey(entry.key, this.#limits.maxKeyBytes);
      assertValidValue(entry.value, this.#limits.maxValueBytes);
      distinct.add(entry.key);
    }
    assertValidTtl(options?.ttlMs);
    this.#checkOpen();
    throwIfAborted(options?.signal);
    if (entries.length === 0) return;
    // The last entry of a key wins: a key is written once, with its last value.
    const latest = distinct.size === entries.length ? entries : lastOfEachKey(entries);
    const layout = this.#layout;
    const dataKeys = latest.map((entry) => layout.dataKey(entry.key));
    const payloads = latest.map((entry) => this.#payloads.encode(entry.value));
    const send = this.#commands.setMany(dataKeys, payloads, ttlArg(options?.ttlMs));
    await this.#run("SETMANY", true, options?.signal, send);
  }

  async deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    this.#checkBatch(keys, "keys");
    for (const key of keys) assertValidKey(key, this.#limits.maxKeyBytes);
    this.#checkOpen();
    throwIfAborted(options?.signal);
    const distinct = [...new Set(keys)];
    if (distinct.length === 0) return 0;
    const send = this.#commands.deleteMany(distinct.map((key) => this.#layout.dataKey(key)));
    return await this.#run("DELETEMANY", true, options?.signal, send);
  }

  async getVersioned(key: string, options?: OperationOptions): Promise<VersionedValue | undefined> {
    this.#checkKey(key, options);
    const payload = await this.#run("GET", false, options?.signal, () =>
      this.#client.getBuffer(this.#layout.dataKey(key)),
    );
    if (payload === null) return undefined;
    this.#checkPayload(payload, key);
    return { value: payloadValue(payload), version: payloadVersion(payload) };
  }

  async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    assertValidKey(key, this.#limits.maxKeyBytes);
    assertValidVersion(expected, "expected");
    const expectedBytes = expectedArg(expected);
    assertValidValue(value, this.#limits.maxValueBytes);
    assertValidTtl(options?.ttlMs);
    this.#checkOpen();
    throwIfAborted(options?.signal);
    const payload = this.#payloads.encode(value);
    const send = this.#commands.compareAndSet(
      this.#layout.dataKey(key),
      expectedBytes,
      payload,
      ttlArg(options?.ttlMs),
    );
    const written = await this.#run("CAS", true, options?.signal, send);
    if (written !== 1) throw new ConflictError([key]);
    return payloadVersion(payload);
  }

  async commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    const { checks, set: sets, delete: deletes } = validateCommit(operations, this.#limits);
    const expected = checks.map((check) => expectedArg(check.version));
    this.#checkOpen();
    throwIfAborted(options?.signal);
    const versions = new Map<string, Version>();
    if (checks.length + sets.length + deletes.length === 0) return { versions };
    const layout = this.#layout;
    const command = {
      checks: checks.map((check, i) => ({
        dataKey: layout.dataKey(check.key),
        expected: expected[i] as Buffer,
      })),
      sets: sets.map((entry) => {
        const payload = this.#payloads.encode(entry.value);
        versions.set(entry.key, payloadVersion(payload));
        return { dataKey: layout.dataKey(entry.key), payload, ttl: ttlArg(entry.ttlMs) };
      }),
      deletes: deletes.map((key) => layout.dataKey(key)),
    };
    // Taken now: the caller may change its array while the commit waits for the connection.
    const checked = checks.map((check) => check.key);
    const failed = await this.#run("COMMIT", true, options?.signal, this.#commands.commit(command));
    if (failed.length > 0) {
      throw new ConflictError(failed.map((index) => checked[index - 1] as string));
    }
    return { versions };
  }

  async expiresAt(key: string, options?: OperationOptions): Promise<number | null | undefined> {
    this.#checkKey(key, options);
    const at = await this.#run("PEXPIRETIME", false, options?.signal, () =>
      this.#client.pexpiretime(this.#layout.dataKey(key)),
    );
    return at === -2 ? undefined : at === -1 ? null : at;
  }

  async health(options?: OperationOptions): Promise<HealthReport> {
    const started = performance.now();
    const mode = this.#cluster ? "cluster" : "standalone";
    const report = (error?: unknown): HealthReport => ({
      status: error === undefined ? "ok" : "unavailable",
      latencyMs: performance.now() - started,
      checkedAt: Date.now(),
      details:
        error === undefined
          ? { mode }
          : { mode, error: error instanceof Error ? error.message : String(error) },
    });
    if (this.#closed) return report("the backend is closed");
    const signal = options?.signal;
    if (signal?.aborted) return report("the signal fired");
    // Leave room for the timers and the report inside the declared bound.
    const budget = this.manifest.healthTimeoutMs - 50;
    const status = this.#client.status;
    if (status === "reconnecting" || status === "close" || status === "end") {
      return report(this.#gate.lastError ?? `the connection is ${status}`);
    }
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${budget} ms`)), budget);
        onAbort = () => reject(new Error("the signal fired"));
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      const probe = (async () => {
        await this.#gate.wait(budget, signal);
        // On Cluster, probe the master that holds this store's slot.
        if (this.#cluster) await this.#client.exists(this.#layout.dataPrefix);
        else await this.#client.ping();
      })();
      probe.catch(() => {});
      await Promise.race([probe, deadline]);
      return report();
    } catch (error) {
      return report(error);
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    }
  }

  async watch(options: WatchOptions = {}): Promise<WatchStream> {
    if (!this.manifest.capabilities.watch) {
      // Mode plain keeps no change log. `capability` is the capability's name, nothing more:
      // callers read it to learn what is missing.
      throw new NotSupportedError("watch");
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`watch() options must be an object, not ${describeType(options)}`);
    }
    const { key, prefix, cursor, bufferSize = 1024, signal } = options;
    if (key !== undefined && prefix !== undefined) {
      throw new InvalidOptionError(["watch() takes key or prefix, not both"]);
    }
    if (key !== undefined) assertValidKey(key, this.#limits.maxKeyBytes);
    if (prefix !== undefined) assertValidKeyPattern(prefix, "prefix");
    if (typeof bufferSize !== "number") {
      throw new TypeError(`bufferSize must be a number, not ${describeType(bufferSize)}`);
    }
    if (!Number.isSafeInteger(bufferSize) || bufferSize <= 0) {
      throw new InvalidOptionError([`bufferSize must be a positive integer, not ${bufferSize}`]);
    }
    if (cursor !== undefined && typeof cursor !== "string") {
      throw new TypeError(`cursor must be a string, not ${describeType(cursor)}`);
    }
    const resumeFrom = cursor === undefined ? undefined : parseWatchCursor(cursor);
    this.#checkOpen();
    throwIfAborted(signal);
    const log = this.#layout.logKey;
    let from: string;
    let expired = false;
    let partial: [Buffer, Buffer[]] | undefined;
    if (resumeFrom === undefined) {
      const newest = await this.#run("XREVRANGE", false, signal, () =>
        this.#client.xrevrange(log, "+", "-", "COUNT", 1),
      );
      from = newest[0]?.[0] ?? "0-0";
    } else {
      const { id } = resumeFrom;
      const found = await this.#run("XRANGE", false, signal, () =>
        this.#client.xrangeBuffer(log, id, id),
      );
      from = id;
      expired = found.length === 0;
      // A cursor inside a batch's entry: the rest of that entry comes first.
      if (resumeFrom.index !== undefined) partial = found[0] as [Buffer, Buffer[]] | undefined;
    }
    this.#checkOpen();
    throwIfAborted(signal);
    const ns = this.#layout.namespaceBytes;
    const stream = new RedisWatchStream({
      connection: createClient(
        { options: this.#options, commandTimeoutMs: this.#timeoutMs },
        RedisWatchStream.BLOCK_MS,
      ),
      logKey: log,
      from,
      namespaceLength: ns.length,
      match:
        key !== undefined
          ? { exact: Buffer.concat([ns, Buffer.from(key, "utf8")]) }
          : { prefix: Buffer.concat([ns, Buffer.from(prefix ?? "", "utf8")]) },
      bufferSize,
      signal,
      onEnd: () => this.#watches.delete(stream),
    });
    this.#watches.add(stream);
    if (expired) stream.pushGap("cursor-expired");
    if (partial !== undefined) stream.deliver(from, partial[1], resumeFrom?.index);
    stream.start();
    return stream;
  }

  close(): Promise<void> {
    // Operations issued before close() are sent, and settle like any other in flight.
    this.#sendBatch();
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(): Promise<void> {
    this.#gate.close();
    // Operations in flight settle first, each within its deadline: one may still send a command
    // (ioredis re-sends a script call refused with NOSCRIPT as EVAL), which QUIT would cut off.
    const settled =
      this.#inFlight === 0
        ? undefined
        : new Promise<void>((resolve) => {
            this.#settled = resolve;
          });
    await Promise.allSettled([settled, ...[...this.#watches].map((stream) => stream.close())]);
    const client = this.#client;
    // A command still unanswered now belongs to an operation that settled already (it timed
    // out, or was aborted): QUIT would wait behind it, up to a deadline more, for nobody.
    if (client.status === "ready" && !unanswered(client)) {
      await client.quit().catch(() => {});
    }
    client.disconnect();
  }

  /**
   * Sends one command (or script call) and maps its failure. On a ready client the command is
   * written at once; otherwise the call waits for the connection (within the deadline). With a
   * signal, the answer races it.
   */
  async #run<T>(
    operation: string,
    write: boolean,
    signal: AbortSignal | undefined,
    send: () => Promise<T>,
  ): Promise<T> {
    this.#inFlight++;
    try {
      // A listing goes on sending commands after close() unless it is stopped here.
      this.#checkOpen();
      // Commands leave in the order they were issued: a batch waiting for the end of the tick
      // goes first.
      this.#sendBatch();
      // A ready client sends now, signal or not: an operation that waited for a later microtask
      // would be overtaken by the batches and commands issued after it.
      if (this.#gate.ready) {
        throwIfAborted(signal);
        this.#cork();
        return await (signal === undefined ? send() : raceAbort(send(), signal, operation, write));
      }
      const waitStarted = performance.now();
      await this.#gate.wait(this.#timeoutMs, signal);
      this.#checkOpen();
      throwIfAborted(signal);
      // The wait for the connection counts against the deadline: the command gets what is left
      // (its own deadline, counted from its send, would let it run a whole one more).
      const left = this.#timeoutMs - (performance.now() - waitStarted);
      const sent = withinDeadline(send(), left);
      return await (signal === undefined ? sent : raceAbort(sent, signal, operation, write));
    } catch (error) {
      throw mapRedisError(error, operation, write, this.#timeoutMs, this.#closed);
    } finally {
      if (--this.#inFlight === 0) this.#settled?.();
    }
  }

  /**
   * Whether a get or set joins this tick's batch: only while other commands are in flight (a
   * lone operation is sent at once, with no added latency), on a ready client, without a signal
   * (an abort could not take one operation out of a sent command).
   */
  #batching(signal: AbortSignal | undefined): boolean {
    return signal === undefined && this.#inFlight > 0 && this.#gate.ready && !this.#closed;
  }

  /**
   * Adds an operation to this tick's batch of `kind`, which is sent at the end of the tick (or
   * when full, or before any other command, so commands keep the order they were issued in).
   * With 64 operations in flight, each tick's gets become one `MGET` and its sets one `MSET`
   * (one script call in mode indexed): a fraction of the client's and the server's work per
   * operation.
   */
  #batched<Item, Result>(kind: TickBatchKind<Item, Result>, item: Item): Promise<Result> {
    let batch = this.#batch as TickBatch<Item, Result> | undefined;
    if (batch?.kind !== kind) {
      this.#sendBatch();
      const created = new TickBatch(kind);
      this.#batch = created as TickBatch<unknown, unknown>;
      process.nextTick(() => {
        if (this.#batch === created) this.#sendBatch();
      });
      batch = created;
    }
    const result = batch.add(item);
    if (batch.size === MAX_TICK_BATCH) this.#sendBatch();
    return result;
  }

  #sendBatch(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    batch.send();
  }

  /**
   * Holds the socket's writes until the end of this tick, so commands issued together (many
   * operations in flight) leave in one `writev` instead of one system call each, as node-redis
   * does. Only while other commands are in flight: a lone command is written at once.
   * Cluster clients write to several sockets and are left alone.
   */
  #cork(): void {
    if (this.#corked || this.#cluster) return;
    const client = this.#client as Redis & { commandQueue?: { length: number } };
    // Nothing in flight: a lone (sequential) command goes out at once.
    if (client.commandQueue === undefined || client.commandQueue.length === 0) return;
    const stream = client.stream as Socket | undefined;
    if (stream === undefined) return;
    this.#corked = true;
    stream.cork();
    process.nextTick(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  #checkKey(key: string, options: OperationOptions | undefined): void {
    assertValidKey(key, this.#limits.maxKeyBytes);
    this.#checkOpen();
    throwIfAborted(options?.signal);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError();
  }

  #checkBatch(items: readonly unknown[], what: string): void {
    if (!Array.isArray(items)) {
      throw new TypeError(`${what} must be an array, not ${describeType(items)}`);
    }
    if (items.length > this.#limits.maxBatchSize) {
      throw new TooLargeError("batch", items.length, this.#limits.maxBatchSize);
    }
  }

  #checkPayload(payload: Buffer, key: string): Buffer {
    if (!isPayload(payload)) {
      throw new CorruptedError(
        `The value of ${JSON.stringify(key)} was not written by kvkit (unknown format)`,
      );
    }
    return payload;
  }
}

/**
 * An optional positive integer option, or its default.
 *
 * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` for anything else.
 */
function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidOptionError([`${name} must be a positive integer, not ${String(value)}`]);
  }
  return value;
}

/** Each key's last entry, in the order of those last entries. */
function lastOfEachKey(entries: readonly BatchEntry[]): BatchEntry[] {
  const latest = new Map<string, BatchEntry>();
  for (const entry of entries) {
    latest.delete(entry.key);
    latest.set(entry.key, entry);
  }
  return [...latest.values()];
}

function ttlArg(ttlMs: number | undefined): string {
  return ttlMs === undefined ? "" : String(ttlMs);
}

/** The script argument for an expected version: '' for "absent", else the version's bytes. */
function expectedArg(version: Version | null): Buffer {
  if (version === null) return EMPTY;
  // A string this backend never made matches no stored version: 16 bytes no payload carries.
  return versionBytes(version) ?? NO_VERSION;
}

/** Never equal to a stored version: those are 16 bytes long. */
const NO_VERSION = Buffer.alloc(17);

/** Whether a connection of `client` holds a command written and not yet answered. */
function unanswered(client: RedisClient): boolean {
  const connections = client instanceof Cluster ? client.nodes() : [client];
  return connections.some(
    (connection) =>
      ((connection as Redis & { commandQueue?: { length: number } }).commandQueue?.length ?? 0) > 0,
  );
}

/** `promise`, or ioredis's command-timeout error if it has not settled within `ms`. */
function withinDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        promise.catch(() => {});
        reject(new Error(COMMAND_TIMED_OUT));
      },
      Math.max(0, Math.ceil(ms)),
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * `promise` (a command already handed to the client), or a rejection as soon as `signal` fires:
 * `KVKIT_ABORTED` for a read, but `KVKIT_OUTCOME_UNKNOWN` (the abort as `cause`) for a write,
 * which has left and may still be applied. `KVKIT_ABORTED` from a write means it never left.
 */
function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  operation: string,
  write: boolean,
): Promise<T> {
  const aborted = (): BackendError => {
    promise.catch(() => {});
    const abort = new AbortedError(signal.reason);
    if (!write) return abort;
    return new OutcomeUnknownError(
      `Redis ${operation} may or may not have been applied: its signal fired after it was sent`,
      { cause: abort },
    );
  };
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
