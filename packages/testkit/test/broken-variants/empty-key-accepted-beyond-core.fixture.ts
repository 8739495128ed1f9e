// compareAndSet(), the checks and deletes of commit(), deleteMany(), expiresAt() and
// watch({ key }) check keys with the rule for prefixes (assertValidKeyPattern, which allows
// the empty string) instead of assertValidKey: the empty key is taken as an ordinary key
// instead of being refused with KVKIT_INVALID_KEY. The other methods refuse it.
import { MemoryBackend, MemoryStore } from "@kvkit/backend-memory";
import {
  type AtomicCommit,
  type CommitResult,
  ConflictError,
  type OperationOptions,
  type Version,
  type WatchOptions,
  type WatchStream,
  type WriteOptions,
} from "@kvkit/spec";
import { filterStream } from "./filter-stream.ts";
import { runVariant, type VariantOptions } from "./run-variant.ts";

/** `list` without its entries of the empty key, unchanged if it is not an array. */
function withoutEmpty<T>(list: readonly T[] | undefined, key: (item: T) => unknown) {
  return Array.isArray(list) ? list.filter((item) => key(item) !== "") : list;
}

class EmptyKeyAcceptedBeyondCore extends MemoryBackend {
  readonly #store: MemoryStore;
  /** The full key of "": the namespace itself. */
  readonly #emptyKey: string;
  readonly #now: () => number;

  constructor(options: VariantOptions) {
    const store = MemoryStore.named(options.store);
    super({ ...options, store });
    this.#store = store;
    this.#emptyKey = options.prefix;
    this.#now = options.clock ?? Date.now;
  }

  override async compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version> {
    if (key !== "") return super.compareAndSet(key, expected, value, options);
    const handle = this.#store.read(this.#emptyKey, this.#now);
    const current = handle === undefined ? null : String(this.#store.values.version(handle));
    if (current !== expected) throw new ConflictError([key]);
    return String(this.#store.write(this.#emptyKey, value, Number.POSITIVE_INFINITY));
  }

  override commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult> {
    if (typeof operations !== "object" || operations === null) {
      return super.commit(operations, options);
    }
    // The empty key passes as a key that does not exist: checks of its absence hold, and
    // deleting it deletes nothing.
    const checks = withoutEmpty(operations.checks, (check) =>
      check?.version === null ? check.key : undefined,
    );
    const deletes = withoutEmpty(operations.delete, (key) => key);
    return super.commit({ ...operations, checks, delete: deletes }, options);
  }

  override deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number> {
    return super.deleteMany(withoutEmpty(keys, (key) => key) as readonly string[], options);
  }

  override async expiresAt(
    key: string,
    options?: OperationOptions,
  ): Promise<number | null | undefined> {
    if (key !== "") return super.expiresAt(key, options);
    const handle = this.#store.read(this.#emptyKey, this.#now);
    return handle === undefined ? undefined : null;
  }

  override async watch(options?: WatchOptions): Promise<WatchStream> {
    if (options?.key !== "") return super.watch(options);
    const stream = await super.watch({ ...options, key: undefined });
    return filterStream(stream, (event) => event.type === "gap" || event.key === "");
  }
}

runVariant("empty-key-accepted-beyond-core", (options) => new EmptyKeyAcceptedBeyondCore(options));
