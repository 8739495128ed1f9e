import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";

/** The kvkit repository a target directory belongs to. */
export interface KvkitWorkspace {
  /** The repository root (where pnpm-workspace.yaml is). */
  readonly root: string;
  /** The target's path relative to the root, with `/`: `packages/backend-blob`. */
  readonly packagePath: string;
}

/**
 * Finds the kvkit monorepo around `target`: the nearest parent with a pnpm-workspace.yaml whose
 * package.json is named `kvkit`. Only a direct child of its `packages/` joins the workspace.
 */
export function findWorkspace(target: string): KvkitWorkspace | undefined {
  let directory = dirname(target);
  for (;;) {
    if (existsSync(join(directory, "pnpm-workspace.yaml"))) {
      if (!isKvkitRoot(directory)) return undefined;
      const path = relative(directory, target).split(sep).join("/");
      const inPackages = dirname(target) === join(directory, "packages") && basename(target) !== "";
      return inPackages ? { root: directory, packagePath: path } : undefined;
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function isKvkitRoot(directory: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
      name?: unknown;
    };
    return manifest.name === "kvkit";
  } catch {
    return false;
  }
}
