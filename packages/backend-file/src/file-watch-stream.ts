import { WatchEventQueue } from "@kvkit/spec";

/**
 * One watch: a {@link WatchEventQueue} (bounded buffer, overflow `gap`, abort and close) that
 * the backend pushes the events of matching keys into.
 */
export class FileWatchStream extends WatchEventQueue {
  /** Full key (namespace included) to watch, or `undefined` to watch `prefix`. */
  readonly key: string | undefined;
  /** Full-key prefix to watch when `key` is `undefined`. */
  readonly prefix: string;

  /**
   * @param onEnd Called once when the stream ends (forget the stream, stop polling).
   */
  constructor(
    key: string | undefined,
    prefix: string,
    bufferSize: number,
    signal: AbortSignal | undefined,
    onEnd: () => void,
  ) {
    super({ bufferSize, signal, onEnd });
    this.key = key;
    this.prefix = prefix;
  }

  /** Whether an event for this full key concerns this stream. */
  matches(fullKey: string): boolean {
    return this.key === undefined ? fullKey.startsWith(this.prefix) : fullKey === this.key;
  }
}
