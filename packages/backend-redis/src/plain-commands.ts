import { isUtf8 } from "node:buffer";
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

/** Hash table buckets one SCAN step examines (its COUNT). */
export const SCAN_COUNT = 512;

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
   * `SCAN` steps over the store's node, filtered by bounds; each step's keys come in byte
   * order. A position is `<cursor of the step>:<key>`: resuming repeats that step and continues
   * with its keys after the key (whether or not it still exists). SCAN returns every key present
   * for the whole walk, but may return one twice when the server resizes its table meanwhile,
   * so the keys yielded so far are remembered: memory grows with the keys listed (about 100
   * bytes per key). A resize between two listings that share a cursor can change the step's
   * keys; the README spells out what that means.
   */
  async *list(request: ListRequest, run: RunRead): AsyncGenerator<ListedKey> {
    const { prefix, start, end, after } = request;
    const layout = this.#layout;
    const pattern = `${escapeGlob(layout.dataPrefix + layout.namespace + prefix)}*`;
    let cursor = "0";
    let resumeAfter: string | undefined;
    if (after !== undefined) {
      // Redis takes a SCAN cursor up to 2^64 - 1 and refuses anything larger.
      const match = /^(0|[1-9]\d{0,19}):/.exec(after);
      if (match === null || BigInt(match[1] as string) > MAX_SCAN_CURSOR) {
        throw new InvalidCursorError();
      }
      cursor = match[1] as string;
      resumeAfter = after.slice(cursor.length + 1);
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
            (end === undefined || compareKeys(key, end) < 0) &&
            (resumeAfter === undefined || compareKeys(key, resumeAfter) > 0),
        )
        .sort(compareKeys);
      resumeAfter = undefined;
      for (const key of keys) {
        if (seen.has(key)) continue;
        seen.add(key);
        yield { key, position: `${step}:${key}` };
      }
      cursor = next.toString("latin1");
    } while (cursor !== "0");
  }
}

/** `text` as a Redis glob that matches exactly itself: `* ? [ ] \` lose their meaning. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
