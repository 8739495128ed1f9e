import { InvalidCursorError } from "@kvkit/spec";

/**
 * The listing cursor format: `<options fingerprint>.<base64url of the key>`. The fingerprint
 * ties a cursor to the `prefix`, `start`, `end` and `reverse` it was made with, so a cursor
 * reused with other options is refused instead of silently resuming somewhere else.
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

  /** The cursor of the entry with `key` (namespace excluded), given as UTF-8 bytes. */
  encode(key: Buffer): string {
    return `${this.#fingerprint}.${key.toString("base64url")}`;
  }

  /**
   * The UTF-8 bytes of the key a cursor was made for.
   *
   * @throws {InvalidCursorError} `KVKIT_INVALID_CURSOR` when `cursor` was not made by
   *   {@link encode} for these options.
   */
  decode(cursor: string): Buffer {
    const dot = cursor.indexOf(".");
    const encoded = cursor.slice(dot + 1);
    if (
      dot < 0 ||
      cursor.slice(0, dot) !== this.#fingerprint ||
      !/^[A-Za-z0-9_-]+$/.test(encoded)
    ) {
      throw new InvalidCursorError();
    }
    const key = Buffer.from(encoded, "base64url");
    // Round-trip: rejects padding games and bytes that are not UTF-8.
    const text = key.toString("utf8");
    if (text === "" || Buffer.from(text, "utf8").toString("base64url") !== encoded) {
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
