import type { Redis } from "ioredis";

/** Rejects a command whose answer was lost with its connection. */
export class InFlightLostError extends Error {
  override readonly name = "InFlightLostError";

  constructor() {
    super("The connection closed before Redis answered this command");
  }
}

interface CommandQueue {
  readonly length: number;
  shift(): { readonly command: { reject(error: Error): void } } | undefined;
}

interface Internals {
  commandQueue: CommandQueue;
  flushQueue(error: Error, options?: unknown): void;
}

/**
 * Makes the commands in flight on `connection` (written, not yet answered) reject with
 * {@link InFlightLostError} as soon as its socket closes.
 *
 * Two ioredis 5 behaviours would otherwise break the backend's promise that a write whose
 * answer was lost is never applied twice and never waits forever:
 * - with `autoResendUnfulfilledCommands: false`, commands in flight are dropped on reconnect
 *   without being settled (ioredis #2193), so they would wait for `commandTimeout`;
 * - a Cluster node connection that closes rejects them with "Connection is closed.", which the
 *   Cluster client answers by sending them again to another connection.
 * The closed-socket handler calls `flushQueue` (node connections) or emits `close` on the next
 * tick before any reconnect (standalone); both paths drain the in-flight queue first here.
 */
export function rejectInFlightOnClose(connection: Redis): void {
  const internals = connection as unknown as Internals;
  const drain = (): void => {
    const queue = internals.commandQueue;
    while (queue.length > 0) queue.shift()?.command.reject(new InFlightLostError());
  };
  const flushQueue = internals.flushQueue;
  internals.flushQueue = function (this: unknown, error: Error, options?: unknown): void {
    drain();
    flushQueue.call(this, error, options);
  };
  connection.on("close", drain);
}
