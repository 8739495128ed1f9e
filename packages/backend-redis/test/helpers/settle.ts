/** How an operation settled: its error code (`"ok"` when it resolved) and how long it took. */
export interface Settled<T> {
  readonly code: string;
  readonly ms: number;
  readonly value: T | undefined;
  readonly error: unknown;
}

/** Runs `operation` and records how it settled, never rejecting. */
export async function settle<T>(operation: () => Promise<T>): Promise<Settled<T>> {
  const started = performance.now();
  try {
    const value = await operation();
    return { code: "ok", ms: performance.now() - started, value, error: undefined };
  } catch (error) {
    const code =
      typeof error === "object" && error !== null && "code" in error
        ? String((error as { code: unknown }).code)
        : `untyped: ${String(error)}`;
    return { code, ms: performance.now() - started, value: undefined, error };
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retries `probe` every 10 ms until it resolves true; resolves the time that took. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe().catch(() => false)) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`condition not reached within ${timeoutMs} ms`);
    }
    await sleep(10);
  }
}
