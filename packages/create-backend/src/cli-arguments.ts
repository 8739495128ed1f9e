import { parseArgs } from "node:util";
import { UsageError } from "./usage-error.ts";

/** The templates a backend can be scaffolded from. */
export const TEMPLATE_NAMES = ["memory", "blank", "remote"] as const;
/** One of {@link TEMPLATE_NAMES}. */
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The package managers the CLI installs with and writes next steps for. */
export const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn"] as const;
/** One of {@link PACKAGE_MANAGERS}. */
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** What the command line said. `undefined` means "not given": a default or a prompt decides. */
export interface CliArguments {
  readonly directory: string | undefined;
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly capabilities: readonly string[] | undefined;
  readonly template: TemplateName | undefined;
  readonly packageManager: PackageManager | undefined;
  readonly git: boolean | undefined;
  readonly install: boolean | undefined;
  readonly yes: boolean;
  readonly interactive: boolean | undefined;
  readonly force: boolean;
  readonly merge: boolean;
  readonly dryRun: boolean;
  readonly standalone: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

const OPTIONS = {
  name: { type: "string", short: "n" },
  description: { type: "string", short: "d" },
  capabilities: { type: "string", short: "c" },
  template: { type: "string", short: "t" },
  pm: { type: "string" },
  git: { type: "boolean" },
  "no-git": { type: "boolean" },
  install: { type: "boolean" },
  "no-install": { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  interactive: { type: "boolean" },
  "no-interactive": { type: "boolean" },
  force: { type: "boolean" },
  merge: { type: "boolean" },
  "dry-run": { type: "boolean" },
  standalone: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/**
 * Parses `argv` (without the node and script entries).
 *
 * @throws {UsageError} for an unknown flag, a flag without its value, more than one directory,
 *   an unknown template or package manager, or contradictory flags.
 */
export function parseCliArguments(argv: readonly string[]): CliArguments {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nRun create-backend --help for the options.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `Expected one directory, got ${positionals.length}: ${positionals.join(" ")}.` +
        " Quote a path that contains spaces.",
    );
  }
  if (values.force && values.merge) {
    throw new UsageError(
      "--force and --merge contradict each other: --force overwrites colliding files, --merge keeps them.",
    );
  }
  const directory = positionals[0]?.trim().replace(/(.)[/\\]+$/, "$1");
  return {
    directory: directory === "" ? undefined : directory,
    name: values.name,
    description: values.description,
    capabilities: values.capabilities === undefined ? undefined : splitList(values.capabilities),
    template: oneOf(values.template, TEMPLATE_NAMES, "--template"),
    packageManager: oneOf(values.pm, PACKAGE_MANAGERS, "--pm"),
    git: toggle(values.git, values["no-git"], "git"),
    install: toggle(values.install, values["no-install"], "install"),
    yes: values.yes ?? false,
    interactive: toggle(values.interactive, values["no-interactive"], "interactive"),
    force: values.force ?? false,
    merge: values.merge ?? false,
    dryRun: values["dry-run"] ?? false,
    standalone: values.standalone ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "" && item !== "kv");
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, not "${value}".`);
}

function toggle(
  on: boolean | undefined,
  off: boolean | undefined,
  name: string,
): boolean | undefined {
  if (on && off) throw new UsageError(`--${name} and --no-${name} contradict each other.`);
  if (on) return true;
  if (off) return false;
  return undefined;
}
