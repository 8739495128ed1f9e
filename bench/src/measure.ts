/**
 * One thing being measured: `run()` performs `ops` operations (one pass) and resolves when
 * they are all done. `setup()` runs once before the first round, `teardown()` once after the
 * last.
 */
export interface Contender {
  readonly name: string;
  setup?(): void | Promise<void>;
  /**
   * Performs slice `slice` (0-based) of `slices` equal parts of one pass; `slices` is 1 unless
   * the scenario sets {@link MeasureOptions.slices}, and then the whole pass is `run(0, 1)`.
   */
  run(slice: number, slices: number): void | Promise<void>;
  teardown?(): void | Promise<void>;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Names the scenario in the report, such as `"get, sequential"`. */
  readonly name: string;
  /** Operations one `run()` performs; ops/s = ops / seconds of one run. */
  readonly ops: number;
  readonly contenders: readonly Contender[];
  /** Timed rounds per contender. Default 7. */
  readonly rounds?: number | undefined;
  /** Untimed rounds per contender first (JIT warm-up). Default 2. */
  readonly warmupRounds?: number | undefined;
  /**
   * What a run's duration is: `"wall"` (elapsed time, the default; right for anything that
   * waits on I/O) or `"cpu"` (user + system CPU time of this process, all threads, GC
   * included; for in-process work on a shared machine, where other processes' load would
   * otherwise add their time slices to whichever contender happened to run).
   */
  readonly clock?: "wall" | "cpu" | undefined;
  /**
   * Splits every round into this many slices and runs the contenders slice by slice, in an
   * order rotated per slice, so they are compared over interleaved stretches of time rather than
   * one whole pass after another. For scenarios bound by latency, where the machine's noise
   * (another process's burst) lasts about as long as a pass. Default 1.
   */
  readonly slices?: number | undefined;
}

/** What {@link measure} found for one contender. */
export interface Measurement {
  readonly scenario: string;
  readonly contender: string;
  readonly ops: number;
  /** Operations per second of every timed round, in round order. */
  readonly samples: readonly number[];
  /** The median of `samples`. */
  readonly median: number;
  /** Half the min-max range of `samples`, as a fraction of the median. */
  readonly spread: number;
}

/**
 * Measures every contender in interleaved rounds: each round runs every contender once (or
 * slice by slice, see {@link MeasureOptions.slices}), in an order rotated from round to round, so drift on a shared machine (other processes,
 * thermal limits, GC pressure) spreads over all of them instead of favouring whoever ran
 * first. Reports the median ops/s per contender. Never asserts a speed: comparisons are
 * ratios between contenders of the same run, printed by `printReport()`.
 */
export async function measure(options: MeasureOptions): Promise<Measurement[]> {
  const { name, ops, contenders, rounds = 7, warmupRounds = 2, clock = "wall" } = options;
  const slices = options.slices ?? 1;
  const elapsed = clock === "cpu" ? cpuSeconds : wallSeconds;
  const samples = contenders.map((): number[] => []);
  for (const contender of contenders) await contender.setup?.();
  try {
    for (let round = 0; round < warmupRounds + rounds; round++) {
      const seconds = contenders.map(() => 0);
      if (slices > 1) collectGarbage();
      for (let slice = 0; slice < slices; slice++) {
        for (let turn = 0; turn < contenders.length; turn++) {
          const index = (round + slice + turn) % contenders.length;
          const contender = contenders[index] as Contender;
          if (slices === 1) collectGarbage();
          const started = elapsed();
          await contender.run(slice, slices);
          seconds[index] = (seconds[index] as number) + elapsed() - started;
        }
      }
      if (round >= warmupRounds) {
        for (const [index, spent] of seconds.entries()) {
          (samples[index] as number[]).push(ops / spent);
        }
      }
    }
  } finally {
    for (const contender of contenders) await contender.teardown?.();
  }
  return contenders.map((contender, index) => {
    const own = samples[index] as number[];
    const sorted = [...own].sort((a, b) => a - b);
    const median = medianOf(sorted);
    const spread = median > 0 ? ((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)) / 2 / median : 0;
    return { scenario: name, contender: contender.name, ops, samples: own, median, spread };
  });
}

function medianOf(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function wallSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Runs a full GC between rounds when node was started with `--expose-gc`. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
