import { ChangeLog } from "./change-log.ts";
import { SortedKeyIndex } from "./sorted-key-index.ts";
import { StoredValue } from "./stored-value.ts";
import { ValueArena } from "./value-arena.ts";

/** Options of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How many recent writes the store keeps for resuming watches from a cursor. A cursor
   * older than that resumes with a `gap` event (reason `"cursor-expired"`). Default 10 000.
   */
  readonly changeLogSize?: number | undefined;
}

const named = new Map<string, MemoryStore>();
/** What a deleted key maps to until the next purge: it keeps the key's place in the index. */
const TOMBSTONE = new StoredValue(0);
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
  /** Every key: its stored value, or a tombstone. */
  readonly entries: Map<string, StoredValue> = new Map();
  /** The keys of {@link entries} in UTF-8 byte order, for listing. */
  readonly index: SortedKeyIndex = new SortedKeyIndex();
  /** Recent writes and the watchers they go to. */
  readonly changes: ChangeLog;
  /** Makes the private copies of the stored values. */
  readonly values: ValueArena = new ValueArena((key, value) => {
    this.entries.set(key, this.values.copy(key, value, value.version, value.expiresAt));
  });
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
   * Instances already open on the old store keep using it. Resolves whether it existed.
   */
  static forget(name: string): boolean {
    return named.delete(name);
  }

  /** The number of live keys, expired ones included until they are noticed. */
  get size(): number {
    return this.entries.size - this.tombstones;
  }

  /** The live value of `key` at time `now`, or `undefined`; an expired one is removed. */
  read(key: string, now: () => number): StoredValue | undefined {
    const value = this.entries.get(key);
    if (value === undefined || value === TOMBSTONE) return undefined;
    if (value.expiresAt !== Number.POSITIVE_INFINITY && value.expiresAt <= now()) {
      // Expiry is silent: no delete event (the spec's watch contract).
      this.#bury(key, value);
      return undefined;
    }
    return value;
  }

  /** Stores a copy of `source` (validated by the caller) and resolves the new version. */
  write(key: string, source: Uint8Array, expiresAt: number): number {
    const version = ++this.lastVersion;
    const old = this.entries.get(key);
    if (old !== undefined && old !== TOMBSTONE && old.length === source.length) {
      // Overwriting with a value of the same size reuses the stored copy: no allocation, so
      // no garbage from long-lived objects, which old-generation GC makes expensive.
      old.set(source);
      old.version = version;
      old.expiresAt = expiresAt;
    } else {
      if (old === undefined) this.index.add(key);
      else if (old === TOMBSTONE) this.tombstones--;
      else this.values.release(old);
      this.entries.set(key, this.values.copy(key, source, version, expiresAt));
    }
    if (this.changes.recording) this.changes.append(version, "set", key);
    return version;
  }

  /** Deletes `key`, whose live value (from {@link read}) is `value`. */
  remove(key: string, value: StoredValue): void {
    const version = ++this.lastVersion;
    this.#bury(key, value);
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

  #bury(key: string, value: StoredValue): void {
    this.values.release(value);
    this.entries.set(key, TOMBSTONE);
    this.tombstones++;
    // Bounded memory for delete-heavy workloads that never list: O(1) amortised.
    if (this.tombstones > 1024 && this.tombstones * 2 > this.entries.size) this.#purge(undefined);
  }

  #purge(now: (() => number) | undefined): void {
    const entries = this.entries;
    const time = now?.() ?? Number.NEGATIVE_INFINITY;
    this.index.settle((key) => {
      const value = entries.get(key) as StoredValue;
      if (value !== TOMBSTONE && value.expiresAt > time) return true;
      if (value !== TOMBSTONE) this.values.release(value);
      entries.delete(key);
      return false;
    });
    this.tombstones = 0;
  }
}
