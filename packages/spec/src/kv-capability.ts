import type { OperationOptions, WriteOptions } from "./operation-options.ts";

/**
 * Options of {@link KvCapability.list}.
 *
 * Every bound is compared on the UTF-8 bytes of the key. `prefix`, `start` and `end` combine:
 * a key is listed when it matches all of them.
 */
export interface ListOptions extends OperationOptions {
  /**
   * Only keys whose UTF-8 bytes start with these bytes. An exact byte match: no character
   * (`*`, `%`, `_`, `?`, `[`, `\`) has a special meaning. Default `""`, every key.
   */
  readonly prefix?: string | undefined;
  /** Only keys at or after this key (inclusive), in UTF-8 byte order. */
  readonly start?: string | undefined;
  /** Only keys strictly before this key (exclusive), in UTF-8 byte order. */
  readonly end?: string | undefined;
  /** At most this many entries; a non-negative integer. Default: no limit. */
  readonly limit?: number | undefined;
  /** Descending order. Requires `manifest.orderedList`; rejects with `KVKIT_NOT_SUPPORTED` otherwise. */
  readonly reverse?: boolean | undefined;
  /**
   * Resume after the entry that produced this cursor, with the same `prefix`, `start`, `end`
   * and `reverse`. Rejects with `KVKIT_INVALID_CURSOR` for a cursor this backend did not make.
   */
  readonly cursor?: string | undefined;
}

/** One key yielded by {@link KvCapability.list}. */
export interface ListEntry {
  /** The key (without any namespace prefix the backend was opened with). */
  readonly key: string;
  /** An opaque position: pass it as `ListOptions.cursor` to resume right after this entry. */
  readonly cursor: string;
}

/**
 * The required core every backend implements.
 *
 * Keys are non-empty strings of well-formed Unicode; every character is allowed, including
 * `/`, `:`, `*`, `%`, `_`, `\`, NUL, `__proto__` and `constructor`. NFC and NFD forms are
 * different keys. Prefixes and order are defined on the key's UTF-8 bytes.
 *
 * Values are `Uint8Array`s stored byte for byte. The backend never keeps a reference to a
 * buffer it was given and never returns one it keeps: mutating a buffer after `set()`, or a
 * buffer returned by `get()`, changes nothing stored. Reads return plain `Uint8Array`s.
 *
 * Every method rejects with:
 * - `TypeError` for a wrongly typed argument (a programmer error; no code);
 * - `KVKIT_INVALID_KEY` for an empty or ill-formed key, `KVKIT_TOO_LARGE` for a key or value
 *   over `manifest.limits`;
 * - `KVKIT_CLOSED` after `close()`, `KVKIT_ABORTED` when its signal fires;
 * - `KVKIT_UNAVAILABLE`, `KVKIT_TIMEOUT` or `KVKIT_OUTCOME_UNKNOWN` when the store fails.
 */
export interface KvCapability {
  /** Resolves the bytes stored under `key`, or `undefined` if there are none (not an error). */
  get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined>;

  /**
   * Stores a copy of `value` under `key`, replacing any value (and expiry) it had.
   *
   * @throws `KVKIT_NOT_SUPPORTED` when `options.ttlMs` is given and `ttl` is not declared.
   */
  set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void>;

  /** Removes `key`. Resolves `true` if it existed (and had not expired), `false` otherwise. */
  delete(key: string, options?: OperationOptions): Promise<boolean>;

  /** Resolves whether `key` holds a value that has not expired. */
  has(key: string, options?: OperationOptions): Promise<boolean>;

  /**
   * Lists keys as an async iterable, without loading them all at once.
   *
   * When `manifest.orderedList` is true, keys come in ascending UTF-8 byte order (descending
   * with `reverse`). A key present and unchanged for the whole iteration is yielded exactly
   * once; a key written or deleted meanwhile may or may not be. No key is ever yielded twice.
   * Errors (closed, aborted, invalid options) reject the iterator's `next()`. Breaking out of
   * the loop releases everything the listing held.
   */
  list(options?: ListOptions): AsyncIterable<ListEntry>;
}
