import { AbortedError } from "./errors/aborted-error.ts";
import { InvalidOptionError } from "./errors/invalid-option-error.ts";
import { throwIfAborted } from "./throw-if-aborted.ts";
import type { WatchEvent, WatchStream } from "./watch-capability.ts";

/** Options of a {@link WatchEventQueue}. */
export interface WatchEventQueueOptions {
  /**
   * How many undelivered events the queue holds before it drops them and queues one `gap`
   * event instead: `WatchOptions.bufferSize`, already validated. A positive integer.
   */
  readonly bufferSize: number;
  /** `WatchOptions.signal`: firing it ends the stream with `KVKIT_ABORTED`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called once when the stream ends, however it ends (`close()`, `break`, the signal,
   * {@link WatchEventQueue.end}, {@link WatchEventQueue.fail}): unsubscribe from the store,
   * close the connection, forget the stream. Called after a pending `next()` was settled.
   */
  readonly onEnd?: (() => void) | undefined;
}

type Waiter = {
  resolve(result: IteratorResult<WatchEvent>): void;
  reject(error: unknown): void;
};

/**
 * The consumer side of a {@link WatchStream}, for backend authors: the backend's producer
 * (a change log, a poller, a subscription) calls {@link push} for each matching event, and
 * the consumer reads them with `for await`.
 *
 * What it implements, so every backend behaves the same:
 * - Events are yielded in the order they were pushed. At most one `next()` waits at a time
 *   (the `for await` protocol); a push while it waits hands the event straight to it.
 * - When a push finds `bufferSize` events still undelivered, those events are dropped and one
 *   `gap` event (reason `"overflow"`) takes their place, followed by the pushed event. The gap
 *   carries the cursor of the newest dropped event, when events carry cursors, so resuming
 *   from it continues with the event after the gap. Memory stays bounded and nothing is lost
 *   silently.
 * - The stream can be iterated once; a second `[Symbol.asyncIterator]()` throws `TypeError`.
 * - `close()`, `return()` (a `break`), `[Symbol.asyncDispose]()` and {@link end} end it
 *   normally: buffered events are discarded and a pending or later `next()` resolves done.
 * - The signal firing ends it with an {@link AbortedError} (`KVKIT_ABORTED`, `cause` is the
 *   signal's reason): a pending or later `next()` rejects with it. The abort listener is
 *   removed when the stream ends, however it ends.
 * - {@link fail} ends it with the given error in the same way.
 *
 * Use it by composition (hold one and return it from `watch()`) or by subclassing it (the
 * subclass adds its producer and calls `this.push()`).
 *
 * @example
 * ```ts
 * async watch(options: WatchOptions = {}): Promise<WatchStream> {
 *   // … validate options, throwIfAborted(options.signal)
 *   const stream = new WatchEventQueue({
 *     bufferSize: options.bufferSize ?? 1024,
 *     signal: options.signal,
 *     onEnd: () => this.#streams.delete(stream),
 *   });
 *   this.#streams.add(stream); // each write: for (const s of this.#streams) s.push(event)
 *   return stream;
 * }
 * ```
 */
export class WatchEventQueue implements WatchStream, AsyncIterator<WatchEvent> {
  readonly #bufferSize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onEnd: (() => void) | undefined;
  /** Undelivered events are `#queue[#head]` onward; the head moves instead of shifting. */
  #queue: WatchEvent[] = [];
  #head = 0;
  #waiter: Waiter | undefined;
  #ended = false;
  #error: unknown;
  #failed = false;
  #iterated = false;
  readonly #onAbort = (): void => {
    this.fail(new AbortedError(this.#signal?.reason));
  };

  /**
   * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` when `bufferSize` is not a positive
   *   integer.
   * @throws {AbortedError} `KVKIT_ABORTED` when `signal` has already fired (check it before
   *   acquiring what `onEnd` releases).
   */
  constructor(options: WatchEventQueueOptions) {
    const { bufferSize, signal, onEnd } = options;
    if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
      throw new InvalidOptionError([`bufferSize must be a positive integer, not ${bufferSize}`]);
    }
    throwIfAborted(signal);
    this.#bufferSize = bufferSize;
    this.#signal = signal;
    this.#onEnd = onEnd;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Whether the stream has ended; pushes are ignored from then on. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Queues `event`, or hands it to the pending `next()`. Ignored once the stream has ended.
   * Overflow drops the waiting events and queues a `gap` event before this one.
   */
  push(event: WatchEvent): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
      return;
    }
    const queue = this.#queue;
    if (queue.length - this.#head >= this.#bufferSize) {
      const newest = queue[queue.length - 1] as WatchEvent;
      this.#queue = [{ type: "gap", reason: "overflow", cursor: newest.cursor }, event];
      this.#head = 0;
      return;
    }
    queue.push(event);
  }

  /** Ends the stream normally: buffered events are discarded, `next()` resolves done. */
  end(): void {
    this.#finish();
  }

  /**
   * Ends the stream with `error` (the producer broke): buffered events are discarded, a
   * pending and every later `next()` reject with `error`. Ignored once the stream has ended.
   */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#failed = true;
    this.#error = error;
    this.#finish();
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    const queue = this.#queue;
    if (this.#head < queue.length) {
      const event = queue[this.#head] as WatchEvent;
      if (this.#head + 1 === queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else {
        // Release the event for the garbage collector without shifting the array.
        queue[this.#head++] = undefined as unknown as WatchEvent;
      }
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Called by `break` in `for await`: ends the stream normally. */
  return(): Promise<IteratorResult<WatchEvent>> {
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  /**
   * @throws {TypeError} when called a second time: a stream can be iterated once.
   */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    if (this.#iterated) throw new TypeError("A watch stream can be iterated only once");
    this.#iterated = true;
    return this;
  }

  /** Ends the stream normally. Idempotent. */
  close(): Promise<void> {
    this.#finish();
    return Promise.resolve();
  }

  /** Ends the stream normally (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    this.#finish();
    return Promise.resolve();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#queue = [];
    this.#head = 0;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter !== undefined) {
      if (this.#failed) waiter.reject(this.#error);
      else waiter.resolve({ value: undefined, done: true });
    }
    this.#onEnd?.();
  }
}
