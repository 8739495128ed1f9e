import {
  BackendError,
  ClosedError,
  OutcomeUnknownError,
  TimeoutError,
  UnavailableError,
} from "@kvkit/spec";
import { COMMAND_TIMED_OUT } from "./command-deadlines.ts";
import { InFlightLostError } from "./reject-in-flight-on-close.ts";

/** Messages of ioredis errors raised before a command was written to a socket. */
const NOT_SENT = [
  "Stream isn't writeable",
  "Connection is closed.",
  "Cluster isn't ready",
  "Cluster is ended",
  "Failed to refresh slots cache",
  "None of startup nodes is available",
];

/**
 * Turns a driver error into the spec's typed error, keeping it as `cause`.
 *
 * A read that failed is `KVKIT_TIMEOUT` or `KVKIT_UNAVAILABLE`. A write is only reported as
 * not having happened (`KVKIT_UNAVAILABLE`) when it provably never ran: the server answered with
 * an error (our scripts check before they write), or ioredis refused it before writing it to
 * the socket. Any other write failure, a deadline or a connection lost with the command in
 * flight, is `KVKIT_OUTCOME_UNKNOWN`: the script may have run, exactly once, since re-sending is
 * off. Never a false success, never a false conflict.
 */
export function mapRedisError(
  cause: unknown,
  operation: string,
  write: boolean,
  timeoutMs: number,
  closed: boolean,
): BackendError {
  if (cause instanceof BackendError) return cause;
  const error = cause instanceof Error ? cause : new Error(String(cause));
  const what = `Redis ${operation}`;
  if (error.name === "ReplyError") {
    return new UnavailableError(`${what} was refused by the server: ${error.message}`, { cause });
  }
  if (
    error.name === "MaxRetriesPerRequestError" ||
    NOT_SENT.some((m) => error.message.startsWith(m))
  ) {
    if (closed) return new ClosedError({ cause });
    return new UnavailableError(`${what} failed: Redis is not reachable`, { cause });
  }
  const timedOut = error.message === COMMAND_TIMED_OUT;
  if (write) {
    return new OutcomeUnknownError(
      `${what} may or may not have been applied: ${
        timedOut ? `no answer within ${timeoutMs} ms` : "the connection was lost"
      }`,
      { cause },
    );
  }
  if (timedOut) {
    return new TimeoutError(`${what} got no answer within ${timeoutMs} ms`, timeoutMs, { cause });
  }
  if (error instanceof InFlightLostError) {
    return new UnavailableError(`${what} failed: the connection was lost`, { cause });
  }
  return new UnavailableError(`${what} failed: ${error.message}`, { cause });
}
