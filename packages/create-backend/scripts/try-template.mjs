// Scaffolds a backend with the built create-backend into a temporary directory, links the
// workspace's @kvkit/spec, @kvkit/testkit and Vitest into it (they are not installed from the
// registry), runs its conformance tests, and removes the directory again.
//
// Usage: node packages/create-backend/scripts/try-template.mjs [template] [create-backend flags]
// Needs the build: `pnpm tsc -b packages/spec packages/testkit packages/create-backend`.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const packages = join(packageRoot, "..");
const [template = "memory", ...flags] = process.argv.slice(2);

function run(command, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.on("close", (code) => resolve(code ?? 1));
    child.on("error", () => resolve(1));
  });
}

const work = await mkdtemp(join(tmpdir(), "kvkit-try-"));
let code = 1;
try {
  const target = join(work, `my-${template}-backend`);
  const bin = join(packageRoot, "dist/bin/create-backend.js");
  const cliFlags = ["--yes", "--template", template, "--no-install", "--no-git", ...flags];
  code = await run(process.execPath, [bin, target, ...cliFlags], work);
  if (code === 0) {
    const links = {
      "@kvkit/spec": join(packages, "spec"),
      "@kvkit/testkit": join(packages, "testkit"),
      // The Vitest instance the testkit registers its cases with.
      vitest: await realpath(join(packages, "testkit/node_modules/vitest")),
    };
    for (const [name, source] of Object.entries(links)) {
      const link = join(target, "node_modules", name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(source, link, "dir");
    }
    console.log(`\nRunning the conformance tests of ${target}:\n`);
    const vitest = join(links.vitest, "vitest.mjs");
    const reporters = ["--reporter=default", "--reporter=@kvkit/testkit/reporter"];
    code = await run(process.execPath, [vitest, "run", ...reporters], target);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exitCode = code;
