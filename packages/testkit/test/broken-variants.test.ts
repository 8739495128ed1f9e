// The suite tested against deliberately broken variants of the memory backend: each must make
// it fail, in the group that covers the broken rule, and the unbroken backend must pass in the
// same run. A conformance kit that passes a broken backend is the worst bug this project can
// have. The fixtures live in test/broken-variants/ (one file per variant) and run in one child
// Vitest process with their own config; the testkit project never collects them.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

interface AssertionResult {
  readonly ancestorTitles: readonly string[];
  readonly title: string;
  readonly status: string;
  readonly failureMessages: readonly string[];
}

interface FileResult {
  readonly name: string;
  readonly status: string;
  readonly message: string;
  readonly assertionResults: readonly AssertionResult[];
}

/**
 * Every variant: its fixture name, what is broken (for the test name), and the groups of the
 * suite where a failure is expected (`namespace` stands for any group of the namespace re-run).
 */
const VARIANTS: readonly { name: string; broken: string; groups: readonly string[] }[] = [
  {
    name: "cas-without-check",
    broken: "compareAndSet skips the version check",
    groups: ["atomicWrite", "concurrency"],
  },
  {
    name: "cas-null-overwrites",
    broken: "compareAndSet with null overwrites an existing key",
    groups: ["atomicWrite", "concurrency"],
  },
  {
    name: "commit-not-atomic",
    broken: "commit writes part of its sets when a check fails",
    groups: ["atomicWrite"],
  },
  {
    name: "version-reused-after-delete",
    broken: "versions restart after a delete (ABA)",
    groups: ["atomicWrite"],
  },
  {
    name: "list-glob",
    broken: "list treats '*' and '?' in a prefix as wildcards",
    groups: ["list", "hostile input"],
  },
  {
    name: "list-prefix-case-insensitive",
    broken: "list matches prefixes case-insensitively",
    groups: ["list", "hostile input"],
  },
  {
    name: "list-utf16-order",
    broken: "list sorts in UTF-16 order instead of UTF-8 byte order",
    groups: ["list"],
  },
  {
    name: "list-limit-off-by-one",
    broken: "list yields one entry more than its limit",
    groups: ["list"],
  },
  { name: "get-aliases-stored-buffer", broken: "get returns the stored buffer", groups: ["kv"] },
  { name: "set-keeps-caller-buffer", broken: "set keeps the caller's buffer", groups: ["kv"] },
  {
    name: "get-many-reorders",
    broken: "getMany answers in key order, not input order",
    groups: ["batch"],
  },
  {
    name: "set-many-not-atomic",
    broken: "setMany writes part of a batch with an invalid entry",
    groups: ["batch"],
  },
  { name: "delete-always-true", broken: "delete resolves true for a missing key", groups: ["kv"] },
  {
    name: "close-does-not-close",
    broken: "close leaves every method working",
    groups: ["lifecycle"],
  },
  {
    name: "abort-after-apply",
    broken: "set and delete report KVKIT_ABORTED for a write they applied",
    groups: ["kv"],
  },
  {
    name: "abort-ignored",
    broken: "every method ignores its abort signal",
    groups: ["kv", "lifecycle"],
  },
  {
    name: "lone-surrogate-accepted",
    broken: "keys with lone surrogates are accepted",
    groups: ["hostile input"],
  },
  { name: "ignores-namespace", broken: "the namespace prefix is ignored", groups: ["namespace"] },
  { name: "ttl-ignored", broken: "ttlMs never expires anything", groups: ["ttl"] },
  {
    name: "ttl-undeclared-accepted",
    broken: "ttlMs is accepted although ttl is not declared",
    groups: ["refusal", "atomicWrite"],
  },
  {
    name: "delete-missing-notifies",
    broken: "delete of a missing key notifies watchers",
    groups: ["watch"],
  },
  {
    name: "conflict-without-keys",
    broken: "conflicts do not name the keys whose checks failed",
    groups: ["atomicWrite"],
  },
  {
    name: "get-returns-buffer",
    broken: "get returns a Buffer instead of a plain Uint8Array",
    groups: ["kv"],
  },
  {
    name: "health-throws-after-close",
    broken: "health rejects after close instead of reporting unavailable",
    groups: ["health"],
  },
  {
    name: "set-many-first-wins",
    broken: "setMany keeps the first entry of a duplicated key",
    groups: ["batch"],
  },
  { name: "watch-drops-deletes", broken: "watch never delivers deletes", groups: ["watch"] },
  {
    name: "watch-swaps-events",
    broken: "watch delivers events that arrive together in swapped pairs",
    groups: ["watch"],
  },
  {
    name: "watch-silent-overflow",
    broken: "watch drops events on overflow without a gap event",
    groups: ["watch"],
  },
  {
    name: "watch-subscribes-lazily",
    broken: "watch subscribes only when iteration starts",
    groups: ["watch"],
  },
  {
    name: "writes-keep-expiry",
    broken: "setMany, compareAndSet and commit without ttlMs keep a key's old expiry",
    groups: ["ttl"],
  },
  {
    name: "ttl-timer-overflow",
    broken: "expiry timers fire at once for a ttlMs over 2^31 - 1 ms",
    groups: ["ttl"],
  },
  {
    name: "watch-cursor-ignored",
    broken: "watch ignores a cursor although watchResumable is not declared",
    groups: ["refusal"],
  },
  {
    name: "atomic-write-over-value-limit",
    broken: "compareAndSet and commit store values over maxValueBytes",
    groups: ["atomicWrite"],
  },
  {
    name: "list-cursor-ignores-options",
    broken: "list accepts a cursor made for other options",
    groups: ["list"],
  },
  {
    name: "key-limit-core-only",
    broken: "only get, set, delete and has enforce the declared key size",
    groups: ["kv"],
  },
  {
    name: "empty-key-accepted-beyond-core",
    broken:
      "compareAndSet, commit checks and deletes, deleteMany, expiresAt and watch accept the empty key",
    groups: ["hostile input"],
  },
  {
    name: "lone-surrogate-repaired-beyond-core",
    broken: "getMany, getVersioned, expiresAt and commit sets repair lone surrogates to U+FFFD",
    groups: ["hostile input"],
  },
  {
    name: "atomic-write-rounds-ttl",
    broken: "compareAndSet and commit round a ttlMs of 0, -1 or 1.5 up instead of refusing it",
    groups: ["ttl"],
  },
  {
    name: "too-large-without-fields",
    broken: "key and batch size errors carry no limit, size or max",
    groups: ["kv", "batch", "atomicWrite"],
  },
  {
    name: "not-supported-without-capability",
    broken: "refusals of the undeclared ttl capability do not name it",
    groups: ["refusal", "atomicWrite"],
  },
  {
    name: "watch-reports-expiry",
    broken: "watch delivers a delete event for a key that expired",
    groups: ["watch"],
  },
  {
    name: "health-unavailable-without-reason",
    broken: "health reports unavailable without the reason in details.error",
    groups: ["health"],
  },
];

