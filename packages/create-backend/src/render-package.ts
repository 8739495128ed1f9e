import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import nodePlop, {
  type ActionType,
  type AddActionConfig,
  type CustomActionConfig,
} from "node-plop";
import type { BackendNames } from "./backend-names.ts";
import type { PackageManager, TemplateName } from "./cli-arguments.ts";
import { generateSources } from "./generate-sources.ts";
import { jsonFiles } from "./json-files.ts";
import { packageManagerCommands } from "./package-manager-commands.ts";
import { printJson } from "./print-json.ts";
import type { SpecModel } from "./spec-model.ts";
import { TEMPLATES } from "./template-catalog.ts";
import { TEMPLATES_DIRECTORY } from "./templates-directory.ts";

/** Everything the package's files are rendered from. */
export interface RenderInput {
  readonly names: BackendNames;
  readonly description: string;
  readonly template: TemplateName;
  readonly capabilities: readonly string[];
  readonly packageManager: PackageManager;
  /** The package joins the kvkit workspace (`workspace:` ranges, no CI or changesets of its own). */
  readonly workspace: boolean;
  /** The Vitest project name in workspace mode: the directory's name. */
  readonly projectName: string;
  readonly spec: SpecModel;
  /** For the LICENSE. */
  readonly year: number;
  readonly author: string;
}

/**
 * Renders every file of the new package into `staging` (an empty directory) with one plop
 * generator: Markdown and text through Handlebars (with escaping off), JSON from objects,
 * GitHub Actions workflows copied byte for byte (Handlebars would eat `${{ }}`), and
 * TypeScript through ts-morph.
 *
 * @returns the paths written, relative to `staging`, sorted.
 */
export async function renderPackage(staging: string, input: RenderInput): Promise<string[]> {
  const plop = await nodePlop("", { destBasePath: staging, force: false });
  plop.setPlopfilePath(TEMPLATES_DIRECTORY);
  const written: string[] = [];
  const track = (path: string): string => {
    written.push(path);
    return path;
  };

  plop.setActionType("copy", async (_answers, config) => {
    const text = await readFile(join(TEMPLATES_DIRECTORY, String(config.templateFile)));
    await writeStaged(staging, String(config.path), text);
    return track(String(config.path));
  });
  plop.setActionType("json", async (_answers, config) => {
    await writeStaged(staging, String(config.path), printJson(config.value, String(config.path)));
    return track(String(config.path));
  });
  plop.setActionType("typescript", async () => {
    const directories = [
      join(TEMPLATES_DIRECTORY, input.workspace ? "workspace" : "standalone"),
      join(TEMPLATES_DIRECTORY, input.template),
    ];
    const sources = generateSources({
      templateDirectories: directories,
      names: input.names,
      capabilities: input.capabilities,
      spec: input.spec,
      projectName: input.projectName,
    });
    for (const [path, text] of sources) {
      await writeStaged(staging, path, text);
      track(path);
    }
    return `${sources.size} TypeScript files`;
  });

  const actions: ActionType[] = [
    text("README.md", "common/README.md.hbs"),
    text("LICENSE", "common/LICENSE.hbs"),
    { type: "typescript" },
  ];
  for (const [path, value] of jsonFiles({
    packageName: input.names.packageName,
    description: input.description,
    packageManager: input.packageManager,
    kvkitRange: `^${input.spec.version}`,
    workspace: input.workspace,
  })) {
    const action: CustomActionConfig<"json"> = { type: "json", path, value };
    actions.push(action);
  }
  if (input.packageManager === "yarn" && !input.workspace) {
    // Yarn 2+ defaults to Plug'n'Play, which Vite and Vitest do not resolve through.
    actions.push(copy(".yarnrc.yml", "common/yarnrc.yml"));
  }
  if (!input.workspace) {
    actions.push(
      copy(".gitignore", "common/_gitignore"),
      copy(".changeset/README.md", "common/changeset/README.md"),
      text(".changeset/initial-release.md", "common/changeset/initial-release.md.hbs"),
      copy(".github/workflows/ci.yml", `common/github/ci-${input.packageManager}.yml`),
      copy(".github/workflows/release.yml", `common/github/release-${input.packageManager}.yml`),
    );
  }
  const generator = plop.setGenerator("backend", {
    description: "A kvkit backend package",
    prompts: [],
    actions,
  });
  const { failures } = await generator.runActions(templateData(input), {
    onSuccess: (change) => {
      if (change.type === "add") track(change.path.replace(/^[/\\]/, ""));
    },
  });
  if (failures.length > 0) {
    const reasons = failures.map((failure) => `${failure.path || failure.type}: ${failure.error}`);
    throw new Error(`Rendering the package failed:\n${reasons.join("\n")}`);
  }
  return [...new Set(written)].sort();
}

function text(path: string, templateFile: string): ActionType {
  const action: AddActionConfig = { type: "add", path, templateFile, abortOnFail: true };
  return action;
}

function copy(path: string, templateFile: string): ActionType {
  const action: CustomActionConfig<"copy"> = { type: "copy", path, templateFile };
  return action;
}

async function writeStaged(staging: string, path: string, content: string | Buffer): Promise<void> {
  const target = join(staging, path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, content);
}

/**
 * The data Handlebars templates see. Every string is wrapped so that Handlebars inserts it
 * as is: its `{{ }}` escaping is for HTML, and turns `&` or `"` in a description into entities.
 */
function templateData(input: RenderInput): Record<string, unknown> {
  const info = TEMPLATES[input.template];
  const commands = packageManagerCommands(input.packageManager);
  const chosen = new Set(input.capabilities);
  return raw({
    packageName: input.names.packageName,
    description: input.description,
    scheme: input.names.scheme,
    exampleHost: info.exampleHost,
    templateNote: info.note,
    year: String(input.year),
    author: input.author,
    capabilityTable: markdownTable(
      ["Capability", "Supported"],
      [
        ["kv (required)", "yes"],
        ...input.spec.capabilities.map((capability) => [
          capability.name,
          chosen.has(capability.name) ? "yes" : "no",
        ]),
      ],
    ),
    commands: {
      install: commands.install,
      test: commands.run("test"),
      typecheck: commands.run("typecheck"),
      lint: commands.run("lint"),
      build: commands.run("build"),
    },
  }) as Record<string, unknown>;
}

/** A Markdown table with aligned columns, as Biome's Markdown formatter writes it. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join(
    "\n",
  );
}

function raw(value: unknown): unknown {
  if (typeof value === "string") return { toHTML: () => value, toString: () => value };
  if (Array.isArray(value)) return value.map(raw);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, raw(item)]));
  }
  return value;
}
