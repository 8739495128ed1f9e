import { isBackendError } from "@kvkit/spec";

/**
 * Moments after a call at which its signal fires: at once (before anything left), on the next
 * microtask and tick (while a write may wait to be written or batched), and after an event-loop
 * turn or a few milliseconds (while its command is on the wire or its file write is in
 * progress). Which stage each one hits depends on the backend and the machine; together they
 * hit every stage of the backends in this repository.
 */
const ABORT_POINTS: readonly ((abort: () => void) => void)[] = [
  (abort) => abort(),
  (abort) => queueMicrotask(abort),
  (abort) => process.nextTick(abort),
  (abort) => setImmediate(abort),
  (abort) => setTimeout(abort, 0),
  (abort) => setTimeout(abort, 1),
  (abort) => setTimeout(abort, 3),
];

/** Attempts per abort point. */
const REPEATS = 6;
/** How many writes {@link writeWithAborts} issues (`attempt` runs from 0 to this minus 1). */
export const ABORT_ATTEMPTS: number = ABORT_POINTS.length * REPEATS;

/** How a write whose signal fired mid-flight ended. */
export type AbortedWriteOutcome = "applied" | "aborted" | "unknown";

/**
 * Issues `write(i, signal)` once per attempt, one after another, with a signal that fires at
 * one of several moments after the call, and returns how each ended: resolved (`applied`),
 * `KVKIT_ABORTED` (`aborted`: the spec's promise is that it was not applied) or
 * `KVKIT_OUTCOME_UNKNOWN` (`unknown`: it left, and may or may not have been applied). Any other
 * rejection, or an `AbortError` without the signal's reason as `cause`, throws.
 */
export async function writeWithAborts(
  write: (attempt: number, signal: AbortSignal) => Promise<unknown>,
): Promise<AbortedWriteOutcome[]> {
  const outcomes: AbortedWriteOutcome[] = [];
  for (let attempt = 0; attempt < ABORT_ATTEMPTS; attempt++) {
    const controller = new AbortController();
    const reason = new Error(`aborted by the conformance suite (attempt ${attempt})`);
    const pending = write(attempt, controller.signal);
    (ABORT_POINTS[attempt % ABORT_POINTS.length] as (abort: () => void) => void)(() =>
      controller.abort(reason),
    );
    try {
      await pending;
      outcomes.push("applied");
    } catch (error) {
      if (isBackendError(error, "KVKIT_OUTCOME_UNKNOWN")) {
        outcomes.push("unknown");
      } else if (isBackendError(error, "KVKIT_ABORTED") && error.cause === reason) {
        outcomes.push("aborted");
      } else {
        throw error;
      }
    }
  }
  return outcomes;
}
