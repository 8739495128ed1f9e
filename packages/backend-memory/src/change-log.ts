/** One write as the store's watchers see it. `key` is the full key, namespace included. */
export interface ChangeRecord {
  /** The store-wide write number; equals the version the write produced. */
  readonly seq: number;
  readonly type: "set" | "delete";
  readonly key: string;
  /** `cursor` of the events made from this record. */
  readonly cursor: string;
}

/** Receives every change of a store as it happens (synchronously, inside the write). */
export interface ChangeSubscriber {
  deliver(record: ChangeRecord): void;
}

/**
 * Fans a store's writes out to its watchers and keeps the most recent ones, so that a watch
 * can resume from an event's cursor.
 *
 * Recording starts with the first subscription: before it no cursor was ever handed out, so
 * there is nothing to resume and writes pay nothing. From then on every write is recorded,
 * with or without subscribers, and the oldest records are dropped beyond `capacity`.
 */
export class ChangeLog {
  /** Names this store in cursors, so a cursor from another store is recognised as foreign. */
  readonly id: string;
  readonly capacity: number;
  readonly #subscribers = new Set<ChangeSubscriber>();
  #records: ChangeRecord[] = [];
  /** Every write with `seq >= #from` is in `#records`; `Infinity` before recording starts. */
  #from = Number.POSITIVE_INFINITY;

  constructor(id: string, capacity: number) {
    this.id = id;
    this.capacity = capacity;
  }

  /** True once a watch was opened on the store; writes must then call {@link append}. */
  get recording(): boolean {
    return this.#from !== Number.POSITIVE_INFINITY;
  }

  /**
   * Starts delivering to `subscriber`. `nextSeq` is the seq the store's next write will get;
   * it marks where recording starts if it has not yet.
   */
  subscribe(subscriber: ChangeSubscriber, nextSeq: number): void {
    if (!this.recording) this.#from = nextSeq;
    this.#subscribers.add(subscriber);
  }

  unsubscribe(subscriber: ChangeSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  /** Records a write and delivers it to every subscriber. */
  append(seq: number, type: "set" | "delete", key: string): void {
    const record: ChangeRecord = { seq, type, key, cursor: `${this.id}.${seq}` };
    const records = this.#records;
    records.push(record);
    // Trim in halves so that appending stays O(1) amortised.
    if (records.length >= this.capacity * 2) {
      this.#records = records.slice(records.length - this.capacity);
      this.#from = (this.#records[0] as ChangeRecord).seq;
    }
    for (const subscriber of this.#subscribers) subscriber.deliver(record);
  }

  /**
   * The seq a cursor names, or `undefined` when it is not a cursor of this store (or names a
   * write that has not happened).
   */
  parseCursor(cursor: string, lastSeq: number): number | undefined {
    const dot = cursor.lastIndexOf(".");
    if (dot < 0 || cursor.slice(0, dot) !== this.id) return undefined;
    const digits = cursor.slice(dot + 1);
    if (!/^(0|[1-9][0-9]{0,15})$/.test(digits)) return undefined;
    const seq = Number(digits);
    return seq <= lastSeq ? seq : undefined;
  }

  /**
   * The records after `seq`, oldest first, or `undefined` when some of them are no longer
   * held (the cursor expired).
   */
  since(seq: number): ChangeRecord[] | undefined {
    if (seq + 1 < this.#from) return undefined;
    const records = this.#records;
    let low = 0;
    let high = records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((records[middle] as ChangeRecord).seq <= seq) low = middle + 1;
      else high = middle;
    }
    return records.slice(low);
  }
}
