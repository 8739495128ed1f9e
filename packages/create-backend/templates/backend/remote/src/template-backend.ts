import type {
  Backend,
  HealthReport,
  ListEntry,
  ListOptions,
  Manifest,
  OperationOptions,
  WriteOptions,
} from "@kvkit/spec";
import {
  AbortedError,
  assertValidKey,
  assertValidKeyPattern,
  assertValidValue,
  ClosedError,
  InvalidCursorError,
  InvalidOptionError,
  NotSupportedError,
  OutcomeUnknownError,
  TimeoutError,
  UnavailableError,
} from "@kvkit/spec";
import { manifest } from "./manifest.ts";
import type { TemplateBackendOptions } from "./options.ts";

/** How many keys one list request fetches. */
const PAGE_SIZE = 256;

/** What a request needs besides its path. */
interface RequestOptions {
  readonly method: "GET" | "HEAD" | "PUT" | "DELETE";
  readonly body?: Uint8Array | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Whether the request changes data: a lost answer then leaves the outcome unknown. */
  readonly write: boolean;
  readonly timeoutMs?: number | undefined;
}

/**
 * A client for a key-value server reached over HTTP. Every request has a deadline; errors map
 * to the spec's codes: a refused connection is `KVKIT_UNAVAILABLE`, a read past its deadline
 * `KVKIT_TIMEOUT`, and a write whose answer was lost `KVKIT_OUTCOME_UNKNOWN`.
 */
export class TemplateBackend implements Backend {
  readonly manifest: Manifest = manifest;
  readonly #url: string;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  /** Fired by close(): requests in flight settle (with KVKIT_CLOSED) instead of hanging. */
  readonly #lifetime = new AbortController();

