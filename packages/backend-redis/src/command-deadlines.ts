import type { Redis } from "ioredis";

/** The message of ioredis's own `commandTimeout` error, which `mapRedisError` recognises. */
export const COMMAND_TIMED_OUT = "Command timed out";

/** The part of an ioredis `Command` a deadline needs, plus the send time stamped on it here. */
interface TimedCommand {
  reject(error: Error): void;
  kvkitSentAt?: number;
}

/**
 * An entry of a connection's command queue: one per write of a command. The mark is on the
 * entry, not the command, because ioredis can write one command twice (a Cluster redirection
 * does) while its timed-out entry still heads the first connection's queue.
 */
interface QueuedCommand {
  readonly command: TimedCommand;
  kvkitTimedOut?: boolean;
}

/** ioredis's queue of the commands written to a connection and not yet answered, oldest first. */
interface CommandQueue {
  readonly length: number;
  peekAt(index: number): QueuedCommand | undefined;
}

interface Connection {
  commandQueue: CommandQueue;
  sendCommand(command: TimedCommand, stream?: unknown): unknown;
}

/**
 * Rejects every command that waits for its answer longer than `timeoutMs`, like ioredis's
 * `commandTimeout` (same error, same moment), with one timer for all commands in flight instead
 * of a timer armed and cleared per command, which cost about 5% of the CPU of each operation
 * with 64 in flight.
 *
 * Each command gets its send time when it is written. A connection answers in order, so the
 * oldest unanswered command of each connection is the head of its queue: the timer fires at the
 * earliest head's deadline, rejects what has expired and re-arms for the next head. A command
 * that timed out stays in the queue until its late answer (or the connection's end) removes it,
 * as with `commandTimeout`; those form the head of the queue, and are skipped by a binary search.
 *
 * Only for connections where every command waiting for an answer is in that queue: a standalone
 * client with `enableOfflineQueue: false`. The Cluster client also holds commands between
 * redirections and in its node connections' offline queues, out of this timer's sight.
 */
export class CommandDeadlines {
  readonly #timeoutMs: number;
  readonly #connections = new Set<Connection>();
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Puts the commands written to `connection` under the deadline. */
  add(connection: Redis): void {
    const target = connection as unknown as Connection;
    const send = target.sendCommand;
    const deadlines = this;
    target.sendCommand = function (this: Connection, command, stream) {
      // A command sent again (a Cluster redirection) keeps its first send time.
      command.kvkitSentAt ??= performance.now();
      if (deadlines.#timer === undefined) deadlines.#arm(deadlines.#timeoutMs);
      return send.call(this, command, stream);
    };
    this.#connections.add(target);
    // An ended connection has settled its commands; the last one to end stops the timer.
    connection.once("end", () => {
      this.#connections.delete(target);
      if (this.#connections.size > 0) return;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    });
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#sweep(), Math.max(0, Math.ceil(delayMs)));
    // The sockets keep the process alive while commands are in flight; the timer need not.
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const { commandQueue: queue } of this.#connections) {
      for (let i = firstNotTimedOut(queue); i < queue.length; i++) {
        const entry = queue.peekAt(i) as QueuedCommand;
        const deadline = (entry.command.kvkitSentAt ?? now) + this.#timeoutMs;
        if (deadline > now) {
          next = Math.min(next, deadline);
          break;
        }
        entry.kvkitTimedOut = true;
        entry.command.reject(new Error(COMMAND_TIMED_OUT));
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next - now);
  }
}

/** The index of the first command in `queue` not timed out; those that are form its head. */
function firstNotTimedOut(queue: CommandQueue): number {
  let low = 0;
  let high = queue.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (queue.peekAt(middle)?.kvkitTimedOut === true) low = middle + 1;
    else high = middle;
  }
  return low;
}
