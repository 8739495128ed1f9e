import { randomBytes } from "node:crypto";
import { closeSync, fdatasync, fstatSync, fsyncSync, readSync, writeSync } from "node:fs";
import { statfs, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AbortedError,
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
  CorruptedError,
  compareKeys,
  type Durability,
  describeType,
  type FullBackend,
  type HealthReport,
  InvalidOptionError,
  isBackendError,
  ListCursor,
  type ListEntry,
  type ListOptions,
  type Manifest,
  NotSupportedError,
  type OperationOptions,
  OutcomeUnknownError,
  TooLargeError,
  throwIfAborted,
  UnavailableError,
  type Version,
  type VersionedValue,
  validateCommit,
  type WatchOptions,
  type WatchStream,
  type WriteOptions,
} from "@kvkit/spec";
import { FileWatchStream } from "./file-watch-stream.ts";
import {
  type DecodedCommit,
  type DecodedRecord,
  decodeRecord,
  type EncodedCheck,
  type EncodedCommit,
  encodeCommit,
  encodeFileHeader,
  encodeSealRecord,
  encodeSnapshotRecord,
  logFileName,
  RECORD_HEADER_BYTES,
  valueChecksum,
} from "./log-format.ts";
import { LogReader } from "./log-reader.ts";
import { manifestFor } from "./manifest.ts";
import {
  createGeneration,
  createTempFile,
  newestGeneration,
  type OpenedLog,
  openDirectory,
  openGeneration,
  openLog,
  RETAINED_GENERATIONS,
  removeGeneration,
  writeAll,
} from "./open-log.ts";
import { lowerBound, SortedKeys } from "./sorted-keys.ts";

/** Options of {@link FileBackend}. */
export interface FileBackendOptions {
  /**
   * The store's directory, as a path or a `file:` URL. Created (mode 0700) if missing. Every
   * process that opens the same directory shares the store.
   */
  readonly directory: string | URL;
  /** Namespace for every key: keys are stored as `prefix + key`, and reported without it. */
  readonly prefix?: string | undefined;
  /**
   * What a resolved write survives. `power` (default): the log is fsynced (`fdatasync`) before
   * a write resolves, and the directory when the log is created. `process` and `none`: the
   * write reached the operating system (survives a crash of the process, not of the machine).
   */
  readonly durability?: Durability | undefined;
  /** Where time comes from, in epoch milliseconds (for expiry). Default `Date.now`. */
  readonly clock?: (() => number) | undefined;
  /** How often active watches look for writes of other processes, in ms. Default 20. */
  readonly pollIntervalMs?: number | undefined;
  /** `health()` reports `degraded` when the file system has less free space. Default 64 MiB. */
  readonly minFreeBytes?: number | undefined;
  /**
   * Compact the log once it is larger than this many bytes and more than twice the size of the
   * live data: the live keys move to a new log generation. Default 64 MiB; 0 never compacts.
   */
  readonly compactAtBytes?: number | undefined;
}

/** Where a key's current value lives in the log. */
interface Entry {
  readonly version: string;
  readonly valuePosition: number;
  readonly valueBytes: number;
  /**
   * CRC-32 of the value's bytes, taken at replay from bytes whose record checksum matched (or
   * that this instance appended itself): every read, and compaction before it copies the
   * value, compares the bytes it gets with it.
   */
  readonly valueChecksum: number;
  /** Epoch ms; 0 for no expiry. */
  readonly expiresAt: number;
}

/** What replaying a commit record decided. */
interface Outcome {
  readonly applied: boolean;
  /** Keys (namespace included) whose check failed, when not applied. */
  readonly failed: readonly string[];
  /** For each op: whether a delete removed a live key (`false` for sets). */
  readonly existed: readonly boolean[];
  readonly version: string;
}

/** A write waiting for its record to be appended and replayed. */
interface PendingWrite {
  readonly commit: EncodedCommit;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (error: unknown) => void;
  onAbort: (() => void) | undefined;
  outcome: Outcome | undefined;
  /**
   * The damage (see `FileBackend.#damage`) found in this generation before this write's record
   * was replayed: its outcome was then decided against a state that lacks the damaged record,
   * and may differ from what every process that replayed that record intact decided.
   */
  afterDamage: Error | undefined;
}

/** A write before its record is built: `expiresAt` is set from `ttlMs` once its time is known. */
type PlannedOp =
  | {
      readonly type: "set";
      readonly key: string;
      readonly value: Uint8Array;
      readonly ttlMs: number | undefined;
      expiresAt: number;
    }
  | { readonly type: "delete"; readonly key: string };

const NO_CHECKS: readonly EncodedCheck[] = [];
const NO_KEYS: readonly string[] = [];

const LIST_PAGE = 256;

/**
 * `getMany()` reads values with one `pread` while less than this lies between them (such as
 * the keys between the values of one batch record); what lies between is read and dropped.
 */
const COALESCE_GAP_BYTES = 4096;

/**
 * A durable key-value store in a directory, shared by every process that opens it.
 *
 * All writes are records appended to one log file with single `O_APPEND` writes; the log's
 * order is the order in which writes take effect, for every process. Each instance replays the
 * log into an in-memory index (key → value position), catching up before every read. A
 * conditional write (compare-and-set, commit) carries its preconditions in its record and
 * takes effect only if they hold at that point of the log, a rule every process evaluates
 * identically; there is no lock to go stale. Concurrent writes of one instance share one
 * append and one fsync (group commit). See the package README for the on-disk format.
 */
