import { isAbsolute, relative } from "node:path";
import type { PackageManager, TemplateName } from "./cli-arguments.ts";
import type { KvkitWorkspace } from "./find-workspace.ts";
import { packageManagerCommands } from "./package-manager-commands.ts";
import { quoteShell } from "./rerun-command.ts";

/** What the next steps depend on. */
export interface NextStepsInput {
  readonly cwd: string;
  readonly target: string;
  readonly template: TemplateName;
  readonly packageManager: PackageManager;
  readonly installed: boolean;
  readonly workspace: KvkitWorkspace | undefined;
  /** The backend's source file, relative to the package: `src/blob-backend.ts`. */
  readonly backendFile: string;
}

/** The exact commands to run after scaffolding, one per line, with a short comment each. */
export function nextSteps(input: NextStepsInput): string[] {
  if (input.workspace !== undefined) {
    const project = input.workspace.packagePath.split("/").pop() ?? "";
    const root = shortPath(input.cwd, input.workspace.root);
    return [
      ...(root === "" ? [] : [`cd ${quoteShell(root)}`]),
      ...(input.installed ? [] : ["pnpm install"]),
      `pnpm vitest run --project ${project}   # the conformance suite`,
      "pnpm tsc -b",
      ...todo(input),
    ];
  }
  const commands = packageManagerCommands(input.packageManager);
  const directory = shortPath(input.cwd, input.target);
  return [
    ...(directory === "" ? [] : [`cd ${quoteShell(directory)}`]),
    ...(input.installed ? [] : [commands.install]),
    `${commands.run("test")}   # the conformance suite`,
    ...todo(input),
    `${commands.run("lint")} && ${commands.run("typecheck")} && ${commands.run("build")}`,
  ];
}

/** `to` relative to `from` when it lies below it, else absolute. */
function shortPath(from: string, to: string): string {
  const path = relative(from, to);
  return path.startsWith("..") || isAbsolute(path) ? to : path;
}

function todo(input: NextStepsInput): string[] {
  if (input.template === "blank") {
    return [
      `# implement ${input.backendFile}, then change describe.todo to describe in test/conformance.test.ts`,
    ];
  }
  if (input.template === "memory") {
    return [
      `# replace the in-memory store in ${input.backendFile} and src/stores.ts with your client`,
    ];
  }
  return [];
}
