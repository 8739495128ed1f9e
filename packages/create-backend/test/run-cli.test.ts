import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Prompter } from "../src/resolve-answers.ts";
import { runCli } from "../src/run-cli.ts";
import { TEMPLATES_DIRECTORY } from "../src/templates-directory.ts";

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "create-backend-cli-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(
  argv: readonly string[],
  options: { tty?: boolean; env?: Record<string, string>; prompter?: Prompter } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    cwd,
    env: options.env ?? {},
    stdinIsTty: options.tty ?? false,
    stdoutIsTty: options.tty ?? false,
    write: (text) => {
      stdout += text;
    },
    writeError: (text) => {
      stderr += text;
    },
    prompter: options.prompter,
  });
  return { code, stdout, stderr };
}

const complete = ["--no-install", "--no-git", "--description", "A test backend."];

describe("runCli", () => {
  it("runCli() exits 2 without a terminal when answers are missing, and prints the rerun command", async () => {
    const result = await run(["my-store"], {
      env: { npm_config_user_agent: "npm/11.0.0 node/v20" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Missing --name, --description, --template, --capabilities");
    expect(result.stderr).toContain(
      "npm create @kvkit/backend@latest my-store -- --name my-store --description 'A kvkit storage backend.' " +
        "--template memory --capabilities batch,health --pm npm --git --install",
    );
    expect(await readdir(cwd)).toEqual([]);
  });

  it("runCli() prints the rerun command in pnpm's form when pnpm started it", async () => {
    const result = await run(["x"], {
      env: { npm_config_user_agent: "pnpm/10.34.9 npm/? node/v20" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pnpm create @kvkit\/backend x --name x /);
  });

  it("runCli() never prompts when stdin is not a terminal, even if stdout is", async () => {
    const prompter = failingPrompter();
    let stdout = "";
    const code = await runCli(["x"], {
      cwd,
      env: {},
      stdinIsTty: false,
      stdoutIsTty: true,
      write: (text) => {
        stdout += text;
      },
      writeError: () => {},
      prompter,
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
  });

  it("runCli() takes the defaults with --yes and writes a complete package", async () => {
    const result = await run(["my-store", "--yes", ...complete]);
    expect(result.code, result.stderr).toBe(0);
    const files = await listFiles(join(cwd, "my-store"));
    expect(files).toEqual([
      ".changeset/README.md",
      ".changeset/config.json",
      ".changeset/initial-release.md",
      ".github/workflows/ci.yml",
      ".github/workflows/release.yml",
      ".gitignore",
      "LICENSE",
      "README.md",
      "biome.json",
      "package.json",
      "src/index.ts",
      "src/manifest.ts",
      "src/my-store-backend.ts",
      "src/options.ts",
      "src/plugin.ts",
      "src/stores.ts",
      "test/conformance.test.ts",
      "test/plugin.test.ts",
      "tsconfig.build.json",
      "tsconfig.json",
      "vitest.config.ts",
    ]);
    const manifest = JSON.parse(await readFile(join(cwd, "my-store/package.json"), "utf8"));
    expect(manifest).toMatchObject({
      name: "my-store",
      type: "module",
      engines: { node: ">=20.19" },
      exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
      dependencies: { "@kvkit/spec": expect.stringMatching(/^\^/) },
      devDependencies: {
        "@kvkit/testkit": expect.stringMatching(/^\^/),
        vitest: expect.any(String),
      },
    });
    expect(manifest.keywords).toContain("kvkit-backend");
    expect(result.stdout).toContain("npm test");
    // Nothing staged is left next to the package.
    expect(await readdir(cwd)).toEqual(["my-store"]);
  });

  it("runCli() declares exactly the chosen capabilities in the manifest and the class", async () => {
    const result = await run(["s", "--yes", ...complete, "--capabilities", "ttl"]);
    expect(result.code, result.stderr).toBe(0);
    const manifest = await readFile(join(cwd, "s/src/manifest.ts"), "utf8");
    expect(manifest).toContain("batch: false,");
    expect(manifest).toContain("ttl: true,");
    const backend = await readFile(join(cwd, "s/src/s-backend.ts"), "utf8");
    expect(backend).toContain("export class SBackend implements Backend, TtlCapability {");
    expect(backend).toContain("async expiresAt(key: string, options?: OperationOptions)");
    expect(backend).not.toContain("getMany(");
    expect(backend).not.toContain("health(");
  });

  it("runCli() keeps JSON and GitHub Actions YAML intact", async () => {
    const description = `Blobs & "friends" <b> {{not a template}} \${{ secrets.X }}`;
    const result = await run([
      "s",
      "--yes",
      "--no-install",
      "--no-git",
      "--description",
      description,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(cwd, "s/package.json"), "utf8"));
    expect(manifest.description).toBe(description);
    expect(await readFile(join(cwd, "s/README.md"), "utf8")).toContain(`\n${description}\n`);
    for (const workflow of ["ci", "release"]) {
      const written = await readFile(join(cwd, `s/.github/workflows/${workflow}.yml`), "utf8");
      const source = await readFile(
        join(TEMPLATES_DIRECTORY, `common/github/${workflow}-npm.yml`),
        "utf8",
      );
      expect(written).toBe(source);
      expect(written).toContain("${{");
    }
    expect(await readFile(join(cwd, "s/.github/workflows/ci.yml"), "utf8")).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions syntax, not JS.
      "node-version: ${{ matrix.node }}",
    );
    const tsconfig = JSON.parse(await readFile(join(cwd, "s/tsconfig.json"), "utf8"));
    expect(tsconfig.compilerOptions.types).toEqual(["node"]);
    const changesets = JSON.parse(await readFile(join(cwd, "s/.changeset/config.json"), "utf8"));
    expect(changesets.access).toBe("public");
  });

  it("runCli() writes the pnpm workflow for --pm pnpm", async () => {
    const result = await run(["s", "--yes", ...complete, "--pm", "pnpm"]);
    expect(result.code, result.stderr).toBe(0);
    const ci = await readFile(join(cwd, "s/.github/workflows/ci.yml"), "utf8");
    expect(ci).toContain("pnpm install --frozen-lockfile");
    expect(result.stdout).toContain("pnpm test");
  });

  it("runCli() configures Yarn for node_modules with --pm yarn", async () => {
    const result = await run(["s", "--yes", ...complete, "--pm", "yarn"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(cwd, "s/.yarnrc.yml"), "utf8")).toBe("nodeLinker: node-modules\n");
    expect(await readFile(join(cwd, "s/.github/workflows/ci.yml"), "utf8")).toContain(
      "yarn install --immutable",
    );
    expect(result.stdout).toContain("yarn test");
  });

  it("runCli() --dry-run prints the plan and writes nothing", async () => {
    const result = await run(["s", "--yes", ...complete, "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Dry run: nothing was written.");
    expect(result.stdout).toMatch(/create\s+package\.json/);
    expect(result.stdout).toMatch(/create\s+src\/s-backend\.ts/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it("runCli() refuses a non-empty directory with exit 3 and leaves it as it was", async () => {
    await mkdir(join(cwd, "s"));
    await writeFile(join(cwd, "s/notes.txt"), "mine");
    const result = await run(["s", "--yes", ...complete]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("is not empty (notes.txt)");
    expect(result.stderr).toContain("--merge");
    expect(await readdir(join(cwd, "s"))).toEqual(["notes.txt"]);
  });

  it("runCli() treats a directory holding only .git as empty", async () => {
    await mkdir(join(cwd, "s/.git"), { recursive: true });
    const result = await run(["s", "--yes", ...complete]);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(cwd, "s/package.json"))).toBe(true);
  });

  it("runCli() --merge adds only missing files and keeps the user's", async () => {
    await mkdir(join(cwd, "s"));
    await writeFile(join(cwd, "s/README.md"), "my readme");
    await writeFile(join(cwd, "s/notes.txt"), "mine");
    const result = await run(["s", "--yes", ...complete, "--merge"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(cwd, "s/README.md"), "utf8")).toBe("my readme");
    expect(await readFile(join(cwd, "s/notes.txt"), "utf8")).toBe("mine");
    expect(existsSync(join(cwd, "s/package.json"))).toBe(true);
    expect(result.stdout).toContain("1 kept");
  });

  it("runCli() --force overwrites colliding files and deletes nothing", async () => {
    await mkdir(join(cwd, "s"));
    await writeFile(join(cwd, "s/README.md"), "my readme");
    await writeFile(join(cwd, "s/notes.txt"), "mine");
    const result = await run(["s", "--yes", ...complete, "--force"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(cwd, "s/README.md"), "utf8")).toContain("# s");
    expect(await readFile(join(cwd, "s/notes.txt"), "utf8")).toBe("mine");
    expect(result.stdout).toContain("1 overwritten");
  });

  it("runCli() reports every file unchanged when run twice with the same answers", async () => {
    expect((await run(["s", "--yes", ...complete])).code).toBe(0);
    const again = await run(["s", "--yes", ...complete, "--merge"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("0 files added, 0 overwritten, 0 kept, 21 unchanged");
  });

  it("runCli() rejects an invalid package name with exit 2 and writes nothing", async () => {
    const result = await run(["s", "--yes", ...complete, "--name", "Bad Name"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"Bad Name" is not a valid npm package name');
    expect(await readdir(cwd)).toEqual([]);
  });

  it("runCli() refuses a capability the template has no code for, naming the alternative", async () => {
    const result = await run(["s", "--yes", ...complete, "--capabilities", "watch"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no implementation of watch");
    expect(result.stderr).toContain("--template blank");
  });

  it("runCli() refuses a capability the spec does not define", async () => {
    const result = await run(["s", "--yes", ...complete, "--capabilities", "teleport"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Unknown capability teleport; @kvkit\/spec .* defines batch, health/,
    );
  });

  it("runCli() asks for every missing answer in a terminal", async () => {
    const asked: string[] = [];
    const prompter: Prompter = {
      text: async (message, initial) => {
        asked.push(message);
        return message.startsWith("Where") ? "prompted" : initial;
      },
      select: async (message, _choices, initial) => {
        asked.push(message);
        return initial;
      },
      multiselect: async (message, _choices, initial) => {
        asked.push(message);
        return [...initial];
      },
      confirm: async (message) => {
        asked.push(message);
        return false;
      },
    };
    const result = await run([], { tty: true, prompter });
    expect(result.code, result.stderr).toBe(0);
    expect(asked).toEqual([
      "Where should the backend go?",
      "Package name",
      "Description",
      "Template",
      "Optional capabilities (kv is always in)",
      "Package manager",
      "Initialise a git repository?",
      "Install dependencies with npm?",
    ]);
    expect(existsSync(join(cwd, "prompted/src/prompted-backend.ts"))).toBe(true);
    expect(result.stdout).toContain("create-backend prompted --name prompted");
  });

  it("runCli() does not prompt under CI even in a terminal", async () => {
    const result = await run(["s"], {
      tty: true,
      env: { CI: "true" },
      prompter: failingPrompter(),
    });
    expect(result.code).toBe(2);
  });

  it("runCli() --help lists every flag and exits 0", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    for (const flag of [
      "--template",
      "--capabilities",
      "--pm",
      "--yes",
      "--merge",
      "--force",
      "--dry-run",
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain("npm create @kvkit/backend@latest [directory] -- [options]");
  });
});

function failingPrompter(): Prompter {
  const fail = async (): Promise<never> => {
    throw new Error("prompted without a terminal");
  };
  return { text: fail, select: fail, multiselect: fail, confirm: fail };
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}
