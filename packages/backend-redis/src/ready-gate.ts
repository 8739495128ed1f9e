import { AbortedError, ClosedError, UnavailableError } from "@kvkit/spec";
import type { Cluster, Redis } from "ioredis";

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Holds operations until the client is ready, for at most a deadline each.
 *
 * The client runs with `enableOfflineQueue: false`, so ioredis never queues a command it cannot
 * write. Operations wait here instead: one shared `ready` listener, a timer per waiter, and a
 * typed `KVKIT_UNAVAILABLE` when the deadline passes (the command was never sent, so a write
 * did not happen). A ready client costs one status check and nothing else.
 */
export class ReadyGate {
  readonly #client: Redis | Cluster;
  readonly #waiters = new Set<Waiter>();
  #lastError: Error | undefined;
  #closed = false;

  constructor(client: Redis | Cluster) {
    this.#client = client;
    client.on("ready", () => {
      for (const waiter of this.#waiters) waiter.resolve();
      this.#waiters.clear();
    });
    // Without an `error` listener ioredis prints every connection error to the console.
    client.on("error", (error: Error) => {
      this.#lastError = error;
    });
  }

  /** The last connection error, for health details. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Whether commands can be written now. */
  get ready(): boolean {
    return this.#client.status === "ready";
  }

  /**
   * Resolves when the client is ready; starts connecting a lazy client.
   *
   * @throws {ClosedError} once {@link ReadyGate.close} was called.
   * @throws {UnavailableError} when it is not ready within `timeoutMs`.
   * @throws {AbortedError} when `signal` fires first.
   */
  wait(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const client = this.#client;
    if (this.#closed || client.status === "end") return Promise.reject(new ClosedError());
    if (client.status === "ready") return Promise.resolve();
    if (client.status === "wait") client.connect().catch(() => {});
    return new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.reject(new AbortedError(signal?.reason));
      const timer = setTimeout(() => {
        const reason = this.#lastError === undefined ? "" : ` (${this.#lastError.message})`;
        waiter.reject(
          new UnavailableError(
            `Redis was not reachable within ${timeoutMs} ms: the client is ${client.status}${reason}`,
            { cause: this.#lastError },
          ),
        );
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Rejects every waiter, and every later wait, when the backend closes. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.reject(new ClosedError());
    this.#waiters.clear();
  }
}
