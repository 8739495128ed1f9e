import { writeFileSync } from "node:fs";
import { CAPABILITY_NAMES } from "@kvkit/spec";
import type { TestCase, TestModule, TestSuite, Vitest } from "vitest/node";
import type { Reporter } from "vitest/reporters";
import { type ConformanceMeta, readConformanceMeta } from "./conformance-meta.ts";

/** Passed, failed and skipped tests of one group. */
export interface GroupCounts {
  /** The describe right under the backend (`"kv"`, `"watch"`), or `"namespace › kv"`. */
  readonly group: string;
  passed: number;
  failed: number;
  skipped: number;
}

/** One backend's results, as written to the JSON report. */
export interface BackendConformance {
  readonly name: string;
  /** Every optional capability and whether the backend declares it. */
  readonly capabilities: ConformanceMeta["capabilities"];
  readonly groups: GroupCounts[];
  readonly totals: { passed: number; failed: number; skipped: number };
  /** `passing` when no test failed. */
  readonly status: "passing" | "failing";
}

/** The JSON document written to `KVKIT_CONFORMANCE_JSON`. */
export interface ConformanceReport {
  readonly generatedAt: string;
  readonly backends: BackendConformance[];
}

/**
 * A Vitest reporter that prints, after the run, one table per backend registered with
 * `runConformanceSuite`: its declared capabilities and the passed / failed / skipped tests of
 * every group. With `KVKIT_CONFORMANCE_JSON=<path>` it also writes the same data as JSON
 * (for CI badges). Use it next to a normal reporter:
 *
 * @example
 * ```sh
 * vitest run --reporter=default --reporter=@kvkit/testkit/reporter
 * ```
 */
export class ConformanceReporter implements Reporter {
  #vitest: Vitest | undefined;
  readonly #jsonPath: string | undefined;

  constructor(options: { jsonPath?: string | undefined } = {}) {
    this.#jsonPath = options.jsonPath ?? (process.env.KVKIT_CONFORMANCE_JSON || undefined);
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const report = summarize(testModules);
    if (report.backends.length === 0) return;
    const text = report.backends.map(formatTable).join("\n");
    if (this.#vitest) this.#vitest.logger.log(`\n${text}`);
    else process.stdout.write(`\n${text}\n`);
    if (this.#jsonPath !== undefined) {
      writeFileSync(this.#jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    }
  }
}

/** Counts the tests of every conformance run found in `testModules`, per group. */
export function summarize(testModules: ReadonlyArray<TestModule>): ConformanceReport {
  const backends = new Map<string, { meta: ConformanceMeta; groups: Map<string, GroupCounts> }>();
  for (const testModule of testModules) {
    for (const test of testModule.children.allTests()) {
      const located = locate(test);
      if (located === undefined) continue;
      const { meta, group } = located;
      let backend = backends.get(meta.name);
      if (backend === undefined) {
        backend = { meta, groups: new Map() };
        backends.set(meta.name, backend);
      }
      let counts = backend.groups.get(group);
      if (counts === undefined) {
        counts = { group, passed: 0, failed: 0, skipped: 0 };
        backend.groups.set(group, counts);
      }
      const state = test.result().state;
      if (state === "passed") counts.passed++;
      else if (state === "failed") counts.failed++;
      else if (state === "skipped") counts.skipped++;
    }
  }
  return {
    generatedAt: new Date().toISOString(),
    backends: [...backends.values()].map(({ meta, groups }) => {
      const list = [...groups.values()];
      const totals = {
        passed: sum(list, "passed"),
        failed: sum(list, "failed"),
        skipped: sum(list, "skipped"),
      };
      return {
        name: meta.name,
        capabilities: meta.capabilities,
        groups: list,
        totals,
        status: totals.failed === 0 ? "passing" : "failing",
      };
    }),
  };
}

function locate(test: TestCase): { meta: ConformanceMeta; group: string } | undefined {
  // Suite meta is inherited by nested suites, so the backend's root is the outermost tagged one.
  const suites: TestSuite[] = [];
  for (let parent = test.parent; parent.type === "suite"; parent = parent.parent) {
    suites.unshift(parent);
  }
  const rootIndex = suites.findIndex((suite) => readConformanceMeta(suite.meta()) !== undefined);
  const root = suites[rootIndex];
  const meta = root && readConformanceMeta(root.meta());
  if (meta === undefined) return undefined;
  const [first = "(root)", second] = suites.slice(rootIndex + 1).map((suite) => suite.name);
  const group = first === "namespace" && second !== undefined ? `namespace › ${second}` : first;
  return { meta, group };
}

function sum(groups: readonly GroupCounts[], field: "passed" | "failed" | "skipped"): number {
  return groups.reduce((total, group) => total + group[field], 0);
}

/** Renders one backend's results as a plain-text table. */
export function formatTable(backend: BackendConformance): string {
  const declared = CAPABILITY_NAMES.filter((name) => backend.capabilities[name]);
  const undeclared = CAPABILITY_NAMES.filter((name) => !backend.capabilities[name]);
  const rows: string[][] = [["group", "passed", "failed", "skipped"]];
  for (const group of backend.groups) {
    rows.push([group.group, String(group.passed), String(group.failed), String(group.skipped)]);
  }
  const { passed, failed, skipped } = backend.totals;
  rows.push(["total", String(passed), String(failed), String(skipped)]);
  const widths = [0, 1, 2, 3].map((column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const [header, ...body] = rows;
  const footer = body.pop() ?? [];
  return [
    `kvkit conformance: ${backend.name} (${backend.status})`,
    `declared: ${declared.length > 0 ? declared.join(", ") : "(none)"}`,
    `not declared (checked to be refused): ${undeclared.length > 0 ? undeclared.join(", ") : "(none)"}`,
    "",
    line(header ?? []),
    rule,
    ...body.map(line),
    rule,
    line(footer),
    "",
  ].join("\n");
}

// biome-ignore lint/style/noDefaultExport: Vitest instantiates a reporter module's default export.
export default ConformanceReporter;
