// End to end, as a plugin author meets it: the local packages are packed into tarballs, the
// CLI is installed from its tarball, each template is scaffolded into a temporary directory
// outside the repository, installed with npm and with pnpm against the tarballs, and its
// type-check, build, lint and tests run. Finally the generated memory backend is broken and
// its conformance run must fail.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repository = join(import.meta.dirname, "../../..");
const MINUTE = 60_000;

interface Result {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

/** The environment of every child: nothing inherited from the pnpm and Vitest running this file. */
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !/^(npm_|pnpm_|VITEST|TINYPOOL|NODE_ENV$)/i.test(name),
  ),
);

function exec(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 4 * MINUTE,
): Promise<Result> {
  const started = performance.now();
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: performance.now() - started });
    });
  });
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<Result> {
  const result = await exec(command, args, cwd);
  expect(
    result.code,
    `${command} ${args.join(" ")} in ${cwd}:\n${result.output.slice(-4000)}`,
  ).toBe(0);
  return result;
}

interface VitestReport {
  readonly success: boolean;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numTodoTests: number;
  readonly numPendingTests: number;
}

let work: string;
let tarballs: { spec: string; testkit: string; cli: string };
let bin: string;
const timings: string[] = [];

beforeAll(async () => {
  await ok(
    "pnpm",
    ["exec", "tsc", "-b", "packages/spec", "packages/testkit", "packages/create-backend"],
    repository,
  );
  work = await mkdtemp(join(tmpdir(), "kvkit-e2e-"));
  const packed = join(work, "tarballs");
  await mkdir(packed);
  for (const name of ["spec", "testkit", "create-backend"]) {
    await ok("pnpm", ["pack", "--pack-destination", packed], join(repository, "packages", name));
  }
  const files = await readdir(packed);
  const find = (prefix: string) =>
    join(packed, files.find((file) => file.startsWith(prefix)) ?? "");
  tarballs = {
    spec: find("kvkit-spec-"),
    testkit: find("kvkit-testkit-"),
    cli: find("kvkit-create-backend-"),
  };
  // The CLI is installed from its tarball, as `npm create` would; @kvkit/spec is not on the
  // registry in this version, so it comes from its tarball too.
  const cli = join(work, "cli");
  await mkdir(cli);
  await writeFile(
    join(cli, "package.json"),
    JSON.stringify({
      private: true,
      dependencies: { "@kvkit/create-backend": `file:${tarballs.cli}` },
      overrides: { "@kvkit/spec": `file:${tarballs.spec}` },
    }),
  );
  await ok("npm", ["install", "--no-audit", "--no-fund"], cli);
  bin = join(cli, "node_modules/.bin/create-backend");
}, 8 * MINUTE);

