/**
 * A sequential specification the checker searches against: an initial state and a step
 * function that says whether an operation with a given output is legal in a state.
 */
export interface SequentialModel<S, I, O> {
  /** The state before any operation. */
  readonly init: S;
  /**
   * Applies `input` to `state` and returns the next state, or `undefined` when an operation
   * that returned `output` cannot have happened in `state`. `output` is `undefined` for an
   * operation whose outcome is unknown: apply its effect without checking an output.
   */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A string that is equal for equal states: the memoisation key. */
  key(state: S): string;
  /** One line describing an operation, for failure messages. */
  describe(input: I, output: O | undefined): string;
}

/** One operation of a concurrent history, with the interval in which it took effect. */
export interface TimedOperation<I, O> {
  /** Who issued it; used in messages only. */
  readonly client: string | number;
  readonly input: I;
  /** What it returned; `undefined` when `unknown`. */
  readonly output?: O | undefined;
  /** When it was invoked, on a clock that every client of the history shares. */
  readonly call: number;
  /** When it returned. Ignored when `unknown`. */
  readonly returned: number;
  /**
   * The outcome was lost (an `OUTCOME_UNKNOWN` or aborted write): the operation may have taken
   * effect at any point after `call`, or never. Its output is not checked.
   */
  readonly unknown?: boolean | undefined;
}

/** Options of {@link checkLinearizability}. */
export interface CheckOptions {
  /**
   * The search gives up (verdict `"inconclusive"`) after this many steps. Default 2 000 000,
   * far more than a history of a few clients and a few hundred operations needs.
   */
  readonly maxSteps?: number | undefined;
}

/** What {@link checkLinearizability} found. */
export type LinearizabilityResult =
  | {
      readonly verdict: "linearizable";
      /** Indexes into the history, in an order that explains every output. */
      readonly linearization: readonly number[];
      readonly steps: number;
    }
  | {
      readonly verdict: "violation";
      /**
       * The longest legal prefix the search found, as indexes into the history. The operations
       * that come next in real time cannot follow it: that is where to look.
       */
      readonly longestPrefix: readonly number[];
      /** A readable account of the history and the longest prefix, for failure messages. */
      readonly explanation: string;
      readonly steps: number;
    }
  | { readonly verdict: "inconclusive"; readonly steps: number };

