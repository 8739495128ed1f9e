import fc from "fast-check";
import type { SuiteContext } from "../suite-context.ts";

/**
 * Runs an async property with the suite's parameters, like `fc.assert`, and on failure throws
 * fast-check's report (seed, path, shrunk counterexample, the error) followed by the command
 * that replays exactly this failure.
 */
export async function assertProperty<Ts>(
  suite: SuiteContext,
  property: fc.IAsyncProperty<Ts>,
  numRuns: number = suite.propertyRuns,
): Promise<void> {
  const details = await fc.check(property, { ...suite.propertyParameters(), numRuns });
  if (!details.failed) return;
  const report = (await fc.asyncDefaultReportMessage(details)) ?? "property failed";
  // fc.commands prints the replay path of a command sequence inside the counterexample.
  const replayPath = /\/\*replayPath="([^"]*)"\*\//.exec(report)?.[1];
  const replay = [
    `KVKIT_TESTKIT_SEED=${details.seed}`,
    details.counterexamplePath === null
      ? undefined
      : `KVKIT_TESTKIT_PATH=${details.counterexamplePath}`,
    replayPath === undefined ? undefined : `KVKIT_TESTKIT_REPLAY_PATH=${replayPath}`,
  ]
    .filter((part) => part !== undefined)
    .join(" ");
  const error = new Error(
    `${report}\n\nReplay exactly this failure by running the same test with: ${replay}`,
    { cause: details.errorInstance },
  );
  throw error;
}
