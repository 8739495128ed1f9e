import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/** A temporary directory made before a test file's tests run and removed after them. */
export interface TemporaryRoot {
  /** The path of `names` (joined) inside the root. */
  at(...names: string[]): string;
  /** A path inside the root that no earlier call returned (nothing is created there). */
  fresh(): string;
}

/** Registers the hooks that make and remove a {@link TemporaryRoot} named `prefix…`. */
export function temporaryRoot(prefix: string): TemporaryRoot {
  let root = "";
  let count = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  return {
    at: (...names) => join(root, ...names),
    fresh: () => join(root, `store-${++count}`),
  };
}