export class FileBackend implements FullBackend {
  readonly manifest: Manifest;
  readonly #directory: string;
  readonly #prefix: string;
  readonly #durability: Durability;
  readonly #now: () => number;
  readonly #pollIntervalMs: number;
  readonly #minFreeBytes: number;
  readonly #compactAtBytes: number;
  readonly #limits: Manifest["limits"];
  readonly #entries = new Map<string, Entry>();
  readonly #sorted = new SortedKeys((key) => this.#entries.has(key));
  /** Descriptors of earlier generations, closed once no fdatasync may still use them. */
  readonly #retired: number[] = [];
  #generation = 0;
  #syncsRunning = 0;
  /** The log's clock: the largest `now` of any record replayed (expiry in checks uses it). */
  #logNow = Number.NEGATIVE_INFINITY;
  /** Estimated bytes the live keys take in the log: decides when compaction pays. */
  #liveBytes = 0;
  /** The next record's id: this instance's random writer id, then its sequence number. */
  readonly #id = Buffer.concat([randomBytes(8), Buffer.alloc(8)]);
  readonly #streams = new Set<FileWatchStream>();
  readonly #inFlight = new Map<string, PendingWrite>();
  #sequence = 0;
  #fd = -1;
  #marker: Buffer = Buffer.alloc(0);
  #reader: LogReader | undefined;
  #opening: Promise<void> | undefined;
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #flushing: Promise<void> | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  /**
   * Why the log is sealed but its next generation could not be written (a full disk, say): a
   * later attempt may succeed. Damage is {@link #damage}.
   */
  #nextGenerationError: unknown;
  /**
   * `KVKIT_CORRUPTED`: damage found in the current generation, which no retry heals. Either
   * replay skipped a whole record that failed its checksum (it rotted on disk; see
   * {@link LogReader}), so the index lacks writes every other process applied, or a compaction
   * found a live value that no longer matches its checksum. Either way this instance writes no
   * new generation from its index and takes no writes (a write's checks would be judged
   * against that index); reads go on from it. Cleared when it enters another generation,
   * written by a process that replayed the damaged bytes intact.
   */
  #damage: Error | undefined;
  /**
   * Set when an `fdatasync` of the log failed. The kernel may then have dropped the unwritten
   * pages and marked them clean, so a later `fdatasync` can succeed without them: nothing this
   * instance appends afterwards could be acknowledged truthfully. It takes no more writes
   * (fail-stop, as PostgreSQL does since "fsyncgate"). Reopening replays the log; it shows what
   * the disk holds only once the failed pages have left the page cache (a remount, a reboot).
   */
  #syncFailure: unknown;
  /** Which fsync set {@link #syncFailure}, for messages. */
  #syncFailureWhat: string | undefined;
  /**
   * The generation whose directory entry this instance made durable (durability `power`):
   * it fsyncs the store directory once per generation it enters, before appending there.
   */
  #syncedGeneration = -1;
  /**
   * Versions written by the group whose `fdatasync` failed. Their values are refused: whether
   * they are stored is known only after a reopen, and their pages may have been dropped and
   * read back from the disk as other bytes (zeros, say).
   */
  readonly #unknownVersions = new Set<string>();

  constructor(options: FileBackendOptions) {
    this.#directory = resolve(toPath(options.directory));
    this.#prefix = options.prefix ?? "";
    assertValidKeyPattern(this.#prefix, "prefix");
    this.#durability = options.durability ?? "power";
    if (!["none", "process", "power"].includes(this.#durability)) {
      throw new InvalidOptionError([`durability must be "none", "process" or "power"`]);
    }
    this.#now = options.clock ?? Date.now;
    this.#pollIntervalMs = options.pollIntervalMs ?? 20;
    this.#minFreeBytes = options.minFreeBytes ?? 64 * 1024 * 1024;
    this.#compactAtBytes = options.compactAtBytes ?? 64 * 1024 * 1024;
    this.manifest = manifestFor(this.#durability);
    this.#limits = this.manifest.limits;
  }

  async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    this.#begin(options);
    assertValidKey(key, this.#limits.maxKeyBytes);
    await this.#ready(options);
    const entry = this.#live(this.#prefix + key);
    return entry === undefined ? undefined : this.#readValue(key, entry);
  }

  async has(key: string, options?: OperationOptions): Promise<boolean> {
    this.#begin(options);
    assertValidKey(key, this.#limits.maxKeyBytes);
    await this.#ready(options);
    return this.#live(this.#prefix + key) !== undefined;
  }

  async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    this.#begin(options);
    assertValidKey(key, this.#limits.maxKeyBytes);
    assertValidValue(value, this.#limits.maxValueBytes);
    assertValidTtl(options?.ttlMs);
    if (this.#fd < 0) await this.#ready(options);
    await this.#commit(NO_CHECKS, [this.#setOp(key, value, options?.ttlMs)], options?.signal);
  }

  async delete(key: string, options?: OperationOptions): Promise<boolean> {
    this.#begin(options);
    assertValidKey(key, this.#limits.maxKeyBytes);
    if (this.#fd < 0) await this.#ready(options);
    const outcome = await this.#commit(
      [],
      [{ type: "delete", key: this.#prefix + key }],
      options?.signal,
    );
    return outcome.existed[0] === true;
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return { [Symbol.asyncIterator]: () => this.#list(options) };
  }

  async getMany(
    keys: readonly string[],
    options?: OperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    this.#begin(options);
    assertArray(keys, "keys");
    this.#assertBatchSize(keys.length);
    for (const key of keys) assertValidKey(key, this.#limits.maxKeyBytes);
    await this.#ready(options);
    return this.#readValues(
      keys,
      keys.map((key) => this.#live(this.#prefix + key)),
    );
  }

  async setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void> {
    this.#begin(options);
    assertArray(entries, "entries");
    this.#assertBatchSize(entries.length);
    for (const entry of entries) {
      if (typeof entry !== "object" || entry === null) {
        throw new TypeError(`A batch entry must be an object, not ${describeType(entry)}`);
      }
      assertValidKey(entry.key, this.#limits.maxKeyBytes);
      assertValidValue(entry.value, this.#limits.maxValueBytes);
    }
    assertValidTtl(options?.ttlMs);
    if (this.#fd < 0) await this.#ready(options);
    if (entries.length === 0) return;
    const ops = entries.map((entry) => this.#setOp(entry.key, entry.value, options?.ttlMs));
    await this.#commit([], ops, options?.signal);
  }

  async deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    this.#begin(options);
    assertArray(keys, "keys");
    this.#assertBatchSize(keys.length);
    for (const key of keys) assertValidKey(key, this.#limits.maxKeyBytes);
    if (this.#fd < 0) await this.#ready(options);
    if (keys.length === 0) return 0;
    const ops: PlannedOp[] = keys.map((key) => ({ type: "delete", key: this.#prefix + key }));
    const outcome = await this.#commit([], ops, options?.signal);
    return outcome.existed.filter(Boolean).length;
  }

  async getVersioned(key: string, options?: OperationOptions): Promise<VersionedValue | undefined> {
    this.#begin(options);
    assertValidKey(key, this.#limits.maxKeyBytes);
    await this.#ready(options);
    const entry = this.#live(this.#prefix + key);
    if (entry === undefined) return undefined;
    return { value: this.#readValue(key, entry), version: entry.version };
  }

  async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    this.#begin(options);
    assertValidKey(key, this.#limits.maxKeyBytes);
    assertValidVersion(expected, "expected");
    assertValidValue(value, this.#limits.maxValueBytes);
    assertValidTtl(options?.ttlMs);
    if (this.#fd < 0) await this.#ready(options);
    const outcome = await this.#commit(
      [{ key: this.#prefix + key, version: expected }],
      [this.#setOp(key, value, options?.ttlMs)],
      options?.signal,
    );
    if (!outcome.applied) throw new ConflictError([key]);
    return outcome.version;
  }

  async commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    this.#begin(options);
    const { checks, set: sets, delete: deletes } = validateCommit(operations, this.#limits);
    const encodedChecks: EncodedCheck[] = checks.map((check) => ({
      key: this.#prefix + check.key,
      version: check.version,
    }));
    const ops: PlannedOp[] = sets.map((set) => this.#setOp(set.key, set.value, set.ttlMs));
    for (const key of deletes) ops.push({ type: "delete", key: this.#prefix + key });
    if (this.#fd < 0) await this.#ready(options);
    const versions = new Map<string, Version>();
    if (encodedChecks.length === 0 && ops.length === 0) return { versions };
    const outcome = await this.#commit(encodedChecks, ops, options?.signal);
    if (!outcome.applied) {
      throw new ConflictError(outcome.failed.map((key) => key.slice(this.#prefix.length)));
    }
    for (const set of sets) versions.set(set.key, outcome.version);
    return { versions };
  }

  async expiresAt(key: string, options?: OperationOptions): Promise<number | null | undefined> {
    this.#begin(options);
    assertValidKey(key, this.#limits.maxKeyBytes);
    await this.#ready(options);
    const entry = this.#live(this.#prefix + key);
    if (entry === undefined) return undefined;
    return entry.expiresAt === 0 ? null : entry.expiresAt;
  }

  async watch(options: WatchOptions = {}): Promise<WatchStream> {
    this.#begin(options);
    const { key, prefix, cursor, bufferSize } = options;
    if (key !== undefined && prefix !== undefined) {
      throw new InvalidOptionError(["watch() takes key or prefix, not both"]);
    }
    if (key !== undefined) assertValidKey(key, this.#limits.maxKeyBytes);
    if (prefix !== undefined) assertValidKeyPattern(prefix, "prefix");
    if (cursor !== undefined) throw new NotSupportedError("resuming a watch from a cursor");
    if (bufferSize !== undefined) {
      if (typeof bufferSize !== "number") {
        throw new TypeError(`bufferSize must be a number, not ${describeType(bufferSize)}`);
      }
      if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
        throw new InvalidOptionError([`bufferSize must be a positive integer, not ${bufferSize}`]);
      }
    }
    await this.#ready(options);
    const stream = new FileWatchStream(
      key === undefined ? undefined : this.#prefix + key,
      this.#prefix + (prefix ?? ""),
      bufferSize ?? 1024,
      options.signal,
      () => {
        this.#streams.delete(stream);
        if (this.#streams.size === 0) this.#stopPolling();
      },
    );
    this.#streams.add(stream);
    this.#startPolling();
    return stream;
  }

  async health(options?: OperationOptions): Promise<HealthReport> {
    const started = performance.now();
    const report = (
      status: HealthReport["status"],
      details: Record<string, string | number | boolean>,
    ): HealthReport => ({
      status,
      latencyMs: performance.now() - started,
      checkedAt: Date.now(),
      details: { directory: this.#directory, durability: this.#durability, ...details },
    });
    if (this.#closing !== undefined) return report("unavailable", { error: "closed" });
    if (options?.signal?.aborted) return report("unavailable", { error: "aborted" });
    if (this.#syncFailure !== undefined) {
      return report("unavailable", { error: this.#syncFailureMessage() });
    }
    const budget = this.manifest.healthTimeoutMs - 50;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<string>((settle) => {
      timer = setTimeout(() => settle(`no answer within ${budget} ms`), budget);
      onAbort = () => settle("aborted");
      options?.signal?.addEventListener("abort", onAbort, { once: true });
    });
    const probe = async (): Promise<HealthReport> => {
      await this.#ready(undefined);
      if (this.#damage !== undefined) {
        // Nothing can be written here until the store is restored, or until a process that
        // replayed the damaged bytes intact writes the next generation.
        return report("unavailable", { error: this.#damage.message, code: "KVKIT_CORRUPTED" });
      }
      // Writes are refused while the generation's directory fsync cannot run (a retry here may
      // also make it run, or fail for good).
      const unsynced = this.#directoryUnsynced();
      if (unsynced !== undefined) return report("unavailable", { error: unsynced.message });
      if (this.#syncFailure !== undefined) {
        return report("unavailable", { error: this.#syncFailureMessage() });
      }
      // Proves the directory accepts a new file, as every write's log append needs space.
      const path = createTempFile(this.#directory, (fd) => writeAll(fd, new Uint8Array(1)), false);
      await unlink(path).catch(() => undefined);
      const space = await statfs(this.#directory);
      const freeBytes = Number(space.bavail) * Number(space.bsize);
      const logBytes = this.#fd >= 0 ? fstatSync(this.#fd).size : 0;
      return report(freeBytes < this.#minFreeBytes ? "degraded" : "ok", {
        writable: true,
        freeBytes,
        logBytes,
        generation: this.#generation,
        keys: this.#entries.size,
      });
    };
    try {
      const result = await Promise.race([probe(), interrupted]);
      if (typeof result === "string") return report("unavailable", { error: result });
      return result;
    } catch (error) {
      return report("unavailable", {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) options?.signal?.removeEventListener("abort", onAbort);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    for (const stream of [...this.#streams]) await stream.close();
    this.#stopPolling();
    const unwritten = this.#pending;
    this.#pending = [];
    for (const write of unwritten) this.#settle(write, new ClosedError());
    await this.#opening?.catch(() => undefined);
    await this.#flushing;
    for (const fd of this.#retired.splice(0)) closeSync(fd);
    if (this.#fd >= 0) {
      closeSync(this.#fd);
      this.#fd = -1;
    }
  }

  /** First check of every data method: closed, then aborted. */
  #begin(options: OperationOptions | undefined): void {
    if (this.#closing !== undefined) throw new ClosedError();
    throwIfAborted(options?.signal);
  }

  /**
   * Opens the store once, then catches up with the log so reads see every earlier write.
   * Writes call this only while the log is not open (`#fd < 0`): once it is, they queue their
   * record without an await, which keeps the path from one group's fsync to the next append
   * short, and their own replay brings the index up to date. The first write after the open
   * catches up too, so damage in the log (see {@link #damage}) refuses it before it is
   * appended.
   */
  async #ready(options: OperationOptions | undefined): Promise<void> {
    this.#opening ??= Promise.resolve().then(() => this.#open());
    try {
      await this.#opening;
    } catch (error) {
      this.#opening = undefined;
      throw error;
    }
    if (this.#closing !== undefined) throw new ClosedError();
    throwIfAborted(options?.signal);
    this.#catchUp();
  }

  #open(): void {
    if (this.#closing !== undefined) throw new ClosedError();
    this.#use(openLog(this.#directory, this.#durability === "power"));
  }

  /** Switches to a log generation and rebuilds the index from it. */
  #use(log: OpenedLog): void {
    this.#syncDirectoryFor(log.generation, log.fd);
    if (this.#fd >= 0) this.#retired.push(this.#fd);
    this.#fd = log.fd;
    this.#marker = log.marker;
    this.#generation = log.generation;
    this.#reader = new LogReader(log.fd, log.marker, log.firstRecord);
    this.#nextGenerationError = undefined;
    this.#damage = undefined;
    this.#entries.clear();
    this.#sorted.clear();
    this.#liveBytes = 0;
  }

  #catchUp(): void {
    if (this.#reader === undefined || this.#fd < 0) return;
    try {
      for (;;) {
        this.#reader.catchUp(
          (body, at) => this.#apply(body, at),
          (at, bytes) => this.#skippedDamaged(at, bytes),
        );
        if (!this.#reader.ended || !this.#nextGeneration()) break;
      }
    } catch (cause) {
      if (isBackendError(cause)) throw cause;
      throw new UnavailableError(`Cannot read the log in ${this.#directory}`, { cause });
    } finally {
      this.#closeRetired();
    }
  }

  /**
   * The log was sealed: move to the next generation, creating it from the index (which now
   * holds exactly the state at the seal) if no other process has yet. Records after a seal are
   * void; writes of this process among them are appended again by the flush.
   *
   * Returns `false`, staying at the seal, when the next generation cannot be written (such as
   * on a full disk) and no other process has written it: nothing can take effect until one
   * does, so the index, the state at the seal, stays current and reads are served from it;
   * writes are refused until a later catch-up writes it. Also when damage was found in this
   * generation ({@link #damage}): the index is then not to be copied, and only another process
   * can write the next generation.
   */
  #nextGeneration(): boolean {
    const next = this.#generation + 1;
    let log = openGeneration(this.#directory, next);
    if (log === undefined) {
      if (newestGeneration(this.#directory) > next) {
        this.#skipToNewest();
        return true;
      }
      // Damage does not heal: another attempt would read every live value again only to stop
      // at the same one, and an index that lacks a damaged record would make its loss
      // permanent for every process. Another process that replayed the damaged bytes intact
      // may still write the generation, and it is used then.
      if (this.#damage !== undefined) return false;
      this.#nextGenerationError = undefined;
      let made = false;
      try {
        made = createGeneration(
          this.#directory,
          next,
          (fd) => this.#writeSnapshot(fd, next),
          this.#durability === "power",
        );
      } catch (error) {
        if (newestGeneration(this.#directory) < next) {
          if (isBackendError(error, "KVKIT_CORRUPTED")) this.#damage = error;
          else this.#nextGenerationError = error;
          return false;
        }
        // Another process wrote it meanwhile: use theirs.
      }
      // Before the old generation below is removed: the new name must be durable first.
      // A failure is not "another process was first" (the link succeeded). A directory that
      // could not be opened is tried again when this instance enters the generation below,
      // and before every append there until it works, as for any entered generation.
      if (made) this.#syncDirectoryFor(next);
      // Old generations are removed only far behind, so a generation's name is never free
      // again while a process could still be about to create it. Not before the new name is
      // durable: the next open sweeps them then.
      const durable = this.#durability !== "power" || this.#syncedGeneration === next;
      if (made && durable && next > RETAINED_GENERATIONS) {
        removeGeneration(this.#directory, next - RETAINED_GENERATIONS - 1);
      }
      log = openGeneration(this.#directory, next);
      if (log === undefined || newestGeneration(this.#directory) > next) {
        if (log !== undefined) {
          // A newer generation appeared just as this one was linked: seal it at once, so a
          // process that enters it moves straight on.
          if (made) this.#sealFile(log.fd);
          closeSync(log.fd);
        }
        this.#skipToNewest();
        return true;
      }
    }
    this.#use(log);
    return true;
  }

  /**
   * With durability `power`, fsyncs the store directory once per generation this instance
   * enters (opens, creates or moves to), before anything is appended there. Its creator fsyncs
   * the directory after the link too, but may have died (or its fsync failed) in between: the
   * link, and with it every write acknowledged in that generation, might then not survive a
   * power loss. A reopened store is entered anew, so a retried open fsyncs again. With `fd`
   * (the generation's file, as entered) the file is fsynced first: an instance with durability
   * `process` links a generation without fsyncing it, and a durable link to bytes still in the
   * page cache would, after a power loss, replace every write acknowledged before the seal.
   *
   * A failed fsync is fail-stop: trying again proves nothing, since, as after a failed
   * fdatasync (see {@link #syncFailure}), a later fsync can succeed without the lost metadata.
   * Writes are refused until a reopen; reads go on from the index. An instance already failed
   * stops fsyncing.
   *
   * A directory that cannot be opened (EMFILE, ENFILE, EACCES, ENOMEM) is not: no fsync ran,
   * so nothing can have been lost. The generation stays unsynced and the error is returned;
   * {@link #flush} calls this again before every append until it succeeds, and refuses the
   * writes meanwhile (see {@link #directoryUnsynced}).
   *
   * @returns the error of the open, if the directory could not be opened.
   */
  #syncDirectoryFor(generation: number, fd?: number): unknown {
    if (this.#durability !== "power" || this.#syncFailure !== undefined) return undefined;
    if (generation === this.#syncedGeneration) return undefined;
    let directoryFd: number;
    try {
      // Opened first: an open that fails has then run no fsync at all.
      directoryFd = openDirectory(this.#directory);
    } catch (error) {
      return error;
    }
    let what = `An fsync of log generation ${generation}`;
    try {
      try {
        if (fd !== undefined) fsyncSync(fd);
        what = "An fsync of the store directory";
        fsyncSync(directoryFd);
      } finally {
        closeSync(directoryFd);
      }
      this.#syncedGeneration = generation;
    } catch (error) {
      this.#syncFailure = error;
      this.#syncFailureWhat = what;
    }
    return undefined;
  }

  /**
   * Makes sure the current generation's directory entry is durable before a group is appended
   * to it, trying the directory fsync again after an open of the directory failed. Returns the
   * error to refuse the group with (`KVKIT_UNAVAILABLE`, the failed open as `cause`), or
   * `undefined` when it may be appended, or when the fsync itself failed just now: then
   * {@link #syncFailure} is set and refuses it.
   */
  #directoryUnsynced(): UnavailableError | undefined {
    if (this.#durability !== "power" || this.#generation === this.#syncedGeneration) {
      return undefined;
    }
    const cause = this.#syncDirectoryFor(this.#generation, this.#fd);
    if (cause === undefined) return undefined;
    return new UnavailableError(
      `Could not open the store directory ${this.#directory} to fsync it before appending to log generation ${this.#generation}; nothing was written, and the next write tries again`,
      { cause },
    );
  }

  /**
   * This instance fell more than a generation behind (it stalled through two compactions):
   * it rebuilds from the newest one, and watchers are told events may have been missed.
   */
  #skipToNewest(): void {
    this.#use(openLog(this.#directory, this.#durability === "power"));
    for (const stream of this.#streams) stream.push({ type: "gap", reason: "reconnect" });
  }

  /**
   * Writes the next generation: header, then one snapshot record per live key.
   *
   * @throws {CorruptedError} `KVKIT_CORRUPTED` when a live value no longer matches the
   *   checksum taken at replay: the snapshot would give the damaged bytes a fresh, valid one.
   */
  #writeSnapshot(fd: number, generation: number): void {
    const floor = this.#logNow;
    const chunk: Buffer[] = [encodeFileHeader(this.#marker, generation)];
    let chunkBytes = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== 0 && entry.expiresAt <= floor) continue;
      const record = encodeSnapshotRecord(this.#marker, {
        version: entry.version,
        now: floor,
        key,
        expiresAt: entry.expiresAt,
        // Checked against the value's own checksum: rot in bytes no live key holds (an
        // overwritten value inside a batch record, say) does not stop the compaction.
        value: this.#readValue(key, entry),
      });
      chunk.push(record);
      chunkBytes += record.length;
      if (chunkBytes >= 1024 * 1024) {
        writeAll(fd, Buffer.concat(chunk));
        chunk.length = 0;
        chunkBytes = 0;
      }
    }
    writeAll(fd, Buffer.concat(chunk));
  }

  #sealFile(fd: number): void {
    writeAll(fd, encodeSealRecord(this.#marker, this.#nextId(), this.#now()));
  }

  /** The id of a new record; valid until the next call (encoding copies it). */
  #nextId(): Buffer {
    this.#sequence++;
    this.#id.writeUInt32BE(Math.floor(this.#sequence / 2 ** 32), 8);
    this.#id.writeUInt32BE(this.#sequence >>> 0, 12);
    return this.#id;
  }

  /**
   * Seals the log when it has grown well past its live data; the next catch-up compacts. Not
   * after damage was found ({@link #damage}): the seal would stop every process's writes
   * until one that can write the next generation comes by.
   */
  #compactIfWorthIt(): void {
    const size = this.#reader?.position ?? 0;
    if (this.#compactAtBytes <= 0 || size < this.#compactAtBytes || size < 2 * this.#liveBytes) {
      return;
    }
    if (this.#damage !== undefined) return;
    try {
      this.#sealFile(this.#fd);
      this.#catchUp();
    } catch {
      // Compaction is an optimisation: a failure leaves the log as it was (or sealed, in which
      // case the next catch-up, here or in another process, finishes the job).
    }
  }

  /** fdatasync on the thread pool; a retired descriptor stays open until none is running. */
  #sync(fd: number): Promise<unknown> {
    this.#syncsRunning++;
    return new Promise<unknown>((settle) =>
      fdatasync(fd, (error) => {
        this.#syncsRunning--;
        settle(error);
      }),
    );
  }

  #closeRetired(): void {
    if (this.#syncsRunning > 0) return;
    for (const fd of this.#retired.splice(0)) closeSync(fd);
  }

  #live(fullKey: string): Entry | undefined {
    const entry = this.#entries.get(fullKey);
    if (entry === undefined) return undefined;
    return entry.expiresAt === 0 || entry.expiresAt > this.#now() ? entry : undefined;
  }

  /**
   * The value `entry` locates, read from the log and compared with its checksum.
   *
   * @throws {CorruptedError} `KVKIT_CORRUPTED` when the bytes no longer match it.
   */
  #readValue(key: string, entry: Entry): Uint8Array {
    this.#assertKnown(entry);
    const bytes = this.#readAt(entry.valuePosition, entry.valueBytes);
    this.#assertIntact(key, entry, bytes, 0);
    return bytes;
  }

  /**
   * {@link #readValue} for many keys. Values that lie close together in the log (such as those
   * of one batch record) are read with one `pread` of the span that holds them; each value is
   * still checked against its own checksum.
   */
  #readValues(
    keys: readonly string[],
    entries: readonly (Entry | undefined)[],
  ): (Uint8Array | undefined)[] {
    const values: (Uint8Array | undefined)[] = new Array(entries.length).fill(undefined);
    const order: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry === undefined) continue;
      this.#assertKnown(entry);
      order.push(i);
    }
    order.sort((a, b) => (entries[a] as Entry).valuePosition - (entries[b] as Entry).valuePosition);
    let runStart = 0;
    while (runStart < order.length) {
      const first = entries[order[runStart] as number] as Entry;
      let end = first.valuePosition + first.valueBytes;
      let runEnd = runStart + 1;
      for (; runEnd < order.length; runEnd++) {
        const next = entries[order[runEnd] as number] as Entry;
        if (next.valuePosition - end > COALESCE_GAP_BYTES) break;
        end = Math.max(end, next.valuePosition + next.valueBytes);
      }
      if (runEnd - runStart === 1) {
        const index = order[runStart] as number;
        values[index] = this.#readValue(keys[index] as string, first);
      } else {
        const span = this.#readAt(first.valuePosition, end - first.valuePosition);
        for (let at = runStart; at < runEnd; at++) {
          const index = order[at] as number;
          const entry = entries[index] as Entry;
          const offset = entry.valuePosition - first.valuePosition;
          this.#assertIntact(keys[index] as string, entry, span, offset);
          values[index] = new Uint8Array(span.subarray(offset, offset + entry.valueBytes));
        }
      }
      runStart = runEnd;
    }
    return values;
  }

  /** Rejects when `bytes` at `offset` no longer match the checksum `entry` took at replay. */
  #assertIntact(key: string, entry: Entry, bytes: Uint8Array, offset: number): void {
    if (valueChecksum(bytes, offset, offset + entry.valueBytes) === entry.valueChecksum) return;
    throw new CorruptedError(
      `The value of ${JSON.stringify(key)} at byte ${entry.valuePosition} of ${logFileName(this.#generation)} in ${this.#directory} no longer matches its checksum; restore the store from a backup`,
    );
  }

  #assertKnown(entry: Entry): void {
    if (this.#syncFailure !== undefined && this.#unknownVersions.has(entry.version)) {
      throw new UnavailableError(
        `The value was written by a write whose fdatasync failed in ${this.#directory}; reopen the store to read what was stored`,
        { cause: this.#syncFailure },
      );
    }
  }

  /** `length` bytes of the log at `position`, in a new plain array. */
  #readAt(position: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    let done = 0;
    try {
      while (done < length) {
        const read = readSync(this.#fd, bytes, done, length - done, position + done);
        if (read === 0) throw new Error("the log ended inside a value");
        done += read;
      }
    } catch (cause) {
      throw new UnavailableError(`Cannot read a value from the log in ${this.#directory}`, {
        cause,
      });
    }
    return bytes;
  }

  /** Says which fsync failed (see {@link #syncFailure}), with its error code. */
  #syncFailureMessage(): string {
    const code = (this.#syncFailure as { code?: unknown } | null)?.code;
    return `${this.#syncFailureWhat ?? "An fsync"} failed${typeof code === "string" ? ` (${code})` : ""}`;
  }

  /**
   * Why a write cannot be taken while the log is sealed and its next generation is not
   * written: `KVKIT_CORRUPTED` when the cause is damage (no retry helps), otherwise
   * `KVKIT_UNAVAILABLE` (a full disk, say, which may pass).
   */
  #nextGenerationFailure(message: string, cause: unknown): Error {
    return isBackendError(cause, "KVKIT_CORRUPTED")
      ? new CorruptedError(message, { cause })
      : new UnavailableError(message, { cause });
  }

  #setOp(key: string, value: Uint8Array, ttlMs: number | undefined): PlannedOp {
    return { type: "set", key: this.#prefix + key, value, ttlMs, expiresAt: 0 };
  }

  #assertBatchSize(size: number): void {
    if (size > this.#limits.maxBatchSize) {
      throw new TooLargeError("batch", size, this.#limits.maxBatchSize);
    }
  }

  /**
   * Replays one record: checks its preconditions at its place in the log, applies it or not.
   * Returns `false` for a seal, after which the rest of this generation is void.
   */
  #apply(body: Buffer, recordStart: number): boolean {
    let record: DecodedRecord | undefined;
    try {
      record = decodeRecord(body);
    } catch {
      record = undefined;
    }
    if (record === undefined) return true;
    if (record.kind === "commit") {
      this.#applyCommit(
        record,
        recordStart,
        this.#inFlight.get(record.version),
        body,
        -RECORD_HEADER_BYTES,
      );
      return true;
    }
    this.#logNow = Math.max(this.#logNow, record.now);
    if (record.kind === "seal") return false;
    this.#store(record.key, {
      version: record.version,
      valuePosition: recordStart + record.valueAt,
      valueBytes: record.valueBytes,
      valueChecksum: valueChecksum(
        body,
        record.valueAt - RECORD_HEADER_BYTES,
        record.valueAt - RECORD_HEADER_BYTES + record.valueBytes,
      ),
      expiresAt: record.expiresAt,
    });
    return true;
  }

  /**
   * Replays one commit record at its place in the log (see {@link #apply}); `waiting` is the
   * write of this instance that appended it, which learns the outcome. The record's bytes are
   * in `bytes`, its first byte at `bytesAt` (negative when `bytes` is the body alone).
   */
  #applyCommit(
    record: DecodedCommit,
    recordStart: number,
    waiting: PendingWrite | undefined,
    bytes: Uint8Array,
    bytesAt: number,
  ): void {
    if (waiting !== undefined) waiting.afterDamage = this.#damage;
    // Expiry in checks is judged at the log's own clock, which only moves forward, so every
    // process decides alike (and a compaction may drop what expired by the seal).
    this.#logNow = Math.max(this.#logNow, record.now);
    const judgeAt = this.#logNow;
    const failed: string[] = [];
    for (const check of record.checks) {
      const entry = this.#entries.get(check.key);
      const live = entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > judgeAt);
      if ((live ? entry.version : null) !== check.version) failed.push(check.key);
    }
    if (failed.length > 0) {
      if (waiting !== undefined) {
        waiting.outcome = { applied: false, failed, existed: [], version: record.version };
      }
      return;
    }
    const existed: boolean[] = [];
    for (const op of record.ops) {
      const prior = this.#entries.get(op.key);
      if (op.type === "set") {
        this.#store(op.key, {
          version: record.version,
          valuePosition: recordStart + op.valueAt,
          valueBytes: op.valueBytes,
          valueChecksum: valueChecksum(
            bytes,
            bytesAt + op.valueAt,
            bytesAt + op.valueAt + op.valueBytes,
          ),
          expiresAt: op.expiresAt,
        });
        existed.push(false);
        this.#emit("set", op.key, record.version);
      } else {
        const live = prior !== undefined && (prior.expiresAt === 0 || prior.expiresAt > judgeAt);
        if (prior !== undefined) {
          this.#entries.delete(op.key);
          this.#sorted.remove();
          this.#liveBytes -= footprint(op.key, prior);
        }
        existed.push(live);
        if (live) this.#emit("delete", op.key, record.version);
      }
    }
    if (waiting !== undefined) {
      waiting.outcome = { applied: true, failed: NO_KEYS, existed, version: record.version };
    }
  }

  /**
   * Replay skipped a whole record that failed its checksum (see {@link LogReader}): it rotted
   * on disk, and the index lacks its writes, which every process that replayed it intact
   * applied. The first such record of a generation is kept as {@link #damage}.
   */
  #skippedDamaged(recordStart: number, recordBytes: number): void {
    this.#damage ??= new CorruptedError(
      `The record of ${recordBytes} bytes at byte ${recordStart} of ${logFileName(this.#generation)} in ${this.#directory} is whole but fails its checksum (it rotted on disk), so its writes are missing here: this instance takes no writes and writes no log generation; restore the store from a backup`,
    );
    // Its writes produce no events. The spec has no reason for this; "reconnect" says what
    // #skipToNewest's gap says: re-read the keys watched.
    for (const stream of this.#streams) stream.push({ type: "gap", reason: "reconnect" });
  }

  #store(key: string, entry: Entry): void {
    const prior = this.#entries.get(key);
    if (prior === undefined) this.#sorted.add(key);
    else this.#liveBytes -= footprint(key, prior);
    this.#entries.set(key, entry);
    this.#liveBytes += footprint(key, entry);
  }

  #emit(type: "set" | "delete", fullKey: string, version: string): void {
    if (this.#streams.size === 0 || !fullKey.startsWith(this.#prefix)) return;
    const key = fullKey.slice(this.#prefix.length);
    for (const stream of this.#streams) {
      if (stream.matches(fullKey)) stream.push({ type, key, version });
    }
  }

  /** Queues a commit record for the next group append; resolves what replaying it decided. */
  #commit(
    checks: readonly EncodedCheck[],
    ops: readonly PlannedOp[],
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    const id = this.#nextId();
    const now = this.#now();
    for (const op of ops) {
      if (op.type === "set" && op.ttlMs !== undefined) op.expiresAt = now + op.ttlMs;
    }
    // The value is copied into the record here: the caller may reuse its buffer at once.
    const commit = encodeCommit(this.#marker, { id, now, checks, ops });
    return new Promise<Outcome>((resolvePromise, rejectPromise) => {
      const write: PendingWrite = {
        commit,
        signal,
        resolve: resolvePromise,
        reject: rejectPromise,
        onAbort: undefined,
        outcome: undefined,
        afterDamage: undefined,
      };
      if (signal !== undefined) {
        // Until its bytes are appended a write can still be withdrawn; after that it stands.
        write.onAbort = () => {
          const index = this.#pending.indexOf(write);
          if (index >= 0) {
            this.#pending.splice(index, 1);
            this.#settle(write, new AbortedError(signal.reason));
          }
        };
        signal.addEventListener("abort", write.onAbort, { once: true });
      }
      this.#pending.push(write);
      this.#scheduleFlush();
    });
  }

  #settle(write: PendingWrite, error: unknown, outcome?: Outcome): void {
    if (write.onAbort !== undefined) write.signal?.removeEventListener("abort", write.onAbort);
    if (outcome !== undefined) write.resolve(outcome);
    else write.reject(error);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing !== undefined) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        if (this.#pending.length > 0) this.#scheduleFlush();
      });
    });
  }

  /**
   * Group commit: every write queued so far goes out in one `write(2)` and one `fdatasync`.
   * Each write then learns its fate by replaying the log up to and including its record.
   */
  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      if (this.#fd < 0) {
        for (const write of batch) this.#settle(write, new ClosedError());
        return;
      }
      if (this.#syncFailure !== undefined) {
        const cause = this.#syncFailure;
        for (const write of batch) {
          this.#settle(
            write,
            new UnavailableError(
              `${this.#syncFailureMessage()} in ${this.#directory}; reopen the store to write again`,
              { cause },
            ),
          );
        }
        continue;
      }
      if (this.#reader?.ended || this.#damage !== undefined) {
        // The log is sealed and its next generation could not be written yet (a record
        // appended after the seal would be void), or damage was found in this generation: catch
        // up first, as another process may have written the next generation meanwhile.
        let cause: unknown;
        try {
          this.#catchUp();
        } catch (error) {
          cause = error;
        }
        const damage = this.#damage;
        if (damage !== undefined) {
          for (const write of batch) {
            this.#settle(
              write,
              new CorruptedError(`Cannot write to ${this.#directory}: ${damage.message}`, {
                cause: damage,
              }),
            );
          }
          continue;
        }
        if (this.#reader?.ended) {
          for (const write of batch) {
            this.#settle(
              write,
              this.#nextGenerationFailure(
                `Cannot write the next log generation in ${this.#directory}`,
                cause ?? this.#nextGenerationError,
              ),
            );
          }
          continue;
        }
        if (this.#syncFailure !== undefined) {
          // Entering the next generation failed its directory fsync (fail-stop): the check
          // above ran before it, so go round again and refuse the batch there.
          this.#pending.unshift(...batch);
          continue;
        }
      }
      // No write is acknowledged in a generation whose directory fsync has not succeeded:
      // after a failed open of the directory (retryable), try it again now.
      const unsynced = this.#directoryUnsynced();
      if (unsynced !== undefined) {
        for (const write of batch) this.#settle(write, unsynced);
        continue;
      }
      if (this.#syncFailure !== undefined) {
        // That retry's fsync failed (fail-stop): refuse the batch at the check above.
        this.#pending.unshift(...batch);
        continue;
      }
      const generation = this.#generation;
      const bytes =
        batch.length === 1
          ? (batch[0] as PendingWrite).commit.bytes
          : Buffer.concat(batch.map((w) => w.commit.bytes));
      const start = this.#reader?.position ?? -1;
      let writeError: unknown;
      let syncError: unknown;
      let written = 0;
      try {
        written = writeSync(this.#fd, bytes);
        if (written !== bytes.length)
          writeError = new Error(`short write: ${written} of ${bytes.length} bytes`);
      } catch (error) {
        writeError = error;
      }
      // Replaying (CPU) overlaps the fdatasync (I/O, on the thread pool); no write settles
      // before both are done. A short write (a full disk) may still hold whole records, which
      // the catch-up below acknowledges: they are synced too.
      const syncing =
        written > 0 && this.#durability === "power" ? this.#sync(this.#fd) : undefined;
      let readError: unknown;
      let replayed = false;
      try {
        replayed = writeError === undefined && this.#replayOwn(batch, start, bytes.length);
        if (!replayed) {
          // Whichever catch-up replays the group's records (this one, or one during the sync
          // if this one stops short) hands each write its outcome.
          for (const write of batch) this.#inFlight.set(write.commit.version, write);
          this.#catchUp();
        }
      } catch (error) {
        readError = error;
      }
      syncError = await syncing;
      if (syncError != null) {
        this.#syncFailure ??= syncError;
        this.#syncFailureWhat ??= "An fdatasync of the log";
        for (const write of batch) this.#unknownVersions.add(write.commit.version);
      }
      this.#closeRetired();
      const retry: PendingWrite[] = [];
      for (const write of batch) {
        if (!replayed) this.#inFlight.delete(write.commit.version);
        const outcome = write.outcome;
        if (outcome === undefined && this.#generation !== generation && writeError === undefined) {
          // Appended after a seal, so void: it goes out again, into the new generation.
          retry.push(write);
          continue;
        }
        if (outcome !== undefined && syncError == null && write.afterDamage === undefined) {
          this.#settle(write, undefined, outcome);
        } else if (outcome !== undefined || (writeError === undefined && readError !== undefined)) {
          // Appended, but not known to be durable (fsync failed), not replayed, or replayed
          // after a damaged record (its outcome here need not be the store's): it may or may
          // not be part of the store.
          this.#settle(
            write,
            new OutcomeUnknownError(
              `The write to ${this.#directory} may or may not have been stored`,
              {
                cause: syncError ?? write.afterDamage ?? readError,
              },
            ),
          );
        } else {
          this.#settle(
            write,
            writeError === undefined
              ? // Appended after a seal (void) whose next generation is not written.
                this.#nextGenerationFailure(
                  `Cannot append to the log in ${this.#directory}`,
                  this.#damage ?? this.#nextGenerationError,
                )
              : new UnavailableError(`Cannot append to the log in ${this.#directory}`, {
                  cause: writeError,
                }),
          );
        }
      }
      this.#pending.unshift(...retry);
      if (retry.length === 0 && this.#syncFailure === undefined) this.#compactIfWorthIt();
    }
  }

  /**
   * Replays a group this instance just appended at `start` from the records it already holds,
   * without reading them back, when they are all the log grew by since replay stood at
   * `start`. Returns `false` (nothing replayed) otherwise; {@link #catchUp} reads then.
   */
  #replayOwn(batch: readonly PendingWrite[], start: number, length: number): boolean {
    if (this.#reader === undefined || !this.#reader.skipOwnAppend(start, length)) return false;
    let recordStart = start;
    for (const write of batch) {
      this.#applyCommit(write.commit, recordStart, write, write.commit.bytes, 0);
      recordStart += write.commit.bytes.length;
    }
    return true;
  }

  async *#list(options: ListOptions): AsyncGenerator<ListEntry> {
    this.#begin(options);
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`list() options must be an object, not ${describeType(options)}`);
    }
    const prefix = options.prefix ?? "";
    assertValidKeyPattern(prefix, "prefix");
    if (options.start !== undefined) assertValidKeyPattern(options.start, "start");
    if (options.end !== undefined) assertValidKeyPattern(options.end, "end");
    const { start, end, limit } = options;
    if (limit !== undefined) {
      if (typeof limit !== "number") {
        throw new TypeError(`limit must be a number, not ${describeType(limit)}`);
      }
      if (!Number.isSafeInteger(limit) || limit < 0) {
        throw new InvalidOptionError([`limit must be a non-negative integer, not ${limit}`]);
      }
    }
    const reverse = options.reverse === true;
    const codec = new ListCursor(prefix, start, end, reverse);
    if (options.cursor !== undefined && typeof options.cursor !== "string") {
      throw new TypeError(`cursor must be a string, not ${describeType(options.cursor)}`);
    }
    let last =
      options.cursor === undefined ? undefined : this.#prefix + codec.decode(options.cursor);
    await this.#ready(options);
    const fullPrefix = this.#prefix + prefix;
    const low =
      start !== undefined && compareKeys(start, prefix) > 0 ? this.#prefix + start : fullPrefix;
    const high = end === undefined ? undefined : this.#prefix + end;
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      this.#begin(options);
      this.#catchUp();
      const sorted = this.#sorted.snapshot();
      const now = this.#now();
      const page: string[] = [];
      let done = false;
      if (!reverse) {
        let index =
          last === undefined || compareKeys(last, low) < 0
            ? lowerBound(sorted, low, false)
            : lowerBound(sorted, last, true);
        for (; index < sorted.length && page.length < Math.min(LIST_PAGE, remaining); index++) {
          const key = sorted[index] as string;
          if (!key.startsWith(fullPrefix) || (high !== undefined && compareKeys(key, high) >= 0)) {
            done = true;
            break;
          }
          if (this.#isLiveAt(key, now)) page.push(key);
        }
        if (index >= sorted.length) done = true;
      } else {
        let index =
          (last === undefined
            ? high === undefined
              ? prefixEnd(sorted, fullPrefix)
              : Math.min(lowerBound(sorted, high, false), prefixEnd(sorted, fullPrefix))
            : lowerBound(sorted, last, false)) - 1;
        for (; index >= 0 && page.length < Math.min(LIST_PAGE, remaining); index--) {
          const key = sorted[index] as string;
          if (compareKeys(key, low) < 0) {
            done = true;
            break;
          }
          if (key.startsWith(fullPrefix) && this.#isLiveAt(key, now)) page.push(key);
        }
        if (index < 0) done = true;
      }
      for (const key of page) {
        this.#begin(options);
        const userKey = key.slice(this.#prefix.length);
        yield { key: userKey, cursor: codec.encode(userKey) };
        remaining--;
        last = key;
      }
      if (done || page.length === 0) return;
    }
  }

  #isLiveAt(fullKey: string, now: number): boolean {
    const entry = this.#entries.get(fullKey);
    return entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > now);
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined) return;
    this.#pollTimer = setInterval(() => {
      try {
        this.#catchUp();
      } catch {
        // A failed read is retried at the next tick; watchers get the events then.
      }
    }, this.#pollIntervalMs);
  }

  #stopPolling(): void {
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }
}

/** Roughly the bytes a key's record takes in the log (header, id, fields, key, value). */
function footprint(key: string, entry: Entry): number {
  return 64 + key.length + entry.valueBytes;
}

/** Index just past the last key in `sorted` that is below or starts with `prefix`. */
function prefixEnd(sorted: readonly string[], prefix: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const key = sorted[middle] as string;
    if (compareKeys(key, prefix) < 0 || key.startsWith(prefix)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function toPath(directory: unknown): string {
  if (directory instanceof URL) {
    if (directory.protocol !== "file:") {
      throw new InvalidOptionError([
        `directory must be a path or a file: URL, not ${directory.href}`,
      ]);
    }
    return fileURLToPath(directory);
  }
  if (typeof directory !== "string" || directory === "") {
    throw new InvalidOptionError([
      `directory must be a non-empty path or a file: URL, not ${describeType(directory)}`,
    ]);
  }
  return directory.startsWith("file:") ? fileURLToPath(directory) : directory;
}

function assertArray(value: unknown, what: string): void {
  if (!Array.isArray(value))
    throw new TypeError(`${what} must be an array, not ${describeType(value)}`);
}
