import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { compareKeys, InvalidCursorError } from "@kvkit/spec";
import type { KeyLayout } from "./key-layout.ts";
import {
  PLAIN_CAS_SCRIPT,
  PLAIN_COMMIT_SCRIPT,
  PLAIN_SET_MANY_WITH_TTL_SCRIPT,
  SCAN_PAGE_SCRIPT,
} from "./plain-lua-scripts.ts";
import type {
  Arg,
  CommitCommand,
  ListedKey,
  ListRequest,
  RedisClient,
  RunRead,
  Send,
  StoreCommands,
} from "./store-commands.ts";

/** The scripts, as ioredis defines them on the client (EVALSHA, EVAL on `NOSCRIPT`). */
interface PlainScripts {
  kvkitPlainCas(keyCount: number, ...args: Arg[]): Promise<number>;
  kvkitPlainSetManyWithTtl(keyCount: number, ...args: Arg[]): Promise<number>;
  kvkitPlainCommit(keyCount: number, ...args: Arg[]): Promise<number[]>;
  kvkitScanPageBuffer(keyCount: number, ...args: Arg[]): Promise<[Buffer, Buffer[]]>;
}

/** Script sources by command name (`kvkitScanPage` also gets its `…Buffer` variant). */
const SCRIPTS: Readonly<Record<string, string>> = {
  kvkitPlainCas: PLAIN_CAS_SCRIPT,
  kvkitPlainSetManyWithTtl: PLAIN_SET_MANY_WITH_TTL_SCRIPT,
  kvkitPlainCommit: PLAIN_COMMIT_SCRIPT,
  kvkitScanPage: SCAN_PAGE_SCRIPT,
};

/** The largest cursor `SCAN` takes (an unsigned 64-bit integer). */
const MAX_SCAN_CURSOR = 2n ** 64n - 1n;

/**
 * Keys one SCAN step collects (its COUNT, before `MATCH` filters them). It bounds the size of a
 * cursor, which names every key yielded from its step: 64 keys of 11 characters at most.
 */
export const SCAN_COUNT = 64;

/** Characters of a {@link keyDigest}. */
const DIGEST_LENGTH = 11;

/**
 * Store mode `plain`: the values are the only keys. `set`, `delete` and the batches are one
 * native command each (`SET`, `DEL`, `MSET`; a batch of sets with a TTL is a script, since
 * `MSET` takes none); compare-and-set and commit are small scripts. Listing walks the store's
 * node with `SCAN` and a `MATCH` pattern of the escaped prefix: unordered, as the manifest
 * says.
 */
export class PlainCommands implements StoreCommands {
  readonly #client: RedisClient & PlainScripts;
  readonly #layout: KeyLayout;
  /** Bytes before the user key in a data key: the hash tag, `d` and the namespace. */
  readonly #keyOffset: number;

