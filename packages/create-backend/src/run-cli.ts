import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { spinner } from "@clack/prompts";
import { CAPABILITY_NAMES } from "@kvkit/spec";
import { CancelledError } from "./cancelled-error.ts";
import { clackPrompter } from "./clack-prompter.ts";
import { parseCliArguments } from "./cli-arguments.ts";
import { helpText } from "./help-text.ts";
import { nextSteps } from "./next-steps.ts";
import { detectPackageManager } from "./package-manager-commands.ts";
import type { ConflictPolicy } from "./plan-changes.ts";
import { rerunCommand } from "./rerun-command.ts";
import { type Prompter, resolveAnswers } from "./resolve-answers.ts";
import { runCommand } from "./run-command.ts";
import { UsageError } from "./usage-error.ts";

/** The process the CLI runs in; tests pass their own. */
export interface CliEnvironment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdinIsTty: boolean;
  readonly stdoutIsTty: boolean;
  readonly write: (text: string) => void;
  readonly writeError: (text: string) => void;
  /** Asks questions; default @clack/prompts. */
  readonly prompter?: Prompter | undefined;
}

/**
 * Runs the create-backend command line and resolves its exit code: 0 done, 1 failed, 2 usage
 * error or missing answer, 3 directory not empty, 130 cancelled. Prompts only when stdin and
 * stdout are terminals; never waits for input otherwise.
 */
export async function runCli(
  argv: readonly string[],
  environment: CliEnvironment,
): Promise<number> {
  const { write, writeError } = environment;
  try {
    const args = parseCliArguments(argv);
    if (args.help) {
      write(helpText(CAPABILITY_NAMES));
      return 0;
    }
    if (args.version) {
      write(`${ownVersion()}\n`);
      return 0;
    }
    const ci =
      environment.env.CI !== undefined &&
      environment.env.CI !== "" &&
      environment.env.CI !== "false";
    const terminal = environment.stdinIsTty && environment.stdoutIsTty;
    const interactive = terminal && args.interactive !== false && !ci;
    const invoker = detectPackageManager(environment.env.npm_config_user_agent);
    const answers = await resolveAnswers(args, {
      interactive,
      invoker,
      capabilityNames: CAPABILITY_NAMES,
      prompter: environment.prompter ?? clackPrompter,
    });
    const target = resolve(environment.cwd, answers.directory);
    let conflicts: ConflictPolicy = args.force ? "force" : args.merge ? "merge" : "refuse";
    if (conflicts === "refuse" && interactive && !args.yes && isOccupied(target)) {
      conflicts = await (environment.prompter ?? clackPrompter).select<ConflictPolicy>(
        `${answers.directory} is not empty. Files are never deleted.`,
        [
          { value: "refuse", label: "Cancel" },
          { value: "merge", label: "Add only the missing files (--merge)" },
          { value: "force", label: "Also overwrite colliding files (--force)" },
        ],
        "refuse",
      );
      if (conflicts === "refuse") throw new CancelledError();
    }

    const started = performance.now();
    // Loaded here, after the arguments: ts-morph and plop take a moment to import.
    const { scaffold } = await import("./scaffold.ts");
    const result = await scaffold({
      target,
      packageName: answers.packageName,
      description: answers.description,
      template: answers.template,
      capabilities: answers.capabilities,
      packageManager: answers.packageManager,
      conflicts,
      dryRun: args.dryRun,
      standalone: args.standalone,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const counts = { create: 0, overwrite: 0, keep: 0, identical: 0 };
    for (const file of result.plan) counts[file.action]++;

    if (args.dryRun) {
      write(`Dry run: nothing was written. Planned for ${target}:\n`);
      for (const file of result.plan) write(`  ${file.action.padEnd(9)} ${file.path}\n`);
      for (const edit of result.edits) {
        write(
          `  ${(edit.before === undefined ? "create" : "modify").padEnd(9)} ${edit.label} (workspace)\n`,
        );
      }
      return 0;
    }
    write(
      `Created ${result.names.packageName} in ${target} (template ${answers.template}, ` +
        `${counts.create} files added, ${counts.overwrite} overwritten, ${counts.keep} kept, ` +
        `${counts.identical} unchanged, ${seconds} s).\n`,
    );
    for (const edit of result.edits) write(`Registered in the workspace: ${edit.label}\n`);

    if (answers.git && result.workspace === undefined) await initGit(target, write, writeError);

    let installed = false;
    if (answers.install) {
      const pm = result.workspace === undefined ? answers.packageManager : "pnpm";
      const cwd = result.workspace?.root ?? target;
      installed = await install(pm, cwd, environment);
      if (!installed) {
        writeError(`Retry with: cd ${cwd} && ${pm} install\n`);
        return 1;
      }
    }
    write("\nNext steps:\n");
    for (const line of nextSteps({
      cwd: environment.cwd,
      target,
      template: answers.template,
      packageManager: answers.packageManager,
      installed,
      workspace: result.workspace,
      backendFile: `src/${result.names.id}-backend.ts`,
    })) {
      write(`  ${line}\n`);
    }
    if (interactive) write(`\nThe same, without prompts:\n  ${rerunCommand(answers, invoker)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      writeError(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CancelledError) {
      writeError(`${error.message}\n`);
      return 130;
    }
    writeError(
      `create-backend failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

function isOccupied(target: string): boolean {
  try {
    return readdirSync(target).some((entry) => entry !== ".git");
  } catch {
    return false;
  }
}

async function initGit(
  target: string,
  write: (text: string) => void,
  writeError: (text: string) => void,
): Promise<void> {
  const inside = await runCommand("git", ["rev-parse", "--is-inside-work-tree"], target);
  if (inside.code === 0) {
    write("Inside a git repository already: no git init.\n");
    return;
  }
  const result = await runCommand("git", ["init", "--quiet"], target);
  if (result.code === 0) write("Initialised a git repository.\n");
  else writeError(`git init failed (skipped): ${result.output.trim()}\n`);
}

async function install(pm: string, cwd: string, environment: CliEnvironment): Promise<boolean> {
  const message = `Installing dependencies with ${pm}`;
  const progress = environment.stdoutIsTty ? spinner() : undefined;
  if (progress) progress.start(message);
  else environment.write(`${message}…\n`);
  const result = await runCommand(pm, ["install"], cwd);
  if (result.code === 0) {
    if (progress) progress.stop("Dependencies installed");
    else environment.write("Dependencies installed.\n");
    return true;
  }
  if (progress) progress.error(`${pm} install failed`);
  const tail = result.output.trimEnd().split("\n").slice(-30).join("\n");
  environment.writeError(`${pm} install failed (exit ${result.code}):\n${tail}\n`);
  return false;
}

function ownVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8"),
  ) as {
    version: string;
  };
  return manifest.version;
}
