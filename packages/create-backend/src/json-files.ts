import type { PackageManager } from "./cli-arguments.ts";
import { packageManagerCommands } from "./package-manager-commands.ts";

/** Versions written into generated package.json files. */
export const TOOL_VERSIONS = {
  biome: "2.6.8",
  changesets: "^2.31.1",
  typesNode: "^20.19.0",
  typescript: "~5.9.3",
  vitest: "~4.1.12",
} as const;

/** What the JSON files of a package depend on. */
export interface JsonFilesInput {
  readonly packageName: string;
  readonly description: string;
  readonly packageManager: PackageManager;
  /** The range for @kvkit/spec and @kvkit/testkit (versioned together). */
  readonly kvkitRange: string;
  /** Set inside the kvkit repository: the package joins its workspace. */
  readonly workspace: boolean;
}

/** The JSON files of a new package, by path; written from objects, never from templates. */
export function jsonFiles(input: JsonFilesInput): Map<string, unknown> {
  return input.workspace ? workspaceFiles(input) : standaloneFiles(input);
}

/** The fields every generated package.json starts with, in this order. */
function packageIdentity(input: JsonFilesInput): Record<string, unknown> {
  return {
    name: input.packageName,
    version: "0.0.0",
    description: input.description,
    license: "MIT",
    type: "module",
    sideEffects: false,
  };
}

function standaloneFiles(input: JsonFilesInput): Map<string, unknown> {
  const commands = packageManagerCommands(input.packageManager);
  const compilerOptions = {
    target: "ES2022",
    lib: ["ES2023", "ES2024.String", "ESNext.Disposable"],
    module: "NodeNext",
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    noEmit: true,
  };
  return new Map<string, unknown>([
    [
      "package.json",
      {
        ...packageIdentity(input),
        exports: {
          ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
          "./package.json": "./package.json",
        },
        types: "./dist/index.d.ts",
        files: ["dist"],
        engines: { node: ">=20.19" },
        keywords: ["kvkit", "kvkit-backend", "key-value", "storage"],
        scripts: {
          build: "tsc -p tsconfig.build.json",
          typecheck: "tsc -p tsconfig.json",
          lint: "biome ci --error-on-warnings .",
          format: "biome check --write .",
          test: "vitest run",
          changeset: "changeset",
          "version-packages": "changeset version",
          release: `${commands.run("build")} && changeset publish`,
        },
        dependencies: { "@kvkit/spec": input.kvkitRange },
        devDependencies: {
          "@biomejs/biome": TOOL_VERSIONS.biome,
          "@changesets/cli": TOOL_VERSIONS.changesets,
          "@kvkit/testkit": input.kvkitRange,
          "@types/node": TOOL_VERSIONS.typesNode,
          typescript: TOOL_VERSIONS.typescript,
          vitest: TOOL_VERSIONS.vitest,
        },
        publishConfig: { access: "public" },
      },
    ],
    ["tsconfig.json", { compilerOptions, include: ["src", "test", "vitest.config.ts"] }],
    [
      "tsconfig.build.json",
      {
        extends: "./tsconfig.json",
        compilerOptions: {
          noEmit: false,
          allowImportingTsExtensions: false,
          rewriteRelativeImportExtensions: true,
          declaration: true,
          sourceMap: true,
          rootDir: "src",
          outDir: "dist",
        },
        include: ["src"],
      },
    ],
    [
      "biome.json",
      {
        $schema: `https://biomejs.dev/schemas/${TOOL_VERSIONS.biome}/schema.json`,
        root: true,
        files: { includes: ["**", "!**/dist", "!**/coverage", "!.changeset"] },
        formatter: { indentStyle: "space", indentWidth: 2, lineWidth: 100 },
        linter: { rules: { recommended: true } },
        assist: { actions: { source: { organizeImports: "on" } } },
      },
    ],
    [
      ".changeset/config.json",
      {
        $schema: "https://unpkg.com/@changesets/config@3.1.1/schema.json",
        changelog: "@changesets/cli/changelog",
        commit: false,
        fixed: [],
        linked: [],
        access: "public",
        baseBranch: "main",
        updateInternalDependencies: "patch",
        ignore: [],
      },
    ],
  ]);
}

function workspaceFiles(input: JsonFilesInput): Map<string, unknown> {
  return new Map<string, unknown>([
    [
      "package.json",
      {
        ...packageIdentity(input),
        exports: {
          ".": {
            "@kvkit/source": "./src/index.ts",
            types: "./dist/index.d.ts",
            default: "./dist/index.js",
          },
          "./package.json": "./package.json",
        },
        files: ["dist", "src"],
        engines: { node: ">=20.19" },
        keywords: ["kvkit", "key-value", "storage", "kvkit-backend"],
        scripts: {},
        dependencies: { "@kvkit/spec": "workspace:^" },
        devDependencies: { "@kvkit/testkit": "workspace:^", vitest: TOOL_VERSIONS.vitest },
      },
    ],
    [
      "tsconfig.json",
      { extends: "../../tsconfig.base.json", include: ["src"], references: [{ path: "../spec" }] },
    ],
  ]);
}
