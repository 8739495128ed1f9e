import { type Backend, hasCapability, isBackendError, type Version } from "@kvkit/spec";

/** Which backend method a recorded operation called. */
export type RecordedKind = "get" | "getVersioned" | "set" | "delete" | "compareAndSet";

/**
 * How a recorded operation ended:
 * - `ok`: it resolved, with what it resolved (`value` encoded by {@link encodeValue}, `null` when missing);
 * - `conflict`: a compare-and-set was refused with `KVKIT_CONFLICT` (definitely not written);
 * - `failed`: it rejected with a code that promises no effect (invalid input, closed,
 *   unavailable, timeout); it is left out of the check;
 * - `unknown`: it may or may not have taken effect (`KVKIT_OUTCOME_UNKNOWN`, an aborted
 *   write, an error that is not a kvkit error). The checker lets it happen anywhere after its
 *   call, or never.
 */
export type RecordedOutcome =
  | {
      readonly type: "ok";
      readonly value?: string | null | undefined;
      readonly version?: Version | undefined;
      readonly existed?: boolean | undefined;
    }
  | { readonly type: "conflict" }
  | { readonly type: "failed"; readonly code: string }
  | { readonly type: "unknown"; readonly error: unknown };

/** One call made through a {@link RecordingClient}. */
export interface RecordedOperation {
  readonly client: string;
  readonly key: string;
  readonly kind: RecordedKind;
  /** The bytes written (set, compareAndSet), encoded by {@link encodeValue}. */
  readonly value?: string | undefined;
  /** The version compareAndSet expected; `null` for "must be absent". */
  readonly expected?: Version | null | undefined;
  /** Milliseconds on the recorder's monotonic clock. */
  readonly call: number;
  readonly returned: number;
  readonly outcome: RecordedOutcome;
}

/** Codes after which a write certainly did not happen. */
const NO_EFFECT_CODES: ReadonlySet<string> = new Set([
  "KVKIT_INVALID_KEY",
  "KVKIT_INVALID_VALUE",
  "KVKIT_INVALID_OPTION",
  "KVKIT_TOO_LARGE",
  "KVKIT_NOT_SUPPORTED",
  "KVKIT_CLOSED",
  "KVKIT_UNAVAILABLE",
  "KVKIT_TIMEOUT",
]);

/**
 * Records a concurrent history: every call made through its clients, with invoke and return
 * times from one monotonic clock (`process.hrtime.bigint()`, CLOCK_MONOTONIC on Linux).
 * Feed {@link HistoryRecorder.operations} to {@link checkKvHistory}.
 *
 * @example
 * ```ts
 * const recorder = new HistoryRecorder();
 * const alice = recorder.client("alice", backend);
 * await Promise.all([alice.set("k", bytes("1")), recorder.client("bob", other).get("k")]);
 * expect(checkKvHistory(recorder.operations).ok).toBe(true);
 * ```
 */
export class HistoryRecorder {
  /** Every operation that has returned, in return order. */
  readonly operations: RecordedOperation[] = [];
  readonly #origin = process.hrtime.bigint();

  /** Milliseconds since the recorder was created, with sub-microsecond resolution. */
  now(): number {
    return Number(process.hrtime.bigint() - this.#origin) / 1e6;
  }

  /** A client named `name` whose calls on `backend` are recorded. */
  client(name: string, backend: Backend): RecordingClient {
    return new RecordingClient(this, name, backend);
  }

  /** Runs `run`, timing it and storing the outcome; resolves or rejects as `run` does. */
  async record<T>(
    entry: Omit<RecordedOperation, "call" | "returned" | "outcome">,
    run: () => Promise<T>,
    describe: (result: T) => RecordedOutcome,
  ): Promise<T> {
    const call = this.now();
    try {
      const result = await run();
      this.operations.push({ ...entry, call, returned: this.now(), outcome: describe(result) });
      return result;
    } catch (error) {
      const returned = this.now();
      this.operations.push({ ...entry, call, returned, outcome: classify(entry.kind, error) });
      throw error;
    }
  }
}

/** The recorded face of a backend for one client. Methods behave as the backend's. */
export class RecordingClient {
  readonly #recorder: HistoryRecorder;
  readonly #name: string;
  readonly #backend: Backend;

  constructor(recorder: HistoryRecorder, name: string, backend: Backend) {
    this.#recorder = recorder;
    this.#name = name;
    this.#backend = backend;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#recorder.record(
      { client: this.#name, key, kind: "get" },
      () => this.#backend.get(key),
      (value) => ({ type: "ok", value: value === undefined ? null : encodeValue(value) }),
    );
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return this.#recorder.record(
      { client: this.#name, key, kind: "set", value: encodeValue(value) },
      () => this.#backend.set(key, value),
      () => ({ type: "ok" }),
    );
  }

  delete(key: string): Promise<boolean> {
    return this.#recorder.record(
      { client: this.#name, key, kind: "delete" },
      () => this.#backend.delete(key),
      (existed) => ({ type: "ok", existed }),
    );
  }

  getVersioned(key: string): Promise<{ value: Uint8Array; version: Version } | undefined> {
    const backend = this.#atomic();
    return this.#recorder.record(
      { client: this.#name, key, kind: "getVersioned" },
      () => backend.getVersioned(key),
      (entry) =>
        entry === undefined
          ? { type: "ok", value: null }
          : { type: "ok", value: encodeValue(entry.value), version: entry.version },
    );
  }

  compareAndSet(key: string, expected: Version | null, value: Uint8Array): Promise<Version> {
    const backend = this.#atomic();
    return this.#recorder.record(
      { client: this.#name, key, kind: "compareAndSet", value: encodeValue(value), expected },
      () => backend.compareAndSet(key, expected, value),
      (version) => ({ type: "ok", version }),
    );
  }

  #atomic() {
    if (!hasCapability(this.#backend, "atomicWrite")) {
      throw new TypeError("The recorded backend does not declare atomicWrite");
    }
    return this.#backend;
  }
}

function classify(kind: RecordedKind, error: unknown): RecordedOutcome {
  if (kind === "compareAndSet" && isBackendError(error, "KVKIT_CONFLICT")) {
    return { type: "conflict" };
  }
  if (isBackendError(error) && NO_EFFECT_CODES.has(error.code)) {
    return { type: "failed", code: error.code };
  }
  return { type: "unknown", error };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A value as a readable string that identifies its bytes exactly: a JSON string literal when
 * the bytes are UTF-8 (`"c1.0"`), `0x` and lower-case hex otherwise. The two forms cannot
 * collide, since one starts with a quote.
 */
export function encodeValue(value: Uint8Array): string {
  try {
    return JSON.stringify(strictUtf8.decode(value));
  } catch {
    let text = "0x";
    for (const byte of value) text += byte.toString(16).padStart(2, "0");
    return text;
  }
}