afterAll(async () => {
  if (timings.length > 0) process.stdout.write(`e2e timings:\n  ${timings.join("\n  ")}\n`);
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe("create-backend bin", () => {
  it("create-backend exits 2 at once without a terminal when answers are missing", async () => {
    const result = await exec(bin, ["somewhere"], work, 30_000);
    expect(result.code, result.output).toBe(2);
    expect(result.output).toContain("Rerun with every answer given");
    expect(existsSync(join(work, "somewhere"))).toBe(false);
  });

  it("create-backend --help exits 0", async () => {
    const result = await exec(bin, ["--help"], work, 30_000);
    expect(result.code).toBe(0);
    expect(result.output).toContain("npm create @kvkit/backend@latest");
  });
});

type Pm = "npm" | "pnpm";
const TEMPLATES = ["memory", "blank", "remote"] as const;

async function scaffoldAndInstall(template: string, pm: Pm): Promise<string> {
  const directory = join(work, `${pm}-${template}`);
  const scaffolded = await exec(
    bin,
    [directory, "--yes", "--template", template, "--pm", pm, "--no-install", "--no-git"],
    work,
    60_000,
  );
  expect(scaffolded.code, scaffolded.output).toBe(0);
  timings.push(`scaffold ${template} (${pm}): ${(scaffolded.ms / 1000).toFixed(2)} s`);
  // Point @kvkit/* at the tarballs: the directly declared ones, and testkit's own dependency.
  const manifestPath = join(directory, "package.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
  manifest.dependencies["@kvkit/spec"] = `file:${tarballs.spec}`;
  manifest.devDependencies["@kvkit/testkit"] = `file:${tarballs.testkit}`;
  if (pm === "npm") manifest.overrides = { "@kvkit/spec": "$@kvkit/spec" };
  else manifest.pnpm = { overrides: { "@kvkit/spec": `file:${tarballs.spec}` } };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const install =
    pm === "npm"
      ? await ok("npm", ["install", "--no-audit", "--no-fund"], directory)
      : await ok("pnpm", ["install", "--no-frozen-lockfile"], directory);
  timings.push(`install ${template} (${pm}): ${(install.ms / 1000).toFixed(1)} s`);
  expect(existsSync(join(directory, pm === "npm" ? "package-lock.json" : "pnpm-lock.yaml"))).toBe(
    true,
  );
  return directory;
}

async function checkAndTest(directory: string, pm: Pm): Promise<VitestReport> {
  for (const script of ["typecheck", "build", "lint"]) await ok(pm, ["run", script], directory);
  expect(existsSync(join(directory, "dist/index.js"))).toBe(true);
  expect(existsSync(join(directory, "dist/index.d.ts"))).toBe(true);
  return runTests(directory, pm);
}

async function runTests(
  directory: string,
  pm: Pm,
): Promise<VitestReport & { code: number | null }> {
  const report = join(directory, "vitest-report.json");
  await rm(report, { force: true });
  const args =
    pm === "npm"
      ? ["test", "--", "--reporter=json", `--outputFile=${report}`]
      : ["test", "--reporter=json", `--outputFile=${report}`];
  const result = await exec(pm, args, directory);
  timings.push(`${pm} test in ${directory.split("/").pop()}: ${(result.ms / 1000).toFixed(1)} s`);
  expect(existsSync(report), result.output.slice(-4000)).toBe(true);
  return { ...(JSON.parse(await readFile(report, "utf8")) as VitestReport), code: result.code };
}

describe.each(["npm", "pnpm"] as const)("generated packages installed with %s", (pm) => {
  const directories = new Map<string, string>();

  it.each(TEMPLATES)(
    "the %s template installs, type-checks, builds, lints and runs its tests",
    async (template) => {
      const directory = await scaffoldAndInstall(template, pm);
      directories.set(template, directory);
      const report = await checkAndTest(directory, pm);
      timings.push(
        `${template} (${pm}): ${report.numPassedTests} passed, ${report.numFailedTests} failed, ` +
          `${report.numTodoTests} todo, ${report.numPendingTests} skipped`,
      );
      expect(report.numFailedTests).toBe(0);
      expect(report.success).toBe(true);
      if (template === "blank") {
        // The stubs: every conformance case reports as to-do; the plugin test passes.
        expect(report.numTodoTests).toBeGreaterThan(100);
        expect(report.numPassedTests).toBeGreaterThanOrEqual(1);
      } else {
        expect(report.numPassedTests).toBeGreaterThan(200);
      }
    },
    12 * MINUTE,
  );

  it(
    "the generated memory conformance run fails once get() ignores its key",
    async () => {
      const directory = directories.get("memory");
      expect(directory, "the memory template was installed above").toBeDefined();
      if (directory === undefined) return;
      const source = join(directory, `src/${pm}-memory-backend.ts`);
      const text = await readFile(source, "utf8");
      const get = text.indexOf("async get(");
      const read = text.indexOf("this.#read(key)", get);
      expect(get).toBeGreaterThan(0);
      expect(read).toBeGreaterThan(get);
      await writeFile(
        source,
        `${text.slice(0, read)}this.#read("ignored")${text.slice(read + 15)}`,
      );
      await ok(pm, ["run", "typecheck"], directory);
      const report = await runTests(directory, pm);
      timings.push(
        `broken memory (${pm}): ${report.numFailedTests} failed, ${report.numPassedTests} passed`,
      );
      expect(report.code).not.toBe(0);
      expect(report.success).toBe(false);
      expect(report.numFailedTests).toBeGreaterThan(0);
    },
    6 * MINUTE,
  );
});
