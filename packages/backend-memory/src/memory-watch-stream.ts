import { AbortedError, type WatchEvent, type WatchGapEvent, type WatchStream } from "@kvkit/spec";
import type { ChangeRecord, ChangeSubscriber } from "./change-log.ts";

/** What a {@link MemoryWatchStream} watches, in full keys (namespace included). */
export interface WatchFilter {
  /** The backend's namespace, stripped from reported keys. */
  readonly namespace: string;
  /** Deliver only this full key, when set. */
  readonly key: string | undefined;
  /** Deliver only full keys starting with this (ignored when `key` is set). */
  readonly prefix: string;
  readonly bufferSize: number;
}

/**
 * One watch: a bounded queue the store pushes matching changes into, drained by `for await`.
 *
 * When a push finds `bufferSize` events still undelivered, those events are dropped and a
 * single `gap` event (reason `"overflow"`, carrying the cursor of the newest dropped event)
 * takes their place, so a slow consumer loses events visibly and memory stays bounded.
 */
export class MemoryWatchStream implements WatchStream, AsyncIterator<WatchEvent>, ChangeSubscriber {
  readonly #filter: WatchFilter;
  #queue: WatchEvent[] = [];
  #head = 0;
  #waiter:
    | { resolve(result: IteratorResult<WatchEvent>): void; reject(error: unknown): void }
    | undefined;
  #ended = false;
  #error: AbortedError | undefined;
  #iterated = false;
  readonly #onEnd: (stream: MemoryWatchStream) => void;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => {
    this.#error = new AbortedError(this.#signal?.reason);
    this.#end();
  };

  /**
   * @param onEnd Called once when the stream ends (unsubscribe, forget the stream).
   */
  constructor(
    filter: WatchFilter,
    signal: AbortSignal | undefined,
    onEnd: (stream: MemoryWatchStream) => void,
  ) {
    this.#filter = filter;
    this.#signal = signal;
    this.#onEnd = onEnd;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Pushes `record` if it matches the filter. Called by the store inside the write. */
  deliver(record: ChangeRecord): void {
    if (this.#ended) return;
    const filter = this.#filter;
    const key = record.key;
    if (filter.key !== undefined ? key !== filter.key : !key.startsWith(filter.prefix)) return;
    this.#push({
      type: record.type,
      key: key.slice(filter.namespace.length),
      version: String(record.seq),
      cursor: record.cursor,
    });
  }

  /** Queues a gap event ahead of everything else (a resume whose cursor expired). */
  pushGap(event: WatchGapEvent): void {
    this.#push(event);
  }

  #push(event: WatchEvent): void {
    if (this.#waiter !== undefined) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
      return;
    }
    if (this.#queue.length - this.#head >= this.#filter.bufferSize) {
      const newest = this.#queue[this.#queue.length - 1];
      this.#queue = [{ type: "gap", reason: "overflow", cursor: newest?.cursor }];
      this.#head = 0;
    }
    this.#queue.push(event);
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    if (this.#head < this.#queue.length) {
      const event = this.#queue[this.#head] as WatchEvent;
      this.#queue[this.#head++] = undefined as unknown as WatchEvent;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  async return(): Promise<IteratorResult<WatchEvent>> {
    this.#end();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    if (this.#iterated) throw new TypeError("A watch stream can be iterated only once");
    this.#iterated = true;
    return this;
  }

  /** Ends the stream: a pending `next()` resolves done, buffered events are discarded. */
  async close(): Promise<void> {
    this.#end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#queue = [];
    this.#head = 0;
    this.#onEnd(this);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter === undefined) return;
    if (this.#error !== undefined) waiter.reject(this.#error);
    else waiter.resolve({ value: undefined, done: true });
  }
}
