import type * as fs from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { FileBackend } from "../src/index.ts";
import { newestGeneration } from "../src/open-log.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

// A failed fsync of the store directory after a compaction linked the next generation
// (catalogue item K7, EIO). A real failure of only that fsync, with the temporary file's fsync
// just before it succeeding, cannot be produced on demand (the loop device of
// io-error.test.ts fails every write to new blocks), so the failure is injected at the system
// call: `fsyncSync` of `node:fs` throws, as Node does, for a directory while `failing` is set.

const injected = vi.hoisted(() => ({ failing: false, failures: 0 }));

vi.mock("node:fs", async (importOriginal) => {
  const original = await importOriginal<typeof fs>();
  const fsyncSync = (fd: number): void => {
    if (injected.failing && original.fstatSync(fd).isDirectory()) {
      injected.failures++;
      throw Object.assign(new Error("EIO: i/o error, fsync"), {
        errno: -5,
        code: "EIO",
        syscall: "fsync",
      });
    }
    original.fsyncSync(fd);
  };
  return { ...original, default: { ...original, fsyncSync }, fsyncSync };
});

const root = temporaryRoot("kvkit-file-directory-sync-");

const value = (n: number, size = 1000): Uint8Array => new Uint8Array(size).fill(n & 0xff);

describe("a failed fsync of the directory while creating the next generation", () => {
  it("stops writes (KVKIT_UNAVAILABLE, health() unavailable) instead of taking it for another process's generation; reads go on", async () => {
    const directory = root.fresh();
    await using backend = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    await backend.set("kept", value(7));
    injected.failing = true;
    let round = 0;
    try {
      for (; newestGeneration(directory) === 0; round++) await backend.set("churn", value(round));
    } finally {
      injected.failing = false;
    }
    expect(injected.failures).toBe(1);

    await expect(backend.set("after", value(1))).rejects.toMatchObject({
      code: "KVKIT_UNAVAILABLE",
    });
    const health = await backend.health();
    expect(health.status).toBe("unavailable");
    expect(String(health.details.error)).toMatch(/fsync of the store directory/);
    expect(await backend.getMany(["kept", "churn", "after"])).toEqual([
      value(7),
      value(round - 1),
      undefined,
    ]);
    // Reopening (here the directory's fsync works again) takes writes and holds every value.
    await using reopened = new FileBackend({ directory });
    await reopened.set("after", value(1));
    expect(await reopened.getMany(["kept", "churn", "after"])).toEqual([
      value(7),
      value(round - 1),
      value(1),
    ]);
  });
});
