import {
  AbortedError,
  ClosedError,
  ConflictError,
  ERROR_CODES,
  InvalidKeyError,
  isBackendError,
  TooLargeError,
  UnavailableError,
} from "@kvkit/spec";
import { describe, expect, it } from "vitest";

describe("errors", () => {
  it("isBackendError() recognises an error class from a second copy of the package", async () => {
    // A query string makes Vitest load a separate module instance: a second installed copy.
    const secondCopy = "../src/errors/closed-error.ts?second-copy";
    const copy = (await import(/* @vite-ignore */ secondCopy)) as {
      ClosedError: typeof ClosedError;
    };
    expect(copy.ClosedError).not.toBe(ClosedError);
    const foreign = new copy.ClosedError();
    expect(foreign instanceof ClosedError).toBe(false);
    expect(isBackendError(foreign)).toBe(true);
    expect(isBackendError(foreign, "KVKIT_CLOSED")).toBe(true);
  });

  it("isBackendError() rejects plain errors, look-alikes and non-objects", () => {
    expect(isBackendError(new Error("x"))).toBe(false);
    expect(isBackendError({ code: "KVKIT_CLOSED" })).toBe(false);
    expect(isBackendError(null)).toBe(false);
    expect(isBackendError("KVKIT_CLOSED")).toBe(false);
  });

  it("isBackendError() with a code matches that code only", () => {
    const error = new ConflictError(["a"]);
    expect(isBackendError(error, "KVKIT_CONFLICT")).toBe(true);
    expect(isBackendError(error, "KVKIT_CLOSED")).toBe(false);
  });

  it("every error class carries a code from ERROR_CODES and keeps its cause", () => {
    const cause = new Error("driver");
    const errors = [
      new InvalidKeyError("empty", { cause }),
      new TooLargeError("value", 2, 1, { cause }),
      new UnavailableError("down", { cause }),
      new ConflictError(["k"], { cause }),
    ];
    for (const error of errors) {
      expect(ERROR_CODES).toContain(error.code);
      expect(error.cause).toBe(cause);
      expect(error).toBeInstanceOf(Error);
    }
  });

  it("ConflictError carries no stack frames and leaves Error.stackTraceLimit as it was", () => {
    const before = Error.stackTraceLimit;
    const error = new ConflictError(["a", "b"]);
    expect(Error.stackTraceLimit).toBe(before);
    expect(error.stack).toBe('ConflictError: Version check failed for "a", "b"');
    expect(error.keys).toEqual(["a", "b"]);
    // Other errors still capture theirs.
    expect(new UnavailableError("down").stack).toMatch(/\n\s+at /);
  });

  it("AbortedError is named AbortError and carries the signal's reason as cause", () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const error = new AbortedError(controller.signal.reason);
    expect(error.name).toBe("AbortError");
    expect(error.code).toBe("KVKIT_ABORTED");
    expect(error.cause).toBe(controller.signal.reason);
  });

  it("ERROR_CODES are unique and all start with KVKIT_", () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^KVKIT_[A-Z_]+$/);
  });
});
