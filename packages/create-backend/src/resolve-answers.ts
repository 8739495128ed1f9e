import { basename, resolve } from "node:path";
import { packageNameProblems, suggestPackageName } from "./backend-names.ts";
import {
  type CliArguments,
  PACKAGE_MANAGERS,
  type PackageManager,
  TEMPLATE_NAMES,
  type TemplateName,
} from "./cli-arguments.ts";
import { type RerunAnswers, rerunCommand } from "./rerun-command.ts";
import { TEMPLATES } from "./template-catalog.ts";
import { UsageError } from "./usage-error.ts";

/** Every answer the CLI needs. */
export type Answers = RerunAnswers;

/** One choice of a select prompt. */
export interface Choice<T> {
  readonly value: T;
  readonly label: string;
  readonly hint?: string | undefined;
}

/** Asks questions in a terminal. Each method rejects with {@link CancelledError} on Ctrl-C. */
export interface Prompter {
  text(
    message: string,
    initial: string,
    validate?: (value: string) => string | undefined,
  ): Promise<string>;
  select<T>(message: string, choices: readonly Choice<T>[], initial: T): Promise<T>;
  multiselect<T>(
    message: string,
    choices: readonly Choice<T>[],
    initial: readonly T[],
  ): Promise<T[]>;
  confirm(message: string, initial: boolean): Promise<boolean>;
}

/** Where the CLI runs. */
export interface AnswerContext {
  /** Prompts may be shown: stdin and stdout are terminals and nothing turned prompts off. */
  readonly interactive: boolean;
  /** The package manager that started the CLI, from its user agent. */
  readonly invoker: PackageManager | undefined;
  /** The optional capabilities the spec defines, in its order. */
  readonly capabilityNames: readonly string[];
  readonly prompter?: Prompter | undefined;
}

const DEFAULT_DIRECTORY = "my-kvkit-backend";
const DEFAULT_DESCRIPTION = "A kvkit storage backend.";

/**
 * Fills every answer from the flags, then from prompts (interactive) or defaults (`--yes`).
 *
 * @throws {UsageError} when the run cannot prompt, `--yes` was not given and an answer is
 *   missing. The message lists the missing flags and the exact command to rerun.
 */
export async function resolveAnswers(args: CliArguments, context: AnswerContext): Promise<Answers> {
  const extraFlags = [
    ...(args.force ? ["--force"] : []),
    ...(args.merge ? ["--merge"] : []),
    ...(args.dryRun ? ["--dry-run"] : []),
    ...(args.standalone ? ["--standalone"] : []),
  ];
  const prompter = context.interactive && !args.yes ? context.prompter : undefined;
  if (prompter === undefined) {
    const answers = defaults(args, context, extraFlags);
    if (!args.yes) {
      const missing = missingFlags(args, context);
      if (missing.length > 0) {
        throw new UsageError(
          `Missing ${missing.join(", ")}, and there is no terminal to ask in.\n` +
            "Rerun with every answer given (these are the defaults):\n\n" +
            `  ${rerunCommand(answers, context.invoker)}\n\n` +
            "or add --yes to take the defaults for whatever is not given.",
        );
      }
    }
    return answers;
  }
  return ask(args, context, prompter, extraFlags);
}

function defaults(args: CliArguments, context: AnswerContext, extraFlags: string[]): Answers {
  const directory = args.directory ?? DEFAULT_DIRECTORY;
  const template = args.template ?? "memory";
  return {
    directory,
    packageName: args.name ?? suggestPackageName(basename(resolve(directory))),
    description: args.description ?? DEFAULT_DESCRIPTION,
    template,
    capabilities: args.capabilities ?? TEMPLATES[template].defaults,
    packageManager: args.packageManager ?? context.invoker ?? "npm",
    git: args.git ?? true,
    install: args.install ?? true,
    extraFlags,
  };
}

function missingFlags(args: CliArguments, context: AnswerContext): string[] {
  const missing: string[] = [];
  if (args.directory === undefined) missing.push("the directory");
  if (args.name === undefined) missing.push("--name");
  if (args.description === undefined) missing.push("--description");
  if (args.template === undefined) missing.push("--template");
  if (args.capabilities === undefined) missing.push("--capabilities");
  if (args.packageManager === undefined && context.invoker === undefined) missing.push("--pm");
  if (args.git === undefined) missing.push("--git/--no-git");
  if (args.install === undefined) missing.push("--install/--no-install");
  return missing;
}

async function ask(
  args: CliArguments,
  context: AnswerContext,
  prompter: Prompter,
  extraFlags: string[],
): Promise<Answers> {
  const directory =
    args.directory ??
    (await prompter.text("Where should the backend go?", DEFAULT_DIRECTORY, (value) =>
      value.trim() === "" ? "Give a directory" : undefined,
    ));
  const packageName =
    args.name ??
    (await prompter.text(
      "Package name",
      suggestPackageName(basename(resolve(directory))),
      (value) => {
        const problems = packageNameProblems(value);
        return problems.length === 0 ? undefined : problems.join("; ");
      },
    ));
  const description = args.description ?? (await prompter.text("Description", DEFAULT_DESCRIPTION));
  const template =
    args.template ??
    (await prompter.select<TemplateName>(
      "Template",
      TEMPLATE_NAMES.map((name) => ({ value: name, label: name, hint: TEMPLATES[name].hint })),
      "memory",
    ));
  const offered = TEMPLATES[template].implements;
  const available = context.capabilityNames.filter(
    (name) => offered === "all" || offered.includes(name),
  );
  const capabilities =
    args.capabilities ??
    (await prompter.multiselect(
      "Optional capabilities (kv is always in)",
      available.map((name) => ({ value: name, label: name })),
      TEMPLATES[template].defaults,
    ));
  const packageManager =
    args.packageManager ??
    (await prompter.select<PackageManager>(
      "Package manager",
      PACKAGE_MANAGERS.map((name) => ({ value: name, label: name })),
      context.invoker ?? "npm",
    ));
  const git = args.git ?? (await prompter.confirm("Initialise a git repository?", true));
  const install =
    args.install ?? (await prompter.confirm(`Install dependencies with ${packageManager}?`, true));
  return {
    directory,
    packageName,
    description,
    template,
    capabilities,
    packageManager,
    git,
    install,
    extraFlags,
  };
}
