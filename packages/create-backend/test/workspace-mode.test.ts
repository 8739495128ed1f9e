import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/run-cli.ts";

const repository = join(import.meta.dirname, "../../..");
let root: string;

// A copy of the kvkit repository's root files: the real ones are never touched by tests.
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "create-backend-workspace-"));
  for (const file of [
    "package.json",
    "pnpm-workspace.yaml",
    "tsconfig.json",
    "tsconfig.tests.json",
    "biome.json",
  ]) {
    await copyFile(join(repository, file), join(root, file));
  }
  await writeFile(join(root, ".gitignore"), "node_modules/\n");
  await mkdir(join(root, ".changeset"));
  await mkdir(join(root, "packages"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function scaffoldIn(cwd: string, argv: readonly string[]): Promise<number> {
  return runCli(argv, {
    cwd,
    env: {},
    stdinIsTty: false,
    stdoutIsTty: false,
    write: () => {},
    writeError: () => {},
  });
}

describe("workspace mode", () => {
  it("runCli() inside the kvkit packages/ uses workspace ranges and registers the package", async () => {
    const code = await scaffoldIn(root, [
      "packages/backend-blob",
      "--yes",
      "--no-install",
      "--name",
      "@kvkit/backend-blob",
    ]);
    expect(code).toBe(0);
    const manifest = JSON.parse(
      await readFile(join(root, "packages/backend-blob/package.json"), "utf8"),
    );
    expect(manifest.dependencies).toEqual({ "@kvkit/spec": "workspace:^" });
    expect(manifest.devDependencies["@kvkit/testkit"]).toBe("workspace:^");
    expect(manifest.exports["."]["@kvkit/source"]).toBe("./src/index.ts");

    const references = async (file: string) =>
      (JSON.parse(await readFile(join(root, file), "utf8")).references as { path: string }[]).map(
        (reference) => reference.path,
      );
    const buildReferences = await references("tsconfig.json");
    expect(buildReferences).toContain("packages/backend-blob");
    expect(buildReferences.at(-1)).toBe("tsconfig.tests.json");
    expect(await references("tsconfig.tests.json")).toContain("packages/backend-blob");
    expect(await readFile(join(root, ".changeset/backend-blob.md"), "utf8")).toContain(
      '"@kvkit/backend-blob": minor',
    );
    const vitestConfig = await readFile(
      join(root, "packages/backend-blob/vitest.config.ts"),
      "utf8",
    );
    expect(vitestConfig).toContain('test: { name: "backend-blob" }');
  });

  it("runCli() leaves the workspace's own CI, changesets and Biome setup to the workspace", async () => {
    expect(await scaffoldIn(root, ["packages/backend-blob", "--yes", "--no-install"])).toBe(0);
    expect((await readdir(join(root, "packages/backend-blob"))).sort()).toEqual([
      "LICENSE",
      "README.md",
      "package.json",
      "src",
      "test",
      "tsconfig.json",
      "vitest.config.ts",
    ]);
  });

  it("runCli() edits the workspace's tsconfig files so that Biome still accepts them", async () => {
    // Comments survive too: jsonc-parser edits text, it does not re-serialise.
    const commented = (await readFile(join(root, "tsconfig.json"), "utf8")).replace(
      '"files": [],',
      '// Built by `tsc -b`.\n  "files": [],',
    );
    await writeFile(join(root, "tsconfig.json"), commented);
    const biome = join(repository, "node_modules/.bin/biome");
    const configs = [join(root, "tsconfig.json"), join(root, "tsconfig.tests.json")];
    // Start from Biome-formatted files, so that the check below sees only what the edit did.
    execFileSync(biome, ["format", "--write", "--config-path", root, ...configs]);
    const before = await readFile(join(root, "tsconfig.json"), "utf8");
    expect(await scaffoldIn(root, ["packages/backend-blob", "--yes", "--no-install"])).toBe(0);
    const after = await readFile(join(root, "tsconfig.json"), "utf8");
    expect(after).toContain("// Built by `tsc -b`.");
    // Only the new reference was added; every other line is as it was.
    expect(after.split("\n").filter((line) => !line.includes("backend-blob"))).toEqual(
      before.split("\n"),
    );
    // `biome format` without --write exits non-zero (and this throws) when a file would change.
    expect(() =>
      execFileSync(biome, ["format", "--config-path", root, ...configs], { stdio: "ignore" }),
    ).not.toThrow();
  });

  it("runCli() outside packages/ stays standalone even inside the repository", async () => {
    expect(await scaffoldIn(root, ["examples/blob", "--yes", "--no-install", "--no-git"])).toBe(0);
    const manifest = JSON.parse(await readFile(join(root, "examples/blob/package.json"), "utf8"));
    expect(manifest.dependencies["@kvkit/spec"]).toMatch(/^\^/);
    expect(
      JSON.parse(await readFile(join(root, "tsconfig.json"), "utf8")).references,
    ).not.toContainEqual({
      path: "examples/blob",
    });
  });

  it("runCli() --standalone keeps a package in packages/ out of the workspace", async () => {
    const argv = ["packages/backend-blob", "--yes", "--no-install", "--no-git", "--standalone"];
    expect(await scaffoldIn(root, argv)).toBe(0);
    const manifest = JSON.parse(
      await readFile(join(root, "packages/backend-blob/package.json"), "utf8"),
    );
    expect(manifest.dependencies["@kvkit/spec"]).toMatch(/^\^/);
  });
});