  // No I/O here: the first request opens the connection.
  constructor(options: TemplateBackendOptions) {
    this.#url = options.url.replace(/\/+$/, "");
    this.#prefix = options.prefix ?? "";
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  async get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    this.#begin(options);
    this.#checkKey(key);
    const response = await this.#request(this.#keyPath(key), { method: "GET", ...read(options) });
    if (response.status === 404) return undefined;
    return new Uint8Array(await this.#body(response, options));
  }

  async set(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    this.#begin(options);
    this.#checkKey(key);
    assertValidValue(value, this.manifest.limits.maxValueBytes);
    if (options?.ttlMs !== undefined) throw new NotSupportedError("ttl");
    // A copy: the caller may reuse its buffer while the request is on the wire.
    const body = new Uint8Array(value);
    await this.#request(this.#keyPath(key), {
      method: "PUT",
      body,
      signal: options?.signal,
      write: true,
    });
  }

  async delete(key: string, options?: OperationOptions): Promise<boolean> {
    this.#begin(options);
    this.#checkKey(key);
    const response = await this.#request(this.#keyPath(key), {
      method: "DELETE",
      signal: options?.signal,
      write: true,
    });
    return response.status !== 404;
  }

  async has(key: string, options?: OperationOptions): Promise<boolean> {
    this.#begin(options);
    this.#checkKey(key);
    const response = await this.#request(this.#keyPath(key), { method: "HEAD", ...read(options) });
    return response.status !== 404;
  }

  async *list(options?: ListOptions): AsyncIterable<ListEntry> {
    this.#begin(options);
    const { prefix = "", start, end, limit, reverse = false, cursor } = options ?? {};
    assertValidKeyPattern(prefix, "prefix");
    if (start !== undefined) assertValidKeyPattern(start, "start");
    if (end !== undefined) assertValidKeyPattern(end, "end");
    if (typeof reverse !== "boolean") throw new TypeError("reverse must be a boolean");
    if (limit !== undefined) {
      if (typeof limit !== "number") throw new TypeError("limit must be a number");
      if (!Number.isInteger(limit) || limit < 0) {
        throw new InvalidOptionError([`limit must be a non-negative integer, not ${limit}`]);
      }
    }
    const scope = JSON.stringify([prefix, start ?? null, end ?? null, reverse]);
    let after = cursor === undefined ? undefined : this.#decodeCursor(cursor, scope);
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      this.#begin(options);
      const query = new URLSearchParams({
        prefix: this.#prefix + prefix,
        limit: String(Math.min(PAGE_SIZE, remaining)),
        reverse: String(reverse),
      });
      if (start !== undefined) query.set("start", this.#prefix + start);
      if (end !== undefined) query.set("end", this.#prefix + end);
      if (after !== undefined) query.set("after", this.#prefix + after);
      const response = await this.#request(`/keys?${query}`, { method: "GET", ...read(options) });
      const page = JSON.parse(
        new TextDecoder().decode(await this.#body(response, options)),
      ) as string[];
      for (const stored of page) {
        this.#begin(options);
        const key = stored.slice(this.#prefix.length);
        after = key;
        remaining--;
        yield { key, cursor: this.#encodeCursor(key, scope) };
      }
      if (page.length < PAGE_SIZE) return;
    }
  }

  async health(options?: OperationOptions): Promise<HealthReport> {
    const started = performance.now();
    let error: string | undefined;
    try {
      this.#begin(options);
      await this.#request("/health", {
        method: "GET",
        ...read(options),
        // Half the declared bound: the rest is slack for a loaded machine.
        timeoutMs: Math.min(this.#timeoutMs, this.manifest.healthTimeoutMs / 2),
      });
    } catch (cause) {
      // health() never rejects: the reason goes into details.
      error = cause instanceof Error ? cause.message : String(cause);
    }
    return {
      status: error === undefined ? "ok" : "unavailable",
      latencyMs: performance.now() - started,
      checkedAt: Date.now(),
      details: error === undefined ? { url: this.#url } : { url: this.#url, error },
    };
  }

  async close(): Promise<void> {
    this.#lifetime.abort();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #begin(options: OperationOptions | undefined): void {
    if (this.#lifetime.signal.aborted) throw new ClosedError();
    if (options?.signal?.aborted) throw new AbortedError(options.signal.reason);
  }

  #checkKey(key: string): void {
    assertValidKey(key, this.manifest.limits.maxKeyBytes);
  }

  #keyPath(key: string): string {
    return `/kv/${encodeURIComponent(this.#prefix + key)}`;
  }

  /**
   * Sends one request with a deadline and maps every failure to a spec error. Resolves
   * responses with status 2xx and 404; anything else is the server failing.
   */
  async #request(path: string, options: RequestOptions): Promise<Response> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signals = [this.#lifetime.signal, deadline];
    if (options.signal !== undefined) signals.push(options.signal);
    let response: Response | undefined;
    // A read is sent twice at most: the first try may hit a pooled connection the server (or
    // the network) already dropped. A write is sent once, so it is never applied twice.
    for (let attempt = 1; response === undefined; attempt++) {
      try {
        response = await fetch(this.#url + path, {
          method: options.method,
          signal: AbortSignal.any(signals),
          ...(options.body === undefined ? {} : { body: options.body }),
        });
      } catch (cause) {
        const error = this.#failure(cause, options, timeoutMs, deadline);
        if (options.write || attempt > 1 || !(error instanceof UnavailableError)) throw error;
      }
    }
    // Only GET answers carry a body worth reading; release the others' at once.
    if (options.method !== "GET" || !response.ok) await response.body?.cancel();
    if (response.ok || response.status === 404) return response;
    throw new UnavailableError(
      `The server answered ${response.status} to ${options.method} ${path}`,
    );
  }

  async #body(response: Response, options: OperationOptions | undefined): Promise<ArrayBuffer> {
    try {
      return await response.arrayBuffer();
    } catch (cause) {
      throw this.#failure(
        cause,
        { method: "GET", write: false, signal: options?.signal },
        this.#timeoutMs,
      );
    }
  }

  #failure(
    cause: unknown,
    options: RequestOptions,
    timeoutMs: number,
    deadline?: AbortSignal,
  ): Error {
    if (this.#lifetime.signal.aborted) return new ClosedError({ cause });
    if (options.signal?.aborted) {
      // An aborted write may have reached the server: say so rather than claim it did not.
      return options.write
        ? new OutcomeUnknownError("The write was aborted after it was sent", { cause })
        : new AbortedError(options.signal.reason);
    }
    if (deadline?.aborted || isTimeout(cause)) {
      return options.write
        ? new OutcomeUnknownError(`No answer within ${timeoutMs} ms; the write may have happened`, {
            cause,
          })
        : new TimeoutError(`No answer within ${timeoutMs} ms`, timeoutMs, { cause });
    }
    // A refused connection never carried the request; anything else may have.
    if (!options.write || connectionRefused(cause)) {
      return new UnavailableError(`The server at ${this.#url} is unreachable`, { cause });
    }
    return new OutcomeUnknownError("The connection failed before the answer arrived", { cause });
  }

  #encodeCursor(key: string, scope: string): string {
    return Buffer.from(JSON.stringify([key, scope])).toString("base64url");
  }

  #decodeCursor(cursor: string, scope: string): string {
    if (typeof cursor !== "string") throw new TypeError("cursor must be a string");
    try {
      const [key, madeFor] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
      if (typeof key === "string" && madeFor === scope) return key;
    } catch {
      // Not JSON: not one of ours.
    }
    throw new InvalidCursorError();
  }
}

function read(options: OperationOptions | undefined): {
  signal: AbortSignal | undefined;
  write: false;
} {
  return { signal: options?.signal, write: false };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || isTimeout(error.cause));
}

function connectionRefused(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === "ECONNREFUSED" || connectionRefused(error.cause);
}
