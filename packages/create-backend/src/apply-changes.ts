import { randomUUID } from "node:crypto";
import { chmod, copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PlannedFile } from "./plan-changes.ts";
import type { FileEdit } from "./register-in-workspace.ts";

/**
 * Moves the planned files from `staging` into `target` and applies `edits`.
 *
 * When `target` does not exist, the whole staging directory is renamed into place: one atomic
 * step (staging is a sibling of the target, so on the same file system). Otherwise each file is
 * copied next to its destination and renamed over it, so no file is ever half-written. Files
 * planned `keep` or `identical` are not touched, and nothing is ever deleted from `target`.
 */
export async function applyChanges(
  staging: string,
  target: string,
  plan: readonly PlannedFile[],
  targetExists: boolean,
  edits: readonly FileEdit[],
): Promise<void> {
  if (!targetExists && plan.every((file) => file.action === "create")) {
    await mkdir(dirname(target), { recursive: true });
    // mkdtemp made the staging directory private (0700); the package is not.
    await chmod(staging, 0o755);
    await rename(staging, target);
  } else {
    for (const file of plan) {
      if (file.action !== "create" && file.action !== "overwrite") continue;
      const destination = join(target, file.path);
      await mkdir(dirname(destination), { recursive: true });
      const temporary = `${destination}.${randomUUID()}.tmp`;
      try {
        await copyFile(join(staging, file.path), temporary);
        await rename(temporary, destination);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    }
  }
  for (const edit of edits) {
    const temporary = `${edit.path}.${randomUUID()}.tmp`;
    await writeFile(temporary, edit.after);
    await rename(temporary, edit.path);
  }
}
