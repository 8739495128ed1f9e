import { Buffer } from "node:buffer";
import { InvalidCursorError } from "./errors/invalid-cursor-error.ts";

/**
 * The listing cursor most backends need: `<options fingerprint>.<base64url of the key>`.
 *
 * The key alone is the position, so a listing resumes after it even if that key was deleted
 * meanwhile, and a cursor made by one instance works on another instance of the same store.
 * The fingerprint ties a cursor to the `prefix`, `start`, `end` and `reverse` it was made
 * with, so a cursor reused with other options is refused instead of silently resuming
 * somewhere else.
 *
 * @example
 * ```ts
 * const cursors = new ListCursor(prefix, options.start, options.end, reverse);
 * const after = options.cursor === undefined ? undefined : cursors.decode(options.cursor);
 * // … yield { key, cursor: cursors.encode(key) } for each key after `after`
 * ```
 */
export class ListCursor {
  readonly #fingerprint: string;

  constructor(
    prefix: string,
    start: string | undefined,
    end: string | undefined,
    reverse: boolean,
  ) {
    this.#fingerprint = fingerprint(JSON.stringify([prefix, start ?? null, end ?? null, reverse]));
  }

  /** The cursor of the entry with `key` (namespace excluded). */
  encode(key: string): string {
    return `${this.#fingerprint}.${Buffer.from(key, "utf8").toString("base64url")}`;
  }

  /**
   * The key a cursor was made for.
   *
   * @throws {InvalidCursorError} `KVKIT_INVALID_CURSOR` when `cursor` was not made by
   *   {@link ListCursor.encode} for these options.
   */
  decode(cursor: string): string {
    if (typeof cursor !== "string") throw new TypeError("A cursor must be a string");
    const dot = cursor.indexOf(".");
    const encoded = cursor.slice(dot + 1);
    if (
      dot < 0 ||
      cursor.slice(0, dot) !== this.#fingerprint ||
      !/^[A-Za-z0-9_-]+$/.test(encoded)
    ) {
      throw new InvalidCursorError();
    }
    const key = Buffer.from(encoded, "base64url").toString("utf8");
    // Round-trip: rejects padding games and bytes that were not UTF-8.
    if (key === "" || Buffer.from(key, "utf8").toString("base64url") !== encoded) {
      throw new InvalidCursorError();
    }
    return key;
  }
}

/** FNV-1a, 32 bits, in base 36: enough to tell option sets apart, not a security measure. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}
