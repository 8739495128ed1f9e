interface Entry {
  /** `performance.now()` time from which `run` may be called. */
  readonly due: number;
  readonly run: () => void;
}

/**
 * One direction of one proxied connection: runs the actions pushed to it (writing a chunk, or
 * cutting the link) in the order they were pushed, each no earlier than its due time.
 *
 * A single timer serves the head of the queue. One timer per action cannot keep the order: timers
 * due in the same millisecond do not fire in the order they were set, and the wall clock that
 * computed the due time and the loop clock that runs the timers round differently.
 */
export class DelayLine {
  readonly #pending: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastDue = 0;
  #held = false;

  /**
   * Runs `run` `delayMs` milliseconds from now, or later if an action pushed earlier is due later:
   * shortening the delay never lets an action overtake one still pending. Runs it at once when
   * nothing is pending and the delay is 0.
   */
  push(delayMs: number, run: () => void): void {
    const now = performance.now();
    const due = Math.max(now + delayMs, this.#lastDue);
    this.#lastDue = due;
    if (due <= now && this.#pending.length === 0 && !this.#held) {
      run();
      return;
    }
    this.#pending.push({ due, run });
    this.#schedule(now);
  }

  /** Stops running actions; the pending ones stay queued, and pushed ones are queued behind them. */
  hold(): void {
    this.#held = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Drops every pending action and its timer. */
  clear(): void {
    this.#pending.length = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(now: number): void {
    const head = this.#pending[0];
    if (head === undefined || this.#held || this.#timer !== undefined) return;
    this.#timer = setTimeout(this.#flush, Math.max(0, head.due - now));
  }

  readonly #flush = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    for (let head = this.#pending[0]; head !== undefined; head = this.#pending[0]) {
      // The timer may fire a fraction of a millisecond early; the rest waits for the next one.
      if (head.due > now || this.#held) break;
      this.#pending.shift();
      // May clear() or hold() this line, which the loop then sees.
      head.run();
    }
    this.#schedule(now);
  };
}
