import type { PackageManager } from "./cli-arguments.ts";

/** The command lines a package manager's users type. */
export interface PackageManagerCommands {
  readonly install: string;
  /** Runs a package.json script: `npm run build`, `pnpm build`. */
  run(script: string): string;
}

/** The commands of `pm`. */
export function packageManagerCommands(pm: PackageManager): PackageManagerCommands {
  switch (pm) {
    case "npm":
      return {
        install: "npm install",
        run: (script) => (script === "test" ? "npm test" : `npm run ${script}`),
      };
    case "pnpm":
      return { install: "pnpm install", run: (script) => `pnpm ${script}` };
    case "yarn":
      return { install: "yarn install", run: (script) => `yarn ${script}` };
  }
}

/**
 * The package manager that started the CLI, from `npm_config_user_agent`
 * (`"pnpm/10.34.9 npm/? node/v20.20.2 linux x64"`); `undefined` when unknown.
 */
export function detectPackageManager(userAgent: string | undefined): PackageManager | undefined {
  const name = userAgent?.split("/", 1)[0];
  return name === "npm" || name === "pnpm" || name === "yarn" ? name : undefined;
}
