import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** What happens to one file of the new package. */
export type FileAction =
  /** The target has no such file: it is added. */
  | "create"
  /** The target has the same content already: nothing to do. */
  | "identical"
  /** The target has another file there, which `--force` replaces. */
  | "overwrite"
  /** The target has another file there, which is kept (`--merge`, or a refused run). */
  | "keep";

/** One line of the plan. */
export interface PlannedFile {
  /** Relative to the package root, with `/`. */
  readonly path: string;
  readonly action: FileAction;
}

/** How to treat files that already exist with other content. */
export type ConflictPolicy = "refuse" | "force" | "merge";

/**
 * Compares the staged files with the target directory. Nothing is written.
 *
 * With policy `refuse`, colliding files are planned as `keep`; the caller refuses the run when
 * any exist. The plan never deletes anything.
 */
export async function planChanges(
  staging: string,
  target: string,
  paths: readonly string[],
  policy: ConflictPolicy,
): Promise<PlannedFile[]> {
  const plan: PlannedFile[] = [];
  for (const path of paths) {
    const existing = await readIfFile(join(target, path));
    if (existing === undefined) {
      plan.push({ path, action: "create" });
      continue;
    }
    const staged = await readFile(join(staging, path));
    if (existing.equals(staged)) plan.push({ path, action: "identical" });
    else plan.push({ path, action: policy === "force" ? "overwrite" : "keep" });
  }
  return plan;
}

async function readIfFile(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return Buffer.alloc(0);
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
