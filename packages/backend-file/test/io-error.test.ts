import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ErrorCode, isBackendError } from "@kvkit/spec";
import { afterEach, describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";

// A disk that fails writes (catalogue item K7, EIO): the store lives on an ext4 (or ext2) file
// system in a sparse image on a loop device, and the image lies on a small tmpfs. Filling the
// tmpfs makes the loop device fail every write to a block the image has not used yet, which
// the file system reports as an I/O error from fdatasync; deleting the filler heals the disk.
// Needs root (mount, losetup); elsewhere the file is skipped, saying why.

const TMPFS_BYTES = 16 * 1024 * 1024;
const IMAGE_BYTES = 64 * 1024 * 1024;

const run = (command: string, ...args: string[]): string =>
  execFileSync(command, args, { stdio: "pipe", encoding: "utf8" });

/** A file system on a loop device whose backing image can be made to fail writes. */
interface FailingDisk {
  /** Where the file system is mounted. */
  readonly mountPoint: string;
  /** Makes writes to new blocks fail (fills the tmpfs under the image). */
  fail(): void;
  /** Makes them succeed again. */
  heal(): void;
  /** Heals, unmounts, checks the file system with fsck and mounts it again. */
  repairAndRemount(): void;
  dispose(): void;
}

function failingDisk(kind: "ext4" | "ext2", mountOptions: string[] = []): FailingDisk {
  const base = mkdtempSync(join(tmpdir(), "kvkit-file-io-error-"));
  const backing = join(base, "backing");
  const mountPoint = join(base, "mnt");
  run("mkdir", backing, mountPoint);
  run("mount", "-t", "tmpfs", "-o", `size=${TMPFS_BYTES},mode=0700`, "tmpfs", backing);
  const image = join(backing, "image");
  const filler = join(backing, "filler");
  run("truncate", "-s", String(IMAGE_BYTES), image);
  run(`mkfs.${kind}`, "-q", image);
  const device = run("losetup", "-f", "--show", image).trim();
  const mount = (): void => {
    run("mount", ...mountOptions.flatMap((option) => ["-o", option]), device, mountPoint);
    run("chmod", "0700", mountPoint);
  };
  mount();
  const unmount = (): void => {
    try {
      run("umount", mountPoint);
    } catch {
      run("umount", "-l", mountPoint);
    }
  };
  const heal = (): void => rmSync(filler, { force: true });
  return {
    mountPoint,
    fail() {
      const space = statfsSync(backing);
      run("fallocate", "-l", String(Number(space.bavail) * Number(space.bsize)), filler);
    },
    heal,
    repairAndRemount() {
      heal();
      unmount();
      try {
        run(`fsck.${kind}`, "-fy", device);
      } catch {
        // fsck exits non-zero when it repaired something; the mount below tells.
      }
      mount();
    },
    dispose() {
      unmount();
      run("losetup", "-d", device);
      run("umount", backing);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Why a failing disk cannot be made here, or `undefined` when it can (probed once). */
function whyNoFailingDisk(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to mount file systems and loop devices";
  try {
    failingDisk("ext4").dispose();
    return undefined;
  } catch (error) {
    return `a loop-mounted ext4 was refused (${String(error).split("\n")[0]})`;
  }
}

const skipReason = whyNoFailingDisk();

const value = (seed: number, size: number): Uint8Array =>
  Uint8Array.from({ length: size }, (_, i) => (seed * 31 + i) & 0xff);

/** The error code `promise` rejects with (`"ok"` when it resolves). */
async function outcomeOf(promise: Promise<unknown>): Promise<ErrorCode | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    expect(isBackendError(error), `expected a kvkit error, got ${String(error)}`).toBe(true);
    return (error as { code: ErrorCode }).code;
  }
}

/** Writes of 200 KiB: each needs blocks the image has never used. */
const LARGE = 200 * 1024;

describe.skipIf(skipReason !== undefined)(
  skipReason === undefined
    ? "FileBackend on a failing disk (EIO from fdatasync, loop device on a full tmpfs)"
    : `FileBackend on a failing disk: skipped, ${skipReason}`,
  () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A failing disk with a store directory on it, removed after the test. */
    function setUp(kind: "ext4" | "ext2", mountOptions?: string[]) {
      const disk = failingDisk(kind, mountOptions);
      cleanups.push(() => disk.dispose());
      const directory = join(disk.mountPoint, "store");
      const open = (): FileBackend => {
        const backend = new FileBackend({ directory, durability: "power" });
        cleanups.push(() => backend.close());
        return backend;
      };
      return { disk, open };
    }

    /**
     * A store with twenty acknowledged keys of 1000 bytes, whose next write ("lost") failed its
     * fdatasync and so rejected with KVKIT_OUTCOME_UNKNOWN.
     */
    async function failOneGroup(kind: "ext4" | "ext2", mountOptions?: string[]) {
      const { disk, open } = setUp(kind, mountOptions);
      const backend = open();
      for (let i = 0; i < 20; i++) await backend.set(`k${i}`, value(i, 1000));
      disk.fail();
      expect(await outcomeOf(backend.set("lost", value(99, LARGE)))).toBe("KVKIT_OUTCOME_UNKNOWN");
      return { disk, open, backend };
    }

    /**
     * Repairs the disk and reopens the store: every acknowledged write is there, the write of
     * the failed group ("lost") is whole or absent, none refused after it ("after") is, and the
     * new instance writes.
     */
    async function expectAcknowledgedAfterRepair(
      disk: FailingDisk,
      open: () => FileBackend,
    ): Promise<void> {
      disk.repairAndRemount();
      const reopened = open();
      for (let i = 0; i < 20; i++) expect(await reopened.get(`k${i}`)).toEqual(value(i, 1000));
      const lost = await reopened.get("lost");
      if (lost !== undefined) expect(lost).toEqual(value(99, LARGE));
      expect(await reopened.get("after")).toBeUndefined();
      await reopened.set("after", value(2, 10));
      expect(await reopened.get("after")).toEqual(value(2, 10));
    }

    it("ext4: the failed write is KVKIT_OUTCOME_UNKNOWN, later ones KVKIT_UNAVAILABLE, reads go on, and every acknowledged write is there after repair", async () => {
      const { disk, open, backend } = await failOneGroup("ext4");
      expect(await outcomeOf(backend.set("after", value(98, 10)))).toBe("KVKIT_UNAVAILABLE");
      expect(await outcomeOf(backend.compareAndSet("k0", null, value(97, 10)))).toBe(
        "KVKIT_UNAVAILABLE",
      );
      expect(await backend.get("k3")).toEqual(value(3, 1000));
      const health = await backend.health();
      expect(health.status).toBe("unavailable");
      expect(String(health.details?.error)).toMatch(/fdatasync/);
      await backend.close();

      await expectAcknowledgedAfterRepair(disk, open);
    });

    it("the failed group's values are refused (KVKIT_UNAVAILABLE), not read back as whatever the disk holds once their pages are dropped", async () => {
      const { disk, open, backend } = await failOneGroup("ext2", ["errors=continue"]);
      // After the failed writeback the log's pages are clean but never reached the disk; drop
      // them from the page cache (as memory pressure may), so a read goes to the disk.
      const store = join(disk.mountPoint, "store");
      for (const name of readdirSync(store)) {
        run("dd", `if=${join(store, name)}`, "iflag=nocache", "count=0");
      }
      expect(await outcomeOf(backend.get("lost"))).toBe("KVKIT_UNAVAILABLE");
      expect(await outcomeOf(backend.getVersioned("lost"))).toBe("KVKIT_UNAVAILABLE");
      expect(await outcomeOf(backend.getMany(["k1", "lost"]))).toBe("KVKIT_UNAVAILABLE");
      expect(await backend.get("k3")).toEqual(value(3, 1000));
      await backend.close();

      await expectAcknowledgedAfterRepair(disk, open);
    });

    it("ext2 with errors=continue: after a failed fdatasync the instance takes no write, even once the disk accepts them again; a new instance does", async () => {
      const { disk, open, backend } = await failOneGroup("ext2", ["errors=continue"]);
      // The file system would now append and fdatasync again, and report success for a log
      // whose earlier pages never reached the disk.
      disk.heal();
      expect(await outcomeOf(backend.set("after", value(98, 10)))).toBe("KVKIT_UNAVAILABLE");
      expect(await outcomeOf(backend.setMany([{ key: "b", value: value(1, 1) }]))).toBe(
        "KVKIT_UNAVAILABLE",
      );
      expect((await backend.health()).status).toBe("unavailable");
      expect(await backend.get("k19")).toEqual(value(19, 1000));
      await backend.close();

      await expectAcknowledgedAfterRepair(disk, open);
    });
  },
);
