import { WatchEventQueue } from "@kvkit/spec";
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
 * One watch: the store pushes matching changes into a {@link WatchEventQueue}, drained by
 * `for await` (bounded buffer, overflow `gap`, abort and close come from the queue).
 */
export class MemoryWatchStream extends WatchEventQueue implements ChangeSubscriber {
  readonly #filter: WatchFilter;

  /**
   * @param onEnd Called once when the stream ends (unsubscribe, forget the stream).
   */
  constructor(filter: WatchFilter, signal: AbortSignal | undefined, onEnd: () => void) {
    super({ bufferSize: filter.bufferSize, signal, onEnd });
    this.#filter = filter;
  }

  /** Pushes `record` if it matches the filter. Called by the store inside the write. */
  deliver(record: ChangeRecord): void {
    const filter = this.#filter;
    const key = record.key;
    if (filter.key !== undefined ? key !== filter.key : !key.startsWith(filter.prefix)) return;
    this.push({
      type: record.type,
      key: key.slice(filter.namespace.length),
      version: String(record.seq),
      cursor: record.cursor,
    });
  }
}
