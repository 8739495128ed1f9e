import { InvalidOptionError } from "@kvkit/spec";

/**
 * Where one store lives in Redis. Every key of a keyspace starts with the same hash tag
 * `{keyspace}`, so the data keys, the sorted key index and the change log hash to one Cluster
 * slot and a script may touch them together without `CROSSSLOT`. The tag comes first, so a
 * `{…}` inside a user key can never choose the slot.
 *
 * - `{keyspace}d<namespace><key>`: a value (a string: header, then the bytes)
 * - `{keyspace}i`: a sorted set of `<namespace><key>` (score 0, so ordered by bytes)
 * - `{keyspace}x`: a Stream of changes, written by the same scripts as the data
 * - `{keyspace}e`: a sorted set of the members written with a TTL, scored by expiry time
 */
export class KeyLayout {
  /** The prefix of every data key, `{keyspace}d`. */
  readonly dataPrefix: string;
  /** The sorted index of every member. */
  readonly indexKey: string;
  /** The change log Stream. */
  readonly logKey: string;
  /** When keys written with a TTL expire: a sorted set by expiry time, for index cleanup. */
  readonly expiryKey: string;
  /** The namespace (the `prefix` option) prepended to every user key. */
  readonly namespace: string;
  /** The namespace as UTF-8 bytes. */
  readonly namespaceBytes: Buffer;
  /** 1-based offset of the member in a data key, as the scripts take it. */
  readonly memberOffset: string;
  /** `dataPrefix` and `namespace`, joined once rather than per key. */
  readonly #keyPrefix: string;

  constructor(keyspace: string, namespace: string) {
    const problem = checkKeyspace(keyspace);
    if (problem !== undefined) throw new InvalidOptionError([`keyspace ${problem}`]);
    if (typeof namespace !== "string" || !namespace.isWellFormed()) {
      throw new InvalidOptionError(["prefix must be a string of well-formed Unicode"]);
    }
    this.dataPrefix = `{${keyspace}}d`;
    this.indexKey = `{${keyspace}}i`;
    this.logKey = `{${keyspace}}x`;
    this.expiryKey = `{${keyspace}}e`;
    this.namespace = namespace;
    this.namespaceBytes = Buffer.from(namespace, "utf8");
    this.memberOffset = String(Buffer.byteLength(this.dataPrefix, "utf8") + 1);
    this.#keyPrefix = this.dataPrefix + namespace;
  }

  /** The Redis key holding `key` of this namespace. */
  dataKey(key: string): string {
    return this.#keyPrefix + key;
  }

  /** The index member (namespace included) of `key`. */
  member(key: string): string {
    return this.namespace + key;
  }
}

/**
 * Why `keyspace` cannot be a hash tag, or `undefined` when it can. Braces would end the tag
 * early (Redis hashes from the first `{` to the next `}`), and an empty tag hashes the whole key.
 */
export function checkKeyspace(keyspace: unknown): string | undefined {
  if (typeof keyspace !== "string" || keyspace === "") return "must be a non-empty string";
  if (keyspace.includes("{") || keyspace.includes("}")) return "may not contain { or }";
  if (!keyspace.isWellFormed()) return "must be well-formed Unicode";
  return undefined;
}
