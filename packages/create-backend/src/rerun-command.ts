import type { PackageManager, TemplateName } from "./cli-arguments.ts";

/** The answers a complete, prompt-free command line carries. */
export interface RerunAnswers {
  readonly directory: string;
  readonly packageName: string;
  readonly description: string;
  readonly template: TemplateName;
  readonly capabilities: readonly string[];
  readonly packageManager: PackageManager;
  readonly git: boolean;
  readonly install: boolean;
  /** Flags passed through unchanged: `--force`, `--merge`, `--dry-run`, `--standalone`. */
  readonly extraFlags: readonly string[];
}

/**
 * The exact command that reruns the CLI with every answer given as a flag, in the form of
 * the package manager that started it. npm needs `--` before the flags, or it keeps them.
 */
export function rerunCommand(answers: RerunAnswers, invoker: PackageManager | undefined): string {
  const flags = [
    "--name",
    answers.packageName,
    "--description",
    answers.description,
    "--template",
    answers.template,
    "--capabilities",
    answers.capabilities.length === 0 ? "kv" : answers.capabilities.join(","),
    "--pm",
    answers.packageManager,
    answers.git ? "--git" : "--no-git",
    answers.install ? "--install" : "--no-install",
    ...answers.extraFlags,
  ].map(quoteShell);
  const directory = quoteShell(answers.directory);
  switch (invoker) {
    case "npm":
      return `npm create @kvkit/backend@latest ${directory} -- ${flags.join(" ")}`;
    case "pnpm":
      return `pnpm create @kvkit/backend ${directory} ${flags.join(" ")}`;
    case "yarn":
      return `yarn create @kvkit/backend ${directory} ${flags.join(" ")}`;
    case undefined:
      return `create-backend ${directory} ${flags.join(" ")}`;
  }
}

/** Quotes `word` for a POSIX shell when it needs it. */
export function quoteShell(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
