import type { KeyLayout } from "./key-layout.ts";
import {
  CAS_SCRIPT,
  COMMIT_SCRIPT,
  DELETE_MANY_SCRIPT,
  DELETE_SCRIPT,
  LIST_PAGE_SCRIPT,
  SET_MANY_SCRIPT,
  SET_SCRIPT,
} from "./lua-scripts.ts";
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
interface IndexedScripts {
  kvkitSet(keyCount: number, ...args: Arg[]): Promise<number>;
  kvkitDelete(keyCount: number, ...args: Arg[]): Promise<number>;
  kvkitCas(keyCount: number, ...args: Arg[]): Promise<number>;
  kvkitSetMany(keyCount: number, ...args: Arg[]): Promise<number>;
  kvkitDeleteMany(keyCount: number, ...args: Arg[]): Promise<number>;
  kvkitCommit(keyCount: number, ...args: Arg[]): Promise<number[]>;
  kvkitListPageBuffer(keyCount: number, ...args: Arg[]): Promise<Buffer[]>;
}

/** Script sources by command name (`kvkitListPage` also gets its `…Buffer` variant). */
const SCRIPTS: Readonly<Record<string, string>> = {
  kvkitSet: SET_SCRIPT,
  kvkitDelete: DELETE_SCRIPT,
  kvkitCas: CAS_SCRIPT,
  kvkitSetMany: SET_MANY_SCRIPT,
  kvkitDeleteMany: DELETE_MANY_SCRIPT,
  kvkitCommit: COMMIT_SCRIPT,
  kvkitListPage: LIST_PAGE_SCRIPT,
};

/** Members fetched from the index per listing round trip. */
export const LIST_PAGE_SIZE = 256;
const LEX_INCLUSIVE = Buffer.from("[");
const LEX_EXCLUSIVE = Buffer.from("(");
/** Sorts after every UTF-8 sequence: 0xFF never occurs in UTF-8. */
const AFTER_ALL = Buffer.from([0xff]);

/**
 * Store mode `indexed`: every write is one Lua script that changes the value, the sorted key
 * index and the change log together (see `lua-scripts.ts`), and listing pages through the
 * index with `ZRANGEBYLEX`, in byte order.
 */
export class IndexedCommands implements StoreCommands {
  readonly #client: RedisClient & IndexedScripts;
  readonly #layout: KeyLayout;
  readonly #maxlen: string;

  /** Defines the scripts on `client`. `maxlen`: change log entries to keep. */
  constructor(client: RedisClient, layout: KeyLayout, maxlen: number) {
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua });
    this.#client = client as RedisClient & IndexedScripts;
    this.#layout = layout;
    this.#maxlen = String(maxlen);
  }

  set(dataKey: string, payload: Buffer, ttl: string): Send<number> {
    const { indexKey, logKey, expiryKey, memberOffset } = this.#layout;
    return () =>
      this.#client.kvkitSet(
        4,
        dataKey,
        indexKey,
        logKey,
        expiryKey,
        payload,
        ttl,
        this.#maxlen,
        memberOffset,
      );
  }

  delete(dataKey: string): Send<number> {
    const { indexKey, logKey, memberOffset } = this.#layout;
    return () => this.#client.kvkitDelete(3, dataKey, indexKey, logKey, this.#maxlen, memberOffset);
  }

  setMany(dataKeys: readonly string[], payloads: readonly Buffer[], ttl: string): Send<number> {
    const { indexKey, logKey, expiryKey, memberOffset } = this.#layout;
    const args: Arg[] = [indexKey, logKey, expiryKey, ...dataKeys];
    args.push(this.#maxlen, memberOffset, ttl, ...payloads);
    return () => this.#client.kvkitSetMany(dataKeys.length + 3, ...args);
  }

  deleteMany(dataKeys: readonly string[]): Send<number> {
    const { indexKey, logKey, memberOffset } = this.#layout;
    const args: Arg[] = [indexKey, logKey, ...dataKeys, this.#maxlen, memberOffset];
    return () => this.#client.kvkitDeleteMany(dataKeys.length + 2, ...args);
  }

  compareAndSet(dataKey: string, expected: Buffer, payload: Buffer, ttl: string): Send<number> {
    const { indexKey, logKey, expiryKey, memberOffset } = this.#layout;
    return () =>
      this.#client.kvkitCas(
        4,
        dataKey,
        indexKey,
        logKey,
        expiryKey,
        expected,
        payload,
        ttl,
        this.#maxlen,
        memberOffset,
      );
  }

  commit({ checks, sets, deletes }: CommitCommand): Send<number[]> {
    const { indexKey, logKey, expiryKey, memberOffset } = this.#layout;
    const keys: Arg[] = [indexKey, logKey, expiryKey];
    const argv: Arg[] = [
      String(checks.length),
      String(sets.length),
      String(deletes.length),
      this.#maxlen,
      memberOffset,
    ];
    for (const check of checks) {
      keys.push(check.dataKey);
      argv.push(check.expected);
    }
    for (const set of sets) {
      keys.push(set.dataKey);
      argv.push(set.payload, set.ttl);
    }
    keys.push(...deletes);
    return () => this.#client.kvkitCommit(keys.length, ...keys, ...argv);
  }

  /** Pages of {@link LIST_PAGE_SIZE} index members in byte order; the position is the key. */
  async *list(request: ListRequest, run: RunRead): AsyncGenerator<ListedKey> {
    const { prefix, start, end, reverse, after } = request;
    const layout = this.#layout;
    const ns = layout.namespaceBytes;
    const withNs = (text: string): Buffer => Buffer.concat([ns, Buffer.from(text, "utf8")]);
    // Inclusive lower and exclusive upper bound, in full member bytes.
    let low = withNs(prefix);
    if (start !== undefined) low = maxBuffer(low, withNs(start));
    let high: Buffer | undefined =
      ns.length + prefix.length === 0 ? undefined : Buffer.concat([withNs(prefix), AFTER_ALL]);
    if (end !== undefined) {
      const bound = withNs(end);
      high = high === undefined ? bound : minBuffer(high, bound);
    }
    let lowExclusive = false;
    if (after !== undefined) {
      const member = withNs(after);
      if (reverse) high = high === undefined ? member : minBuffer(high, member);
      else if (Buffer.compare(member, low) >= 0) {
        low = member;
        lowExclusive = true;
      }
    }
    for (;;) {
      const min = Buffer.concat([lowExclusive ? LEX_EXCLUSIVE : LEX_INCLUSIVE, low]);
      const max = high === undefined ? "+" : Buffer.concat([LEX_EXCLUSIVE, high]);
      const page = await run("LIST", () =>
        this.#client.kvkitListPageBuffer(
          1,
          layout.indexKey,
          min,
          max,
          String(LIST_PAGE_SIZE),
          reverse ? "1" : "",
          layout.dataPrefix,
        ),
      );
      for (let i = 1; i < page.length; i++) {
        const key = (page[i] as Buffer).subarray(ns.length).toString("utf8");
        yield { key, position: key };
      }
      // The last member examined, or empty when the range has no more.
      const last = page[0];
      if (last === undefined || last.length === 0) return;
      if (reverse) high = last;
      else {
        low = last;
        lowExclusive = true;
      }
    }
  }
}

function maxBuffer(a: Buffer, b: Buffer): Buffer {
  return Buffer.compare(a, b) >= 0 ? a : b;
}

function minBuffer(a: Buffer, b: Buffer): Buffer {
  return Buffer.compare(a, b) <= 0 ? a : b;
}
