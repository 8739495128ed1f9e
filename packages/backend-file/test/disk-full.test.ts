import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  rmSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ErrorCode, isBackendError } from "@kvkit/spec";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { FileBackend } from "../src/index.ts";
import { logFileName } from "../src/log-format.ts";
import { newestGeneration } from "../src/open-log.ts";
import { inspectLog } from "./helpers/inspect-log.ts";

// Real disk-full conditions (catalogue item K7, ENOSPC): each test fills a small tmpfs with a
// filler file, so the log's appends and the creation of new files fail as on a full disk, then
// frees the space by deleting the filler. Mounting needs root; elsewhere the file is skipped.

const FS_BYTES = 1024 * 1024;

/** Why the tmpfs cannot be mounted here, or `undefined` when it can (probed once, unmounted). */
function whyNoTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to mount a tmpfs";
  const probe = mkdtempSync(join(tmpdir(), "kvkit-file-disk-full-probe-"));
  try {
    mount(probe);
    unmount(probe);
    return undefined;
  } catch (error) {
    return `mount -t tmpfs was refused (${String(error).split("\n")[0]})`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

function mount(directory: string): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${FS_BYTES},mode=0700`, "tmpfs", directory], {
    stdio: "pipe",
  });
}

function unmount(directory: string): void {
  try {
    execFileSync("umount", [directory], { stdio: "pipe" });
  } catch {
    // Still busy (a descriptor left open by a failed test): detach it anyway.
    execFileSync("umount", ["-l", directory], { stdio: "pipe" });
  }
}

const skipReason = whyNoTmpfs();

const value = (seed: number, size: number): Uint8Array =>
  Uint8Array.from({ length: size }, (_, i) => (seed * 31 + i) & 0xff);

/** Asserts that `promise` rejects with a kvkit error of exactly `code`. */
async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isBackendError(error), `expected a kvkit error, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

const logPath = (directory: string): string =>
  join(directory, logFileName(newestGeneration(directory)));

const logSize = (directory: string): number => statSync(logPath(directory)).size;

describe.skipIf(skipReason !== undefined)(
  skipReason === undefined
    ? "FileBackend on a full disk (ENOSPC on a 1 MiB tmpfs)"
    : `FileBackend on a full disk: skipped, ${skipReason}`,
  () => {
    let mountPoint: string;
    let mounted = false;
    let count = 0;
    /** The tmpfs's block (page) size: a full disk still takes writes into a log's last page. */
    let page = 4096;

    beforeAll(() => {
      mountPoint = mkdtempSync(join(tmpdir(), "kvkit-file-disk-full-"));
      mount(mountPoint);
      mounted = true;
      page = statfsSync(mountPoint).bsize;
    });

    afterAll(() => {
      if (mounted) unmount(mountPoint);
      rmSync(mountPoint, { recursive: true, force: true });
    });

    /**
     * A fresh store directory on the tmpfs and the path of its filler file, both removed when
     * the test ends.
     */
    function fresh(): { directory: string; filler: string } {
      count++;
      const directory = join(mountPoint, `store-${count}`);
      const filler = join(mountPoint, `filler-${count}`);
      onTestFinished(() => {
        rmSync(filler, { force: true });
        rmSync(`${filler}-rest`, { force: true });
        rmSync(directory, { recursive: true, force: true });
      });
      return { directory, filler };
    }

    /** Closes `backend`, opens the store again and checks it holds exactly `expected`. */
    async function reopen(
      backend: FileBackend,
      directory: string,
      expected: ReadonlyMap<string, Uint8Array>,
    ): Promise<FileBackend> {
      await backend.close();
      const reopened = new FileBackend({ directory });
      expect(await contents(reopened)).toEqual(expected);
      return reopened;
    }

    /** Writes `path` until the file system is full (or `bytes` were written). */
    function fill(path: string, bytes = Number.POSITIVE_INFINITY): void {
      const fd = openSync(path, "w");
      const chunk = Buffer.alloc(64 * 1024, 0xee);
      let written = 0;
      try {
        while (written < bytes) {
          written += writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      } finally {
        closeSync(fd);
      }
    }

    /**
     * Sets `key` to a value sized so that the log then ends `slack` bytes short of a page
     * boundary: once the disk is full, appends up to that many bytes still fit, the rest not.
     */
    async function padLog(
      backend: FileBackend,
      directory: string,
      key: string,
      slack: number,
    ): Promise<Uint8Array> {
      const before = logSize(directory);
      await backend.set(key, new Uint8Array(0));
      const overhead = logSize(directory) - before;
      const wanted = page - slack;
      const size = (((wanted - logSize(directory) - overhead) % page) + page) % page;
      const padding = value(7, size);
      await backend.set(key, padding);
      expect(logSize(directory) % page).toBe(wanted);
      return padding;
    }

    /** Every key of the store with its value. */
    async function contents(backend: FileBackend): Promise<Map<string, Uint8Array | undefined>> {
      const found = new Map<string, Uint8Array | undefined>();
      for await (const { key } of backend.list()) found.set(key, await backend.get(key));
      return found;
    }

    it("set, setMany, commit and compareAndSet reject with KVKIT_UNAVAILABLE; the torn append breaks nothing once space is freed", async () => {
      const { directory, filler } = fresh();
      const acknowledged = new Map<string, Uint8Array>();
      let backend = new FileBackend({ directory });
      try {
        for (let i = 0; i < 20; i++) {
          acknowledged.set(`k${i}`, value(i, 500));
          await backend.set(`k${i}`, value(i, 500));
        }
        acknowledged.set("pad", await padLog(backend, directory, "pad", 1000));
        const cas = await backend.getVersioned("k0");
        fill(filler);
        const sizeBefore = logSize(directory);

        // Each record is larger than the 1,000 bytes left in the log's last page: the first
        // one is cut short there (a torn record), the rest find no space at all.
        await expectCode(backend.set("big", value(100, 8192)), "KVKIT_UNAVAILABLE");
        expect(logSize(directory)).toBe(sizeBefore + 1000);
        expect(inspectLog(logPath(directory)).tailBytes).toBe(1000);
        await expectCode(
          backend.setMany([
            { key: "batch-a", value: value(101, 4096) },
            { key: "batch-b", value: value(102, 4096) },
          ]),
          "KVKIT_UNAVAILABLE",
        );
        await expectCode(
          backend.commit({
            checks: [{ key: "k1", version: (await backend.getVersioned("k1"))?.version ?? null }],
            set: [{ key: "commit-a", value: value(103, 4096) }],
            delete: ["k1"],
          }),
          "KVKIT_UNAVAILABLE",
        );
        await expectCode(
          backend.compareAndSet("k0", cas?.version ?? null, value(104, 4096)),
          "KVKIT_UNAVAILABLE",
        );
        await expectCode(backend.delete("k2"), "KVKIT_UNAVAILABLE");

        // Reads carry on while the disk is full, and nothing of the failed writes shows.
        expect(await contents(backend)).toEqual(acknowledged);
        expect((await backend.getVersioned("k0"))?.version).toBe(cas?.version);

        expect(inspectLog(logPath(directory))).toMatchObject({ tailBytes: 1000, skippedBytes: 0 });

        unlinkSync(filler);
        await backend.set("after", value(105, 3000));
        acknowledged.set("after", value(105, 3000));
        // The torn record is now followed by a whole one, so every reader skips it.
        expect(inspectLog(logPath(directory))).toMatchObject({ tailBytes: 0, skippedBytes: 1000 });
        await backend.compareAndSet("k0", cas?.version ?? null, value(106, 100));
        acknowledged.set("k0", value(106, 100));
        expect(await contents(backend)).toEqual(acknowledged);

        backend = await reopen(backend, directory, acknowledged);
        await backend.setMany([
          { key: "reopened-a", value: value(107, 10) },
          { key: "reopened-b", value: value(108, 10) },
        ]);
        acknowledged.set("reopened-a", value(107, 10));
        acknowledged.set("reopened-b", value(108, 10));
        expect(await contents(backend)).toEqual(acknowledged);
        backend = await reopen(backend, directory, acknowledged);
      } finally {
        await backend.close();
      }
    });

    it("a group append cut short by ENOSPC acknowledges exactly the records that reached the log whole", async () => {
      const { directory, filler } = fresh();
      const acknowledged = new Map<string, Uint8Array>();
      let backend = new FileBackend({ directory });
      try {
        for (let i = 0; i < 5; i++) {
          acknowledged.set(`k${i}`, value(i, 300));
          await backend.set(`k${i}`, value(i, 300));
        }
        // Room for three of the 1,000-byte sets below, then the batch is torn.
        acknowledged.set("pad", await padLog(backend, directory, "pad", 3500));
        fill(filler);

        // All issued in one tick: one group, one write(2), cut short by the full disk.
        const single = (key: string, seed: number): { key: string; value: Uint8Array }[] => [
          { key, value: value(seed, 1000) },
        ];
        const groups = [
          single("g0", 200),
          single("g1", 201),
          single("g2", 202),
          [...single("batch-a", 210), ...single("batch-b", 211)],
          single("g3", 203),
          single("g4", 204),
          single("g5", 205),
        ];
        const outcomes = await Promise.allSettled(
          groups.map((entries) =>
            entries.length === 1
              ? backend.set(entries[0]?.key ?? "", entries[0]?.value ?? new Uint8Array())
              : backend.setMany(entries),
          ),
        );

        const rejected: string[] = [];
        outcomes.forEach((outcome, index) => {
          const entries = groups[index] ?? [];
          if (outcome.status === "fulfilled") {
            for (const entry of entries) acknowledged.set(entry.key, entry.value);
          } else {
            expect(
              isBackendError(outcome.reason, "KVKIT_UNAVAILABLE"),
              String(outcome.reason),
            ).toBe(true);
            rejected.push(...entries.map((entry) => entry.key));
          }
        });
        // The three sets that fit were appended whole: they count, whatever came after them.
        expect(outcomes.slice(0, 3).map((outcome) => outcome.status)).toEqual([
          "fulfilled",
          "fulfilled",
          "fulfilled",
        ]);
        expect(rejected).toEqual(["batch-a", "batch-b", "g3", "g4", "g5"]);
        expect(inspectLog(logPath(directory)).tailBytes).toBeGreaterThan(0);
        expect(await contents(backend)).toEqual(acknowledged);

        unlinkSync(filler);
        await backend.set("after", value(220, 500));
        acknowledged.set("after", value(220, 500));
        expect(await contents(backend)).toEqual(acknowledged);
        backend = await reopen(backend, directory, acknowledged);
      } finally {
        await backend.close();
      }
    });

    it.each([
      ["the seal fits in the log", 1500, true],
      ["the seal is torn", 200, false],
    ])(
      "compaction that hits ENOSPC (%s) leaves the store readable and consistent",
      async (_, slack, sealFits) => {
        const { directory, filler } = fresh();
        const acknowledged = new Map<string, Uint8Array>();
        let backend = new FileBackend({ directory, compactAtBytes: 0 });
        try {
          for (let i = 0; i < 5; i++) {
            acknowledged.set(`stable${i}`, value(i, 200));
            await backend.set(`stable${i}`, value(i, 200));
          }
          for (let round = 0; round < 20; round++) await backend.set("hot", value(round, 1000));
          acknowledged.set("hot", await padLog(backend, directory, "hot", slack));
          await backend.close();
          fill(filler);

          // Opened on the full disk; its first write crosses compactAtBytes, so it seals the log
          // (if the seal fits) and then cannot write the next generation.
          backend = new FileBackend({ directory, compactAtBytes: 1 });
          expect(await contents(backend)).toEqual(acknowledged);
          await backend.set("hot", value(50, 100));
          acknowledged.set("hot", value(50, 100));
          expect(newestGeneration(directory)).toBe(0);
          expect(inspectLog(logPath(directory)).seals > 0).toBe(sealFits);
          expect(await contents(backend)).toEqual(acknowledged);
          await expectCode(backend.set("refused", value(51, 100)), "KVKIT_UNAVAILABLE");
          await expectCode(backend.delete("stable0"), "KVKIT_UNAVAILABLE");
          expect(await contents(backend)).toEqual(acknowledged);
          {
            await using reopened = new FileBackend({ directory });
            expect(await contents(reopened)).toEqual(acknowledged);
          }

          unlinkSync(filler);
          await backend.set("after", value(52, 100));
          acknowledged.set("after", value(52, 100));
          expect(await contents(backend)).toEqual(acknowledged);
          expect(newestGeneration(directory)).toBeGreaterThan(0);
          backend = await reopen(backend, directory, acknowledged);
        } finally {
          await backend.close();
        }
      },
    );

    it("health() reports degraded below minFreeBytes and unavailable when the disk is full", async () => {
      const { directory, filler } = fresh();
      await using backend = new FileBackend({ directory, minFreeBytes: FS_BYTES / 2 });
      await backend.set("k", value(1, 100));
      const roomy = await backend.health();
      expect(roomy.status).toBe("ok");
      expect(roomy.details.freeBytes).toBeGreaterThanOrEqual(FS_BYTES / 2);

      fill(filler, FS_BYTES - FS_BYTES / 4);
      const low = await backend.health();
      expect(low.status).toBe("degraded");
      expect(low.details.freeBytes).toBeLessThan(FS_BYTES / 2);

      fill(`${filler}-rest`);
      const full = await backend.health();
      expect(full.status).toBe("unavailable");
      expect(String(full.details.error)).toContain("ENOSPC");
      expect(await backend.get("k")).toEqual(value(1, 100));

      unlinkSync(filler);
      unlinkSync(`${filler}-rest`);
      expect((await backend.health()).status).toBe("ok");
    });
  },
);
