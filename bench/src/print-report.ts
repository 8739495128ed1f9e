import type { Measurement } from "./measure.ts";

/** Options of {@link printReport}. */
export interface ReportOptions {
  /** A heading printed above the table. */
  readonly title: string;
  /**
   * Contender names to divide by: each gets a `vs <name>` column holding the contender's
   * {@link pairedRatio} to that baseline in the same run.
   */
  readonly baselines: readonly string[];
}

/**
 * Prints measurements as a plain-text table, one row per scenario and contender: median
 * ops/s, spread, rounds, and the ratio against every baseline measured in the same scenario (see
 * {@link pairedRatio}).
 */
export function printReport(measurements: readonly Measurement[], options: ReportOptions): void {
  const header = ["scenario", "contender", "median ops/s", "spread", "rounds"];
  for (const baseline of options.baselines) header.push(`vs ${baseline}`);
  const rows: string[][] = [];
  for (const measurement of measurements) {
    const row = [
      measurement.scenario,
      measurement.contender,
      formatRate(measurement.median),
      `±${(measurement.spread * 100).toFixed(0)}%`,
      String(measurement.samples.length),
    ];
    for (const baseline of options.baselines) {
      const base = measurements.find(
        (other) => other.scenario === measurement.scenario && other.contender === baseline,
      );
      row.push(base === undefined ? "-" : `${pairedRatio(measurement, base).toFixed(2)}x`);
    }
    rows.push(row);
  }
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column < 2
          ? cell.padEnd(widths[column] as number)
          : cell.padStart(widths[column] as number),
      )
      .join("  ");
  console.log(`\n${options.title}\n`);
  console.log(line(header));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) console.log(line(row));
  console.log("");
}

/**
 * The median over rounds of `a / b`, pairing the two contenders' samples of the same round.
 * Rounds are interleaved, so each pair was measured seconds apart under the same machine
 * load; on a shared machine this is steadier than dividing the two medians.
 */
export function pairedRatio(a: Measurement, b: Measurement): number {
  const ratios: number[] = [];
  const rounds = Math.min(a.samples.length, b.samples.length);
  for (let round = 0; round < rounds; round++) {
    const base = b.samples[round] as number;
    if (base > 0) ratios.push((a.samples[round] as number) / base);
  }
  ratios.sort((x, y) => x - y);
  if (ratios.length === 0) return Number.NaN;
  const middle = ratios.length >> 1;
  return ratios.length % 2 === 1
    ? (ratios[middle] as number)
    : ((ratios[middle - 1] as number) + (ratios[middle] as number)) / 2;
}

/** `1234567` → `"1.23M"`, `45678` → `"45.7k"`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}
