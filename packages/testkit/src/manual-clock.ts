/**
 * A clock that moves only when told to. Backends that accept a clock read `now()`; TTL cases
 * call `advance()` instead of sleeping.
 */
export class ManualClock {
  #now: number;

  constructor(start: number = Date.UTC(2030, 0, 1)) {
    this.#now = start;
  }

  /** The current time in epoch milliseconds. Bound, so it can be passed as a function. */
  readonly now = (): number => this.#now;

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance() takes a non-negative duration, not ${ms}`);
    this.#now += ms;
  }
}
