import { InvalidCursorError, WatchEventQueue, type WatchGapEvent } from "@kvkit/spec";
import type { Cluster, Redis } from "ioredis";

/** Which members a watch delivers: one exact member, or every member with a byte prefix. */
export type WatchMatch = { readonly exact: Buffer } | { readonly prefix: Buffer };

/** What a {@link RedisWatchStream} needs. */
export interface RedisWatchStreamOptions {
  /** A dedicated connection (blocking reads would stall a shared one); closed with the stream. */
  readonly connection: Redis | Cluster;
  readonly logKey: string;
  /** The change log entry to read after (`"0-0"`: from the beginning). */
  readonly from: string;
  /** Bytes of namespace to strip from members. */
  readonly namespaceLength: number;
  readonly match: WatchMatch;
  readonly bufferSize: number;
  readonly signal: AbortSignal | undefined;
  /** Called once when the stream ends, after its connection was closed. */
  readonly onEnd: () => void;
}

type StreamEntry = [Buffer, Buffer[]];

/** Change log entries fetched per read. */
const READ_COUNT = 512;
type XreadReply = [Buffer, StreamEntry[]][] | null;

/** A position in the change log: an entry id, and how many of its changes were delivered. */
export interface WatchPosition {
  /** The entry id, `<ms>-<seq>`. */
  readonly id: string;
  /** The index of the last delivered change inside the entry; `undefined`: all of them. */
  readonly index: number | undefined;
}

/**
 * Parses a watch cursor: an entry id `<ms>-<seq>` (after the entry's last change), or
 * `<ms>-<seq>.<i>` (after change `i` of a batch's entry).
 *
 * @throws {InvalidCursorError} `KVKIT_INVALID_CURSOR` for anything else.
 */
export function parseWatchCursor(cursor: string): WatchPosition {
  const match = /^(\d{1,20}-\d{1,20})(?:\.(\d{1,6}))?$/.exec(cursor);
  if (match === null || match[1] === "0-0") throw new InvalidCursorError();
  return { id: match[1] as string, index: match[2] === undefined ? undefined : Number(match[2]) };
}

/**
 * One watch: reads the change log Stream with `XREAD BLOCK` on its own connection and pushes
 * matching changes into its {@link WatchEventQueue} (bounded buffer, overflow `gap`, abort and
 * close), drained by `for await`; the connection is closed when the stream ends.
 *
 * Before reading on after anything that could have skipped log entries (a reconnect, a full
 * read), it checks that the last entry it delivered is still in the log (`XRANGE id id`, in
 * the same pipeline as the read). If it is, nothing was missed and reading resumes exactly
 * there; if not (the log was trimmed past it, or the server lost the log in a restart), a
 * `gap` event says so before the next events.
 */
export class RedisWatchStream extends WatchEventQueue {
  /** How long one `XREAD` blocks, in milliseconds. */
  static readonly BLOCK_MS = 1000;

  readonly #options: RedisWatchStreamOptions;
  readonly #connection: Redis | Cluster;
  #lastId: string;
  /** Why the next read must first check that `#lastId` is still in the log. */
  #check: WatchGapEvent["reason"] | undefined;

  constructor(options: RedisWatchStreamOptions) {
    const { connection, bufferSize, signal, onEnd } = options;
    super({
      bufferSize,
      signal,
      onEnd: () => {
        connection.disconnect();
        onEnd();
      },
    });
    this.#options = options;
    this.#connection = connection;
    this.#lastId = options.from;
    connection.on("error", () => {});
    connection.on("close", () => {
      if (!this.ended) this.#check = "reconnect";
    });
  }

  /** Queues a gap event (a resume whose cursor the log no longer holds). */
  pushGap(reason: WatchGapEvent["reason"]): void {
    this.push({ type: "gap", reason, cursor: this.#lastId });
  }

  /** Starts reading; runs until the stream ends. */
  start(): void {
    void this.#loop();
  }

  async #loop(): Promise<void> {
    const { logKey } = this.#options;
    const connection = this.#connection;
    while (!this.ended) {
      const count = READ_COUNT;
      const check = this.#check !== undefined && this.#lastId !== "0-0";
      let present: boolean | undefined;
      let reply: XreadReply;
      try {
        if (connection.status === "wait") await connection.connect();
        const pipeline = connection.pipeline();
        if (check) pipeline.xrange(logKey, this.#lastId, this.#lastId);
        pipeline.xreadBuffer(
          "COUNT",
          count,
          "BLOCK",
          RedisWatchStream.BLOCK_MS,
          "STREAMS",
          logKey,
          this.#lastId,
        );
        const results = (await pipeline.exec()) ?? [];
        for (const [error] of results) if (error) throw error;
        if (check) present = ((results[0]?.[1] ?? []) as unknown[]).length > 0;
        reply = results[results.length - 1]?.[1] as XreadReply;
      } catch {
        if (this.ended) return;
        // The connection is down or reconnecting: ioredis retries; try again shortly.
        this.#check = "reconnect";
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (this.ended) return;
      if (check) {
        if (present === false) this.pushGap(this.#check ?? "reconnect");
        this.#check = undefined;
      } else if (this.#lastId === "0-0") {
        this.#check = undefined;
      }
      const entries = reply?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) this.deliver(id.toString(), fields);
      // A full read means more may be waiting: make sure none is trimmed before the next one.
      if (entries.length === count) this.#check ??= "overflow";
    }
  }

  /**
   * Delivers the changes of one log entry that match, after change `after` (all when
   * `undefined`). An entry holds one change, or every change of a batch; the cursor of the
   * entry's last change is the entry id, the others add `.<index>`.
   */
  deliver(id: string, fields: readonly Buffer[], after?: number): void {
    this.#lastId = id;
    const changes: { type: "s" | "d"; member: Buffer; version: Buffer | undefined }[] = [];
    for (let i = 0; i < fields.length; ) {
      const type = fields[i]?.toString();
      const member = fields[i + 1];
      if ((type !== "s" && type !== "d") || member === undefined) return;
      const version = type === "s" ? fields[i + 3] : undefined;
      changes.push({ type, member, version });
      i += type === "s" ? 4 : 2;
    }
    const match = this.#options.match;
    for (let index = after === undefined ? 0 : after + 1; index < changes.length; index++) {
      const { type, member, version } = changes[index] as (typeof changes)[number];
      if ("exact" in match) {
        if (!member.equals(match.exact)) continue;
      } else if (
        member.length < match.prefix.length ||
        member.compare(match.prefix, 0, match.prefix.length, 0, match.prefix.length) !== 0
      ) {
        continue;
      }
      const key = member.toString("utf8", this.#options.namespaceLength);
      const cursor = index === changes.length - 1 ? id : `${id}.${index}`;
      this.push(
        type === "s"
          ? { type: "set", key, version: version?.toString("hex"), cursor }
          : { type: "delete", key, cursor },
      );
    }
  }
}
