import type { OperationOptions } from "./operation-options.ts";

/** Options of {@link WatchCapability.watch}. Give `key` or `prefix`, not both. */
export interface WatchOptions extends OperationOptions {
  /** Watch exactly this key. */
  readonly key?: string | undefined;
  /** Watch every key starting with these UTF-8 bytes. Default `""`: every key. */
  readonly prefix?: string | undefined;
  /**
   * Resume after the event that carried this cursor (requires `manifest.watchResumable`).
   * Events the backend no longer holds are reported as one `gap` event first.
   */
  readonly cursor?: string | undefined;
  /**
   * How many undelivered events the stream may buffer for a slow consumer before it drops
   * them and yields a `gap` event instead. A positive integer; default 1024.
   */
  readonly bufferSize?: number | undefined;
}

/** A key was written. */
export interface WatchSetEvent {
  readonly type: "set";
  readonly key: string;
  /** The version the write produced, where the backend keeps versions. */
  readonly version?: string | undefined;
  /** Pass as `WatchOptions.cursor` to resume after this event, where the manifest allows. */
  readonly cursor?: string | undefined;
}

/** A key that existed was deleted (not reported for keys that expire). */
export interface WatchDeleteEvent {
  readonly type: "delete";
  readonly key: string;
  readonly version?: string | undefined;
  readonly cursor?: string | undefined;
}

/**
 * Events may have been lost here: the consumer fell more than `bufferSize` events behind, the
 * connection to the store was re-established, or a resume cursor was too old. A consumer that
 * mirrors the store should re-read the keys it watches.
 */
export interface WatchGapEvent {
  readonly type: "gap";
  readonly reason: "overflow" | "reconnect" | "cursor-expired";
  readonly cursor?: string | undefined;
}

/** What a watch stream yields. */
export type WatchEvent = WatchSetEvent | WatchDeleteEvent | WatchGapEvent;

/**
 * A live stream of changes. Iterate it with `for await`; `break`, `close()` or the backend's
 * `close()` end it normally; the watch signal firing makes the pending `next()` reject with
 * `KVKIT_ABORTED`. A stream can be iterated once.
 */
export interface WatchStream extends AsyncIterable<WatchEvent>, AsyncDisposable {
  /** Ends the stream and releases what it holds. Idempotent. */
  close(): Promise<void>;
}

/**
 * Change notification for a key or a prefix.
 *
 * The contract, checked by the testkit:
 * - every write that completes after `watch()` resolved is delivered (set, or delete of a key
 *   that existed), with `manifest.watchReach` saying whether writes from other processes are;
 * - events of one key arrive in the order the writes took effect;
 * - no event is delivered for a write that did not happen (a refused compare-and-set, a
 *   delete of a missing key, an aborted or failed write);
 * - where events may have been dropped, a `gap` event says so; nothing is skipped silently.
 */
export interface WatchCapability {
  /** Resolves once the stream observes every later write. */
  watch(options?: WatchOptions): Promise<WatchStream>;
}