const here = dirname(fileURLToPath(import.meta.url));
const config = join(here, "broken-variants", "vitest.config.ts");

/** Fewer tests than this in a fixture means it did not load, not that the suite ran. */
const MIN_CASES = 300;

let results: ReadonlyMap<string, FileResult>;

/** Runs every fixture in one child Vitest process and reads its JSON report. */
async function runFixtures(): Promise<ReadonlyMap<string, FileResult>> {
  const outputDirectory = await mkdtemp(join(tmpdir(), "kvkit-broken-variants-"));
  const outputFile = join(outputDirectory, "results.json");
  try {
    const vitest = join(
      dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
      "vitest.mjs",
    );
    // The child must not think it is a worker of this run, nor replay this run's seed.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => !key.startsWith("VITEST") && !key.startsWith("KVKIT_TESTKIT_"),
      ),
    );
    const args = [
      vitest,
      "run",
      "--config",
      config,
      "--reporter=json",
      `--outputFile=${outputFile}`,
    ];
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: here,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let text = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        text = (text + chunk).slice(-20_000);
      });
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    let report: { testResults: FileResult[] };
    try {
      report = JSON.parse(await readFile(outputFile, "utf8")) as { testResults: FileResult[] };
    } catch (error) {
      throw new Error(`the fixture run wrote no JSON report; its stderr ended with:\n${stderr}`, {
        cause: error,
      });
    }
    return new Map(report.testResults.map((file) => [basename(file.name), file]));
  } finally {
    await rm(outputDirectory, { recursive: true, force: true });
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1).replace(/\.fixture\.ts$/, "");
}

/** The group of a case: the first title under the variant's name (`namespace` for the re-run). */
function groupOf(result: AssertionResult): string {
  return result.ancestorTitles[1] ?? "";
}

function fixture(name: string): FileResult {
  const file = results.get(name);
  if (file === undefined) throw new Error(`the fixture run has no results for ${name}`);
  return file;
}

describe("the conformance suite against broken memory backends", () => {
  beforeAll(async () => {
    results = await runFixtures();
  }, 240_000);

  it("runs a fixture for every variant and nothing else", () => {
    expect([...results.keys()].sort()).toEqual([...VARIANTS.map((v) => v.name), "unbroken"].sort());
  });

  it("the suite passes the unbroken memory backend in the same run", () => {
    const file = fixture("unbroken");
    const failed = file.assertionResults.filter((result) => result.status === "failed");
    expect(
      failed.map((result) => [...result.ancestorTitles, result.title].join(" › ")),
      file.message,
    ).toEqual([]);
    const passed = file.assertionResults.filter((result) => result.status === "passed").length;
    expect(passed).toBeGreaterThan(2 * MIN_CASES);
  });

  for (const variant of VARIANTS) {
    it(`the suite fails a backend whose ${variant.broken}`, () => {
      const file = fixture(variant.name);
      // A fixture that failed to load has failed too, but proves nothing about the suite.
      expect(
        file.assertionResults.length,
        `${variant.name} did not load: ${file.message}`,
      ).toBeGreaterThan(MIN_CASES);
      // A case that hit the per-test timeout (on a loaded machine) proves nothing either.
      const failed = file.assertionResults.filter(
        (result) =>
          result.status === "failed" &&
          !result.failureMessages.some((message) => /Test timed out in \d+ms/.test(message)),
      );
      expect(failed.length, `no case failed for ${variant.name}`).toBeGreaterThan(0);
      const groups = [...new Set(failed.map(groupOf))];
      expect(
        groups.filter((group) => variant.groups.includes(group)),
        `${variant.name} failed only in ${groups.join(", ")}`,
      ).not.toEqual([]);
    });
  }
});
