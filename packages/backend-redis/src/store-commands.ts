import type { Cluster, Redis } from "ioredis";

/** The ioredis client of a backend: one server or a Cluster. */
export type RedisClient = Redis | Cluster;

/** An argument of a command or script call. */
export type Arg = string | Buffer;

/** A command or script call, ready to send; the backend sends it under its deadline. */
export type Send<T> = () => Promise<T>;

/** Sends one read of a listing under the backend's deadline, signal and error mapping. */
export type RunRead = <T>(operation: string, send: Send<T>) => Promise<T>;

/** A key a commit sets. `ttl` is milliseconds as text, `""` for no expiry. */
export interface CommitSet {
  readonly dataKey: string;
  readonly payload: Buffer;
  readonly ttl: string;
}

/** A commit in Redis terms: data keys with expected version bytes, sets and deletes. */
export interface CommitCommand {
  /** `expected` is 16 version bytes, or empty for "must be absent". */
  readonly checks: readonly { readonly dataKey: string; readonly expected: Buffer }[];
  readonly sets: readonly CommitSet[];
  readonly deletes: readonly string[];
}

/** A listing's bounds (user keys, namespace excluded) and the position to resume after. */
export interface ListRequest {
  readonly prefix: string;
  readonly start: string | undefined;
  readonly end: string | undefined;
  readonly reverse: boolean;
  /** A {@link ListedKey.position} from an earlier listing with the same bounds. */
  readonly after: string | undefined;
}

/** One listed key (namespace excluded) and the position a cursor resumes after. */
export interface ListedKey {
  readonly key: string;
  readonly position: string;
}

/**
 * How a store mode turns kvkit operations into Redis commands. Arguments are already
 * validated; data keys carry the hash tag and namespace. Each method returns the command
 * unsent, so the backend sends every one the same way (deadline, abort, error mapping).
 */
export interface StoreCommands {
  set(dataKey: string, payload: Buffer, ttl: string): Send<unknown>;
  /** Resolves 1 when the key held a live value. */
  delete(dataKey: string): Send<number>;
  /**
   * All-or-nothing. A data key given twice ends with its later payload, as two sets in a row
   * would (tick batches of separate `set` calls can repeat a key).
   */
  setMany(dataKeys: readonly string[], payloads: readonly Buffer[], ttl: string): Send<unknown>;
  /** All-or-nothing; `dataKeys` are distinct. Resolves how many held a live value. */
  deleteMany(dataKeys: readonly string[]): Send<number>;
  /** Resolves 1 when written, 0 on a conflict (nothing written). */
  compareAndSet(dataKey: string, expected: Buffer, payload: Buffer, ttl: string): Send<number>;
  /** Resolves the 1-based indexes of the failed checks; empty when applied. */
  commit(commit: CommitCommand): Send<number[]>;
  /** The keys in range, each once, paged from the server through `run`. */
  list(request: ListRequest, run: RunRead): AsyncGenerator<ListedKey>;
}
