import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startVitest } from "vitest/node";
import {
  type BackendConformance,
  type ConformanceReport,
  ConformanceReporter,
  formatTable,
} from "../src/conformance-reporter.ts";

const config = fileURLToPath(new URL("reporter/vitest.config.ts", import.meta.url));

/** Runs the fixture suites in a nested Vitest; returns the JSON written and the text printed. */
async function runFixture(): Promise<{ report: ConformanceReport; printed: string }> {
  const directory = await mkdtemp(join(tmpdir(), "kvkit-reporter-"));
  const jsonPath = join(directory, "conformance.json");
  let printed = "";
  const stdout = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      printed += chunk.toString();
      done();
    },
  });
  try {
    const vitest = await startVitest(
      "test",
      [],
      { config, watch: false, reporters: [new ConformanceReporter({ jsonPath })] },
      {},
      { stdout, stderr: stdout },
    );
    await vitest.close();
    const report = JSON.parse(await readFile(jsonPath, "utf8")) as ConformanceReport;
    return { report, printed };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe("ConformanceReporter", () => {
  it("onTestRunEnd() prints a table per backend and writes per-group counts and declared capabilities as JSON", async () => {
    const { report, printed } = await runFixture();
    const names = report.backends.map((backend) => backend.name).sort();
    expect(names).toEqual(["kv-only", "kv-only-delete-always-true"]);
    const conforming = report.backends.find(
      (backend) => backend.name === "kv-only",
    ) as BackendConformance;
    const broken = report.backends.find(
      (backend) => backend.name !== "kv-only",
    ) as BackendConformance;

    expect(conforming.status).toBe("passing");
    expect(conforming.capabilities).toEqual({
      batch: false,
      health: false,
      watch: false,
      atomicWrite: false,
      ttl: false,
    });
    const groups = new Map(conforming.groups.map((group) => [group.group, group]));
    expect(groups.get("kv")?.passed).toBeGreaterThan(10);
    expect(groups.get("refusal")?.passed).toBeGreaterThan(5);
    expect(groups.get("batch")).toMatchObject({ passed: 0, failed: 0 });
    expect(groups.get("batch")?.skipped).toBeGreaterThan(0);
    expect(groups.get("namespace › kv")?.passed).toBe(groups.get("kv")?.passed);
    expect(conforming.totals.failed).toBe(0);

    expect(broken.status).toBe("failing");
    const brokenKv = broken.groups.find((group) => group.group === "kv");
    expect(brokenKv?.failed).toBeGreaterThan(0);

    expect(printed).toContain("kvkit conformance: kv-only (passing)");
    expect(printed).toContain("kvkit conformance: kv-only-delete-always-true (failing)");
    expect(printed).toMatch(/namespace › kv\s+\d+\s+0\s+\d+/);
  }, 120_000);
});

describe("formatTable()", () => {
  it("formatTable() lists declared capabilities and one row per group with a total", () => {
    const text = formatTable({
      name: "backend-x",
      capabilities: { batch: true, health: false, watch: false, atomicWrite: true, ttl: false },
      groups: [
        { group: "kv", passed: 3, failed: 1, skipped: 0 },
        { group: "watch", passed: 0, failed: 0, skipped: 7 },
      ],
      totals: { passed: 3, failed: 1, skipped: 7 },
      status: "failing",
    });
    expect(text).toContain("backend-x (failing)");
    expect(text).toContain("declared: batch, atomicWrite");
    expect(text).toContain("not declared (checked to be refused): health, watch, ttl");
    expect(text).toMatch(/kv\s+3\s+1\s+0/);
    expect(text).toMatch(/watch\s+0\s+0\s+7/);
    expect(text).toMatch(/total\s+3\s+1\s+7/);
  });
});