interface Entry {
  /** Index of the operation in the history. */
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  /** The call entry's return entry, and the return entry's call entry. */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/**
 * Decides whether a concurrent history is linearizable with respect to a sequential model:
 * whether every operation can be given one instant between its call and its return so that,
 * in that order, the model produces every observed output.
 *
 * This is the Wing & Gong search with Lowe's memoisation (the algorithm of Knossos and
 * porcupine): walk the call/return events in time order; at a call, try to linearise that
 * operation now (if the model allows its output) and start over from the earliest remaining
 * event; at a return whose operation is still pending, undo the last choice. A configuration,
 * the set of linearised operations plus the model state, is explored at most once; the set
 * is keyed by a 64-bit Zobrist hash (two 32-bit XOR accumulators, seeded deterministically),
 * so memory stays proportional to the configurations visited rather than to their size.
 *
 * Operations with an unknown outcome never block the search: they may be linearised anywhere
 * after their call, or left out ("never happened"). Calls and returns at equal timestamps are
 * treated as overlapping, so coarse clocks can only make the checker more permissive, never
 * report a false violation.
 *
 * Check each independent object (each key of a store) separately: the cost grows with the
 * number of operations that overlap in time, and partitioning keeps that small.
 */
export function checkLinearizability<S, I, O>(
  history: readonly TimedOperation<I, O>[],
  model: SequentialModel<S, I, O>,
  options: CheckOptions = {},
): LinearizabilityResult {
  const maxSteps = options.maxSteps ?? 2_000_000;
  const head = buildEntries(history);
  const [low, high] = zobristTable(history.length);
  let knownRemaining = history.filter((op) => op.unknown !== true).length;
  const seen = new Set<string>();
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.init;
  let hashLow = 0;
  let hashHigh = 0;
  let longest: number[] = [];
  let steps = 0;
  let entry = head.next;

  while (knownRemaining > 0) {
    if (++steps > maxSteps) return { verdict: "inconclusive", steps };
    if (entry === undefined) {
      // Only unknown operations' returns (at +∞) remain after the last known return; running
      // off the end means every remaining choice was exhausted at this depth.
      entry = backtrack();
      if (entry === undefined) return violation();
      continue;
    }
    if (entry.isCall) {
      const operation = history[entry.op] as TimedOperation<I, O>;
      const unknown = operation.unknown === true;
      const next = model.step(state, operation.input, unknown ? undefined : operation.output);
      if (next !== undefined) {
        const nextLow = (hashLow ^ (low[entry.op] as number)) >>> 0;
        const nextHigh = (hashHigh ^ (high[entry.op] as number)) >>> 0;
        const memo = `${nextLow.toString(36)}.${nextHigh.toString(36)}.${model.key(next)}`;
        if (!seen.has(memo)) {
          seen.add(memo);
          stack.push({ entry, state });
          state = next;
          hashLow = nextLow;
          hashHigh = nextHigh;
          if (!unknown) knownRemaining--;
          lift(entry);
          if (stack.length > longest.length) longest = stack.map((frame) => frame.entry.op);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // A pending operation returned before we linearised it: this branch is dead.
      entry = backtrack();
      if (entry === undefined) return violation();
    }
  }
  return { verdict: "linearizable", linearization: stack.map((frame) => frame.entry.op), steps };

  function backtrack(): Entry | undefined {
    const frame = stack.pop();
    if (frame === undefined) return undefined;
    state = frame.state;
    hashLow = (hashLow ^ (low[frame.entry.op] as number)) >>> 0;
    hashHigh = (hashHigh ^ (high[frame.entry.op] as number)) >>> 0;
    if ((history[frame.entry.op] as TimedOperation<I, O>).unknown !== true) knownRemaining++;
    unlift(frame.entry);
    return frame.entry.next;
  }

  function violation(): LinearizabilityResult {
    return {
      verdict: "violation",
      longestPrefix: longest,
      explanation: explain(history, model, longest),
      steps,
    };
  }
}

function buildEntries<I, O>(history: readonly TimedOperation<I, O>[]): Entry {
  const entries: Entry[] = [];
  for (const [op, operation] of history.entries()) {
    const call: Entry = {
      op,
      isCall: true,
      time: operation.call,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    const returned = operation.unknown === true ? Number.POSITIVE_INFINITY : operation.returned;
    if (!(returned >= operation.call)) {
      throw new RangeError(
        `Operation ${op} returns (${returned}) before its call (${operation.call})`,
      );
    }
    const ret: Entry = {
      op,
      isCall: false,
      time: returned,
      match: call,
      prev: undefined,
      next: undefined,
    };
    call.match = ret;
    entries.push(call, ret);
  }
  // At equal times calls sort first: touching intervals count as concurrent (permissive).
  entries.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
  const head: Entry = {
    op: -1,
    isCall: false,
    time: Number.NEGATIVE_INFINITY,
    match: undefined,
    prev: undefined,
    next: undefined,
  };
  let last = head;
  for (const entry of entries) {
    last.next = entry;
    entry.prev = last;
    last = entry;
  }
  return head;
}

/** Removes a call entry and its return entry from the list. */
function lift(call: Entry): void {
  unlink(call);
  unlink(call.match as Entry);
}

/** Puts back what {@link lift} removed (in reverse order, so the links are restored exactly). */
function unlift(call: Entry): void {
  relink(call.match as Entry);
  relink(call);
}

function unlink(entry: Entry): void {
  (entry.prev as Entry).next = entry.next;
  if (entry.next !== undefined) entry.next.prev = entry.prev;
}

function relink(entry: Entry): void {
  (entry.prev as Entry).next = entry;
  if (entry.next !== undefined) entry.next.prev = entry;
}

/** Two random 32-bit words per operation, from a fixed seed so verdicts are reproducible. */
function zobristTable(size: number): [Uint32Array, Uint32Array] {
  let seed = 0x9e3779b9;
  const next = (): number => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const low = new Uint32Array(size);
  const high = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    low[i] = next();
    high[i] = next();
  }
  return [low, high];
}

function explain<S, I, O>(
  history: readonly TimedOperation<I, O>[],
  model: SequentialModel<S, I, O>,
  longest: readonly number[],
): string {
  const origin = Math.min(...history.map((op) => op.call));
  const line = (index: number): string => {
    const op = history[index] as TimedOperation<I, O>;
    const end = op.unknown === true ? "?" : (op.returned - origin).toFixed(3);
    const text = model.describe(op.input, op.unknown === true ? undefined : op.output);
    return `#${index} client ${op.client} [${(op.call - origin).toFixed(3)}, ${end}] ${text}`;
  };
  const order = history
    .map((_, index) => index)
    .sort((a, b) => {
      const x = history[a] as TimedOperation<I, O>;
      const y = history[b] as TimedOperation<I, O>;
      return x.call - y.call || a - b;
    });
  const rest = order.filter((index) => !longest.includes(index));
  return [
    "No linearization exists. History (by call time):",
    ...order.map((index) => `  ${line(index)}`),
    `Longest legal prefix (${longest.length} of ${history.length}):`,
    ...longest.map((index) => `  ${line(index)}`),
    "None of the remaining operations can come next:",
    ...rest.map((index) => `  ${line(index)}`),
  ].join("\n");
}
