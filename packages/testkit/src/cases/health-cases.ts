import type { Backend, HealthCapability, HealthReport } from "@kvkit/spec";
import { requireCapability } from "@kvkit/spec";
import { expect, it } from "vitest";
import type { SuiteContext } from "../suite-context.ts";
import { abortedSignal } from "../traits/aborted-signal.ts";
import { settleWithin } from "../traits/settle-within.ts";

/** Scheduling slack on top of `healthTimeoutMs` on a loaded machine. */
const SLACK_MS = 250;

/**
 * `health()`: a well-formed report, never a rejection, within the declared bound; an
 * `unavailable` one with its reason.
 */
export function healthCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const bound = suite.manifest.healthTimeoutMs + SLACK_MS;

  async function open(): Promise<{ backend: Backend & HealthCapability; now: () => number }> {
    const { backend, clock } = await suite.open();
    return { backend: requireCapability(backend, "health"), now: clock?.now ?? Date.now };
  }

  async function probe(
    backend: HealthCapability,
    options?: { signal: AbortSignal },
  ): Promise<HealthReport> {
    const settled = await settleWithin(backend.health(options), bound, "health()");
    if (settled.status === "rejected") {
      throw new Error("health() rejected; it must resolve a report instead", {
        cause: settled.reason,
      });
    }
    return settled.value;
  }

  function expectWellFormed(report: HealthReport): void {
    expect(["ok", "degraded", "unavailable"]).toContain(report.status);
    expect(
      Number.isFinite(report.latencyMs) && report.latencyMs >= 0,
      `latencyMs ${report.latencyMs}`,
    ).toBe(true);
    expect(Number.isFinite(report.checkedAt)).toBe(true);
    expect(typeof report.details).toBe("object");
    expect(report.details).not.toBeNull();
    for (const [name, value] of Object.entries(report.details)) {
      expect(["string", "number", "boolean"], `details.${name}`).toContain(typeof value);
    }
  }

  it(
    "health() resolves status ok on an open store, within healthTimeoutMs",
    async () => {
      const { backend } = await open();
      const report = await probe(backend);
      expectWellFormed(report);
      expect(report.status).toBe("ok");
    },
    t,
  );

  it(
    "health() reports checkedAt as the epoch milliseconds of the probe",
    async () => {
      const { backend, now } = await open();
      const before = Math.min(now(), Date.now());
      const report = await probe(backend);
      const after = Math.max(now(), Date.now());
      expect(report.checkedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(report.checkedAt).toBeLessThanOrEqual(after + 1000);
    },
    t,
  );

  /** An `unavailable` report gives its reason, for humans, in `details.error`. */
  function expectUnavailable(report: HealthReport): void {
    expectWellFormed(report);
    expect(report.status).toBe("unavailable");
    const reason = report.details.error;
    expect(typeof reason, "details.error of an unavailable report").toBe("string");
    expect(reason, "details.error of an unavailable report").not.toBe("");
  }

  it(
    "health() resolves status unavailable with the reason in details.error after close(), never rejects",
    async () => {
      const { backend } = await open();
      await backend.close();
      expectUnavailable(await probe(backend));
    },
    t,
  );

  it(
    "health() resolves status unavailable with the reason in details.error when its signal has fired, never rejects",
    async () => {
      const { backend } = await open();
      const { signal } = abortedSignal();
      expectUnavailable(await probe(backend, { signal }));
    },
    t,
  );

  it(
    "health() answers many concurrent probes, each within healthTimeoutMs",
    async () => {
      const { backend } = await open();
      const reports = await Promise.all(Array.from({ length: 20 }, () => probe(backend)));
      for (const report of reports) expect(report.status).toBe("ok");
    },
    t,
  );
}
