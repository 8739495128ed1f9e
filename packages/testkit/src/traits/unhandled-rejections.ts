import { onTestFinished } from "vitest";

/**
 * Records every unhandled promise rejection from now until the running test ends. Call
 * `check()` at the end of the test: it waits a little for late rejections and throws if any
 * occurred.
 */
export function watchUnhandledRejections(): { check(): Promise<void> } {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on("unhandledRejection", listener);
  onTestFinished(() => {
    process.off("unhandledRejection", listener);
  });
  return {
    async check() {
      // Unhandled rejections are reported after the microtask queue drains.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (seen.length > 0) {
        throw new Error(`${seen.length} unhandled rejection(s), first: ${String(seen[0])}`, {
          cause: seen[0],
        });
      }
    },
  };
}
