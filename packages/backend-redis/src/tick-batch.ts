/** What a kind of {@link TickBatch} is made of. */
export interface TickBatchKind<Item, Result> {
  /**
   * Sends `items` as one command. Resolves one result per item, in order, or `undefined` when
   * every operation resolves with `undefined`.
   */
  send(items: readonly Item[]): Promise<readonly Result[] | undefined>;
}

interface Settler<Result> {
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/**
 * Operations of one kind (gets, or sets) issued in the same tick, sent together as one
 * multi-key command (`MGET`, or `MSET` / one script call) instead of one command each.
 *
 * The command's outcome is every operation's outcome: its result at the operation's index, or
 * its error (a deadline, a lost connection) for all of them.
 */
export class TickBatch<Item, Result> {
  readonly kind: TickBatchKind<Item, Result>;
  readonly #items: Item[] = [];
  readonly #settlers: Settler<Result>[] = [];

  constructor(kind: TickBatchKind<Item, Result>) {
    this.kind = kind;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds an operation; it settles when the batch's command does. */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#items.push(item);
      this.#settlers.push({ resolve, reject });
    });
  }

  /** Sends the batch's command (once) and settles its operations with the outcome. */
  send(): void {
    const settlers = this.#settlers;
    this.kind.send(this.#items).then(
      (results) => {
        for (let i = 0; i < settlers.length; i++) {
          (settlers[i] as Settler<Result>).resolve(results?.[i] as Result);
        }
      },
      (error: unknown) => {
        for (const settler of settlers) settler.reject(error);
      },
    );
  }
}
