import { AbortedError, type WatchEvent, type WatchStream } from "@kvkit/spec";

/**
 * One watch: a bounded queue of events for one consumer. When the consumer falls more than
 * `bufferSize` events behind, the queued events are dropped and a single `gap` event with
 * reason `overflow` takes their place, so memory stays bounded and nothing is lost silently.
 */
export class FileWatchStream implements WatchStream {
  /** Full key (namespace included) to watch, or `undefined` to watch `prefix`. */
  readonly key: string | undefined;
  /** Full-key prefix to watch when `key` is `undefined`. */
  readonly prefix: string;
  readonly #bufferSize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onClose: (stream: FileWatchStream) => void;
  #queue: WatchEvent[] = [];
  #waiter:
    | { resolve: (result: IteratorResult<WatchEvent>) => void; reject: (error: unknown) => void }
    | undefined;
  #closed = false;
  #iterated = false;
  #abortError: AbortedError | undefined;
  readonly #onAbort = (): void => {
    this.#abortError = new AbortedError(this.#signal?.reason);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#end();
    waiter?.reject(this.#abortError);
  };

  constructor(
    key: string | undefined,
    prefix: string,
    bufferSize: number,
    signal: AbortSignal | undefined,
    onClose: (stream: FileWatchStream) => void,
  ) {
    this.key = key;
    this.prefix = prefix;
    this.#bufferSize = bufferSize;
    this.#signal = signal;
    this.#onClose = onClose;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Whether an event for this full key concerns this stream. */
  matches(fullKey: string): boolean {
    return this.key === undefined ? fullKey.startsWith(this.prefix) : fullKey === this.key;
  }

  /** Queues an event (or hands it to a waiting consumer). */
  push(event: WatchEvent): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
      return;
    }
    if (this.#queue.length >= this.#bufferSize) {
      // The dropped events are replaced by one gap; the new event follows it.
      this.#queue = [{ type: "gap", reason: "overflow" }, event];
      return;
    }
    this.#queue.push(event);
  }

  close(): Promise<void> {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#end();
    waiter?.resolve({ value: undefined, done: true });
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    if (this.#iterated) throw new TypeError("A watch stream can be iterated only once");
    this.#iterated = true;
    return {
      next: () => this.#next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  #next(): Promise<IteratorResult<WatchEvent>> {
    const event = this.#queue.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#abortError !== undefined) return Promise.reject(this.#abortError);
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#onClose(this);
  }
}
