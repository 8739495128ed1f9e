import { ChangeLog } from "./change-log.ts";
import { SortedKeyIndex } from "./sorted-key-index.ts";
import { TOMBSTONE, ValueHeap } from "./value-heap.ts";

/** Options of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How many recent writes the store keeps for resuming watches from a cursor. A cursor
   * older than that resumes with a `gap` event (reason `"cursor-expired"`). Default 10 000.
   */
  readonly changeLogSize?: number | undefined;
}

const named = new Map<string, MemoryStore>();
let storeCount = 0;

/**
 * The data behind one or more {@link MemoryBackend}s: every instance given the same store
 * (the same object, or the same name through {@link MemoryStore.named}) shares its keys,
 * versions and watchers. A store lives as long as something references it; a named store
 * lives until {@link MemoryStore.forget} is called.
 *
 * Keys here are full keys, namespace included. Applications create, name and forget stores;
 * the remaining members are the engine `MemoryBackend` drives.
 */
export class MemoryStore {
  /**
   * Every key: the handle of its value in {@link values}, or `TOMBSTONE` for a deleted key
   * that keeps its place in the index until the next purge.
   */
  readonly entries: Map<string, number> = new Map();
  /** The keys of {@link entries} in UTF-8 byte order, for listing. */
  readonly index: SortedKeyIndex = new SortedKeyIndex();
  /** Recent writes and the watchers they go to. */
  readonly changes: ChangeLog;
  /** The stored values, with their versions and expiry. */
  readonly values: ValueHeap = new ValueHeap(this.entries);
  /** The last version handed out; versions are store-wide, so never reused for a key. */
  lastVersion = 0;
  /** How many entries are tombstones. */
  tombstones = 0;

  constructor(options: MemoryStoreOptions = {}) {
    const size = options.changeLogSize ?? 10_000;
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`changeLogSize must be a positive integer, not ${size}`);
    }
    storeCount++;
    this.changes = new ChangeLog(
      `m${storeCount.toString(36)}${Math.random().toString(36).slice(2, 8)}`,
      size,
    );
  }

  /** The process-wide store called `name`, created on first use. */
  static named(name: string): MemoryStore {
    let store = named.get(name);
    if (store === undefined) {
      store = new MemoryStore();
      named.set(name, store);
    }
    return store;
  }

  /**
   * Drops the name `name`: the next {@link named} call with it creates an empty store.
   * Instances already open on the old store keep using it. Returns whether the name existed.
   */
  static forget(name: string): boolean {
    return named.delete(name);
  }

  /** The number of live keys, expired ones included until they are noticed. */
  get size(): number {
    return this.entries.size - this.tombstones;
  }

  /**
   * The handle of the live value of `key` at time `now` (read it through {@link values}), or
   * `undefined`; an expired value is removed.
   */
  read(key: string, now: () => number): number | undefined {
    const handle = this.entries.get(key);
    if (handle === undefined || handle === TOMBSTONE) return undefined;
    const expiresAt = this.values.expiresAt(handle);
    if (expiresAt !== Number.POSITIVE_INFINITY && expiresAt <= now()) {
      // Expiry is silent: no delete event (the spec's watch contract).
      this.#bury(key, handle);
      return undefined;
    }
    return handle;
  }

  /** Stores a copy of `source` (validated by the caller) and resolves the new version. */
  write(key: string, source: Uint8Array, expiresAt: number): number {
    const version = ++this.lastVersion;
    const old = this.entries.get(key);
    // A value of the same size overwrites the record in place: no allocation at all.
    if (
      old === undefined ||
      old === TOMBSTONE ||
      !this.values.overwrite(old, source, version, expiresAt)
    ) {
      this.entries.set(key, this.values.allocate(key, source, version, expiresAt));
      if (old === undefined) this.index.add(key);
      else if (old === TOMBSTONE) this.tombstones--;
      else this.values.release(old);
    }
    if (this.changes.recording) this.changes.append(version, "set", key);
    return version;
  }

  /** Deletes `key`, whose live value (from {@link read}) is `handle`. */
  remove(key: string, handle: number): void {
    const version = ++this.lastVersion;
    this.#bury(key, handle);
    if (this.changes.recording) this.changes.append(version, "delete", key);
  }

  /**
   * Brings {@link index} up to date for listing. Tombstones are purged when they make up a
   * large share of the keys, which keeps both memory and listing proportional to live keys.
   */
  settle(now: () => number): void {
    const purge = this.tombstones > 64 && this.tombstones * 4 > this.entries.size;
    if (purge) this.#purge(now);
    else this.index.settle();
  }

  #bury(key: string, handle: number): void {
    this.entries.set(key, TOMBSTONE);
    this.values.release(handle);
    this.tombstones++;
    // Bounded memory for delete-heavy workloads that never list: O(1) amortised.
    if (this.tombstones > 1024 && this.tombstones * 2 > this.entries.size) this.#purge(undefined);
  }

  #purge(now: (() => number) | undefined): void {
    const entries = this.entries;
    const time = now?.() ?? Number.NEGATIVE_INFINITY;
    this.index.settle((key) => {
      const handle = entries.get(key) as number;
      if (handle !== TOMBSTONE && this.values.expiresAt(handle) > time) return true;
      entries.delete(key);
      if (handle !== TOMBSTONE) this.values.release(handle);
      return false;
    });
    this.tombstones = 0;
  }
}
