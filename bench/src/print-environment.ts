import { availableParallelism, loadavg } from "node:os";

/**
 * Prints what a report was measured on: Node version, CPUs and the 1-minute load average
 * (these machines are shared, so a high load explains a wide spread).
 */
export function printEnvironment(): void {
  const [load = 0] = loadavg();
  console.log(
    `node ${process.version} · ${process.platform}/${process.arch} · ${availableParallelism()} CPUs · load ${load.toFixed(2)} · ${new Date().toISOString()}`,
  );
}
