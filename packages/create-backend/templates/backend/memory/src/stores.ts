/** One stored value. */
export interface StoredEntry {
  readonly value: Uint8Array;
  /** A token that changes on every write of the key and is never reused. */
  readonly version: string;
  /** Epoch milliseconds after which the entry is gone, or `null` for no expiry. */
  readonly expiresAt: number | null;
}

/** The data of one store, shared by every instance opened with the same store name. */
export interface Store {
  readonly entries: Map<string, StoredEntry>;
  /** The last version handed out; versions count up and are never reused. */
  lastVersion: number;
}

// Real storage: this Map stands in for the database, server or directory your backend talks
// to. Instances opened with the same name share a store, like two clients of one server.
const named = new Map<string, Store>();

/** Opens the store called `name`, creating it when needed; without a name, a private one. */
export function openStore(name: string | undefined): Store {
  if (name === undefined) return { entries: new Map(), lastVersion: 0 };
  let store = named.get(name);
  if (store === undefined) {
    store = { entries: new Map(), lastVersion: 0 };
    named.set(name, store);
  }
  return store;
}

/** Forgets the store called `name` and everything in it. */
export function dropStore(name: string): void {
  named.delete(name);
}
