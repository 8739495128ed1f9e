import { isBackendError } from "@kvkit/spec";

/**
 * The code `run` throws with, the error's name for an error without one (a plain `TypeError`),
 * or `undefined` when it returns.
 */
export function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isBackendError(error) ? error.code : (error as Error).name;
  }
  return undefined;
}