  /** Defines the scripts on `client`. */
  constructor(client: RedisClient, layout: KeyLayout) {
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua });
    this.#client = client as RedisClient & PlainScripts;
    this.#layout = layout;
    this.#keyOffset = Buffer.byteLength(layout.dataPrefix, "utf8") + layout.namespaceBytes.length;
  }

  set(dataKey: string, payload: Buffer, ttl: string): Send<unknown> {
    return ttl === ""
      ? () => this.#client.set(dataKey, payload)
      : () => this.#client.set(dataKey, payload, "PX", ttl);
  }

  delete(dataKey: string): Send<number> {
    return () => this.#client.del(dataKey);
  }

  setMany(dataKeys: readonly string[], payloads: readonly Buffer[], ttl: string): Send<unknown> {
    if (ttl !== "") {
      return () =>
        this.#client.kvkitPlainSetManyWithTtl(dataKeys.length, ...dataKeys, ttl, ...payloads);
    }
    const flat: Arg[] = [];
    for (let i = 0; i < dataKeys.length; i++)
      flat.push(dataKeys[i] as string, payloads[i] as Buffer);
    return () => this.#client.mset(...flat);
  }

  deleteMany(dataKeys: readonly string[]): Send<number> {
    return () => this.#client.del(...dataKeys);
  }

  compareAndSet(dataKey: string, expected: Buffer, payload: Buffer, ttl: string): Send<number> {
    return () => this.#client.kvkitPlainCas(1, dataKey, expected, payload, ttl);
  }

  commit({ checks, sets, deletes }: CommitCommand): Send<number[]> {
    const keys: Arg[] = [];
    const argv: Arg[] = [String(checks.length), String(sets.length)];
    for (const check of checks) {
      keys.push(check.dataKey);
      argv.push(check.expected);
    }
    for (const set of sets) {
      keys.push(set.dataKey);
      argv.push(set.payload, set.ttl);
    }
    keys.push(...deletes);
    return () => this.#client.kvkitPlainCommit(keys.length, ...keys, ...argv);
  }

  /**
   * `SCAN` steps over the store's node, filtered by bounds, each step's keys in byte order.
   *
   * SCAN returns every key present for the whole walk, but may return one twice (when the
   * server resizes its table), so the keys yielded so far are remembered: memory grows with the
   * keys listed (about 100 bytes per key).
   *
   * A position is `<cursor of the step>:<digests of the keys yielded from that step so far>`.
   * Resuming repeats that step and yields what it holds now except those keys, so a resumed
   * listing never skips a key it had not yet yielded. The digests, not a "last key", are what
   * make this hold: a step ends after about {@link SCAN_COUNT} keys, so when keys were written
   * or deleted in between, the repeated step covers other buckets than the first did, and no
   * key order says which of its keys were already yielded. The digests stay excluded for the
   * rest of the resumed listing, in case the repeated step ended earlier and they come up in
   * the next steps; a cursor taken after that step no longer carries them, so a second resume
   * can bring those few keys again.
   */
  async *list(request: ListRequest, run: RunRead): AsyncGenerator<ListedKey> {
    const { prefix, start, end, after } = request;
    const layout = this.#layout;
    const pattern = `${escapeGlob(layout.dataPrefix + layout.namespace + prefix)}*`;
    let cursor = "0";
    let resumed = "";
    if (after !== undefined) {
      // Redis takes a SCAN cursor up to 2^64 - 1 and refuses anything larger.
      const match = /^(0|[1-9]\d{0,19}):((?:[A-Za-z0-9_-]{11})*)$/.exec(after);
      if (match === null || BigInt(match[1] as string) > MAX_SCAN_CURSOR) {
        throw new InvalidCursorError();
      }
      cursor = match[1] as string;
      resumed = match[2] as string;
    }
    const yieldedBefore = new Set<string>();
    for (let at = 0; at < resumed.length; at += DIGEST_LENGTH) {
      yieldedBefore.add(resumed.slice(at, at + DIGEST_LENGTH));
    }
    const seen = new Set<string>();
    do {
      const step = cursor;
      const [next, names] = await run("SCAN", () =>
        this.#client.kvkitScanPageBuffer(1, layout.dataPrefix, step, pattern, String(SCAN_COUNT)),
      );
      const keys = names
        .map((name) => name.subarray(this.#keyOffset))
        // A name no kvkit key maps to (put there by something else) is not listed.
        .filter((bytes) => bytes.length > 0 && isUtf8(bytes))
        .map((bytes) => bytes.toString("utf8"))
        .filter(
          (key) =>
            (start === undefined || compareKeys(key, start) >= 0) &&
            (end === undefined || compareKeys(key, end) < 0),
        )
        .sort(compareKeys);
      // The repeated step of a resumed listing carries the digests it already had.
      let digests = resumed;
      resumed = "";
      for (const key of keys) {
        if (seen.has(key)) continue;
        const digest = keyDigest(key);
        if (yieldedBefore.has(digest)) continue;
        seen.add(key);
        digests += digest;
        yield { key, position: `${step}:${digests}` };
      }
      cursor = next.toString("latin1");
    } while (cursor !== "0");
  }
}

/**
 * The first 66 bits of the key's SHA-256, in base64url: what a cursor keeps of each key it
 * has passed. A cryptographic hash, so nobody can make a key a cursor mistakes for another.
 */
function keyDigest(key: string): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, DIGEST_LENGTH);
}

/** `text` as a Redis glob that matches exactly itself: `* ? [ ] \` lose their meaning. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
