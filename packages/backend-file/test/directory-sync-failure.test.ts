import { randomBytes } from "node:crypto";
import type * as fs from "node:fs";
import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FileBackend } from "../src/index.ts";
import {
  decodeFileHeader,
  encodeSealRecord,
  FILE_HEADER_BYTES,
  LOG_FILE_NAME,
} from "../src/log-format.ts";
import { newestGeneration } from "../src/open-log.ts";
import { flipChecksumByte } from "./helpers/flip-byte.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

// The fsyncs of the store directory, observed and failed at the system call. A real failure of
// only that fsync, with the temporary file's fsync just before it succeeding, cannot be
// produced on demand (the loop device of io-error.test.ts fails every write to new blocks),
// and a power loss cannot be simulated, so `node:fs` is wrapped: `fsyncSync` of a directory is
// recorded, and throws EIO, as Node does, while `failing` is set; `writeSync` is recorded so a
// test can tell whether the directory was fsynced before an append to a log. `openSync` of a
// directory (`O_DIRECTORY`, which only the open for that fsync uses) throws EMFILE, as Node
// does when the process is out of descriptors, while `openFailing` is set.

const injected = vi.hoisted(() => ({
  failing: false,
  failures: 0,
  openFailing: false,
  openFailures: 0,
  /** In call order: which inode was fsynced (a directory) or written to. */
  calls: [] as { readonly op: "fsync-directory" | "fsync-file" | "write"; readonly ino: number }[],
}));

vi.mock("node:fs", async (importOriginal) => {
  const original = await importOriginal<typeof fs>();
  const fsyncSync = (fd: number): void => {
    const stats = original.fstatSync(fd);
    if (!stats.isDirectory()) injected.calls.push({ op: "fsync-file", ino: stats.ino });
    if (stats.isDirectory()) {
      injected.calls.push({ op: "fsync-directory", ino: stats.ino });
      if (injected.failing) {
        injected.failures++;
        throw Object.assign(new Error("EIO: i/o error, fsync"), {
          errno: -5,
          code: "EIO",
          syscall: "fsync",
        });
      }
    }
    original.fsyncSync(fd);
  };
  const openSync = ((path: fs.PathLike, flags?: fs.OpenMode, ...rest: unknown[]) => {
    if (
      injected.openFailing &&
      typeof flags === "number" &&
      (flags & original.constants.O_DIRECTORY) !== 0
    ) {
      injected.openFailures++;
      throw Object.assign(new Error(`EMFILE: too many open files, open '${String(path)}'`), {
        errno: -24,
        code: "EMFILE",
        syscall: "open",
        path: String(path),
      });
    }
    return (original.openSync as (...args: unknown[]) => number)(path, flags, ...rest);
  }) as typeof original.openSync;
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    injected.calls.push({ op: "write", ino: original.fstatSync(fd).ino });
    return (original.writeSync as (fd: number, ...rest: unknown[]) => number)(fd, ...rest);
  }) as typeof original.writeSync;
  return {
    ...original,
    default: { ...original, fsyncSync, openSync, writeSync },
    fsyncSync,
    openSync,
    writeSync,
  };
});

const root = temporaryRoot("kvkit-file-directory-sync-");

const value = (n: number, size = 1000): Uint8Array => new Uint8Array(size).fill(n & 0xff);

beforeEach(() => {
  injected.failing = false;
  injected.failures = 0;
  injected.openFailing = false;
  injected.openFailures = 0;
  injected.calls.length = 0;
});

/**
 * Makes the next directory fsync fail under a write of `key`, which is refused, and checks the
 * fail-stop: the fsync failed once, and writes stay refused although fsyncs work again (a
 * later fsync that succeeds proves nothing about the failed one).
 */
async function expectFailedFsyncStopsWrites(backend: FileBackend, key: string): Promise<void> {
  injected.failing = true;
  try {
    await expect(backend.set(key, value(1))).rejects.toMatchObject({ code: "KVKIT_UNAVAILABLE" });
  } finally {
    injected.failing = false;
  }
  expect(injected.failures).toBe(1);
  await expectWritesStopped(backend, key);
}

/** Checks the fail-stop after a failed directory fsync: writes refused, health says why. */
async function expectWritesStopped(backend: FileBackend, key: string): Promise<void> {
  await expect(backend.set(key, value(1))).rejects.toMatchObject({ code: "KVKIT_UNAVAILABLE" });
  const health = await backend.health();
  expect(health.status).toBe("unavailable");
  expect(String(health.details.error)).toMatch(/fsync of the store directory/);
}

/** Checks a write refused because the store directory could not be opened for its fsync. */
async function expectOpenRefused(write: Promise<unknown>): Promise<void> {
  const error = await write.then(
    () => expect.unreachable("the write was acknowledged"),
    (error: unknown) => error,
  );
  expect(error).toMatchObject({ code: "KVKIT_UNAVAILABLE", cause: { code: "EMFILE" } });
  expect(String((error as Error).message)).toMatch(/could not open the store directory/i);
}

/** Checks that the store directory was fsynced before the first append to the log `ino`. */
function expectSyncedBeforeAppend(directory: string, ino: number): void {
  const directoryIno = statSync(directory).ino;
  const firstSync = injected.calls.findIndex(
    (call) => call.op === "fsync-directory" && call.ino === directoryIno,
  );
  const firstAppend = injected.calls.findIndex((call) => call.op === "write" && call.ino === ino);
  expect(firstAppend, "appended to the log").toBeGreaterThanOrEqual(0);
  expect(firstSync, "directory fsynced before the first append").toBeGreaterThanOrEqual(0);
  expect(firstSync).toBeLessThan(firstAppend);
}

/** Appends recorded so far to the log `ino`. */
const appendsTo = (ino: number): number =>
  injected.calls.filter((call) => call.op === "write" && call.ino === ino).length;

/** fsyncs of the store directory `directory` recorded so far. */
function directorySyncs(directory: string): number {
  const { ino } = statSync(directory);
  return injected.calls.filter((call) => call.op === "fsync-directory" && call.ino === ino).length;
}

/** Sets "churn" through `backend` until the store has a generation 1; returns the last value's n. */
async function compactOnce(backend: FileBackend, directory: string): Promise<number> {
  let round = 0;
  for (; newestGeneration(directory) === 0; round++) await backend.set("churn", value(round));
  return round - 1;
}

/**
 * A new, empty store directory made beforehand, so the tests of the log's own directory fsyncs
 * do not meet the fsyncs of the directories the backend creates (tested at the end).
 */
function existingDirectory(): string {
  const directory = root.fresh();
  mkdirSync(directory, { mode: 0o700 });
  return directory;
}

const logPath = (directory: string, generation: number): string =>
  `${directory}/kvkit.${generation}.log`;

describe("a failed fsync of the directory while creating the next generation", () => {
  it("stops writes (KVKIT_UNAVAILABLE, health() unavailable) instead of taking it for another process's generation; reads go on", async () => {
    const directory = root.fresh();
    await using backend = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    await backend.set("kept", value(7));
    injected.failing = true;
    let last: number;
    try {
      last = await compactOnce(backend, directory);
    } finally {
      injected.failing = false;
    }
    expect(injected.failures).toBe(1);

    await expectWritesStopped(backend, "after");
    expect(await backend.getMany(["kept", "churn", "after"])).toEqual([
      value(7),
      value(last),
      undefined,
    ]);
    // Reopening (here the directory's fsync works again) takes writes and holds every value.
    await using reopened = new FileBackend({ directory });
    await reopened.set("after", value(1));
    expect(await reopened.getMany(["kept", "churn", "after"])).toEqual([
      value(7),
      value(last),
      value(1),
    ]);
  });
});

// The creator of a generation may die (or its fsync fail) between the link and its fsync of
// the directory; an instance that enters the generation must not acknowledge writes there
// before the link is durable.
describe("entering a generation with durability power fsyncs the store directory", () => {
  it("an instance moving to a generation another instance created fsyncs the directory before it appends there, once per generation", async () => {
    const directory = root.fresh();
    await using creator = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    await using follower = new FileBackend({ directory });
    await creator.set("kept", value(7));
    expect(await follower.get("kept")).toEqual(value(7));
    const last = await compactOnce(creator, directory);
    injected.calls.length = 0;

    await follower.set("own", value(2));
    const next = statSync(logPath(directory, 1)).ino;
    const firstSync = injected.calls.findIndex(
      (call) => call.op === "fsync-directory" && call.ino === statSync(directory).ino,
    );
    const firstAppend = injected.calls.findIndex(
      (call) => call.op === "write" && call.ino === next,
    );
    expect(firstAppend, "the follower appended to generation 1").toBeGreaterThanOrEqual(0);
    expect(firstSync, "directory fsynced before the first append").toBeGreaterThanOrEqual(0);
    expect(firstSync).toBeLessThan(firstAppend);

    await follower.set("own", value(3));
    expect(await follower.getMany(["kept", "churn", "own"])).toEqual([
      value(7),
      value(last),
      value(3),
    ]);
    expect(directorySyncs(directory), "once per generation").toBe(1);
  });

  it("an instance with power entering a generation that an instance with process made fsyncs that file, then the directory, before it appends there", async () => {
    const directory = root.fresh();
    await using creator = new FileBackend({
      directory,
      durability: "process",
      compactAtBytes: 16 * 1024,
    });
    await using follower = new FileBackend({ directory });
    await creator.set("kept", value(7));
    expect(await follower.get("kept")).toEqual(value(7));
    await compactOnce(creator, directory);
    injected.calls.length = 0;

    await follower.set("own", value(2));
    const next = statSync(logPath(directory, 1)).ino;
    const order = (op: string, ino: number): number =>
      injected.calls.findIndex((call) => call.op === op && call.ino === ino);
    const fileSync = order("fsync-file", next);
    const directorySync = order("fsync-directory", statSync(directory).ino);
    const firstAppend = order("write", next);
    // The creator wrote the snapshot without fsyncing it: a durable link to bytes still in
    // the page cache would, after a power loss, hide every write acknowledged before the seal.
    expect(fileSync, "generation 1 fsynced").toBeGreaterThanOrEqual(0);
    expect(fileSync).toBeLessThan(directorySync);
    expect(directorySync).toBeLessThan(firstAppend);
    expect(await follower.get("kept")).toEqual(value(7));
  });

  it("the creator of a generation fsyncs the directory once for it", async () => {
    const directory = root.fresh();
    await using creator = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    await creator.set("kept", value(7));
    injected.calls.length = 0;
    await compactOnce(creator, directory);
    await creator.set("after", value(1));
    expect(directorySyncs(directory)).toBe(1);
  });

  it("opening an existing store fsyncs the directory before the first write is acknowledged, once", async () => {
    const directory = root.fresh();
    {
      await using first = new FileBackend({ directory });
      await first.set("kept", value(7));
    }
    injected.calls.length = 0;
    await using backend = new FileBackend({ directory });
    const synced = backend.set("a", value(1)).then(() => directorySyncs(directory));
    expect(await synced).toBe(1);
    await backend.set("b", value(2));
    expect(await backend.get("kept")).toEqual(value(7));
    expect(directorySyncs(directory)).toBe(1);
  });

  it("creating a store fsyncs the directory once", async () => {
    const directory = root.fresh();
    await using backend = new FileBackend({ directory });
    await backend.set("a", value(1));
    await backend.set("b", value(2));
    expect(directorySyncs(directory)).toBe(1);
  });

  it("with durability process the directory is never fsynced, also when entering a new generation", async () => {
    const directory = root.fresh();
    {
      await using first = new FileBackend({ directory, durability: "process" });
      await first.set("kept", value(7));
    }
    await using creator = new FileBackend({
      directory,
      durability: "process",
      compactAtBytes: 16 * 1024,
    });
    await using follower = new FileBackend({ directory, durability: "process" });
    await follower.set("own", value(1));
    await compactOnce(creator, directory);
    await follower.set("own", value(2));
    expect(await follower.get("own")).toEqual(value(2));
    expect(directorySyncs(directory)).toBe(0);
  });
});

describe("a failed fsync of the directory while entering a generation", () => {
  it("an instance moving to another instance's generation stops writes (KVKIT_UNAVAILABLE, health() unavailable); reads go on", async () => {
    const directory = root.fresh();
    await using creator = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    await using follower = new FileBackend({ directory });
    await creator.set("kept", value(7));
    expect(await follower.get("kept")).toEqual(value(7));
    const last = await compactOnce(creator, directory);

    await expectFailedFsyncStopsWrites(follower, "own");
    expect(await follower.getMany(["kept", "churn", "own"])).toEqual([
      value(7),
      value(last),
      undefined,
    ]);
    // The creator was not affected.
    await creator.set("after", value(1));
    expect(await follower.get("after")).toEqual(value(1));
  });

  it("an instance opening an existing store stops writes; reads go on", async () => {
    const directory = root.fresh();
    {
      await using first = new FileBackend({ directory });
      await first.set("kept", value(7));
    }
    injected.failing = true;
    await using backend = new FileBackend({ directory });
    expect(await backend.get("kept")).toEqual(value(7));
    await expect(backend.set("a", value(1))).rejects.toMatchObject({ code: "KVKIT_UNAVAILABLE" });
    injected.failing = false;
    expect(injected.failures).toBe(1);
    await expectWritesStopped(backend, "a");
    expect(await backend.get("kept")).toEqual(value(7));
  });

  it("creating the store stops writes of that instance, also once the fsync works again; the next instance fsyncs the directory when it opens", async () => {
    const directory = existingDirectory();
    await using backend = new FileBackend({ directory });
    await expectFailedFsyncStopsWrites(backend, "a");
    expect(await backend.get("a")).toBeUndefined();

    injected.calls.length = 0;
    await using reopened = new FileBackend({ directory });
    const synced = reopened.set("a", value(1)).then(() => directorySyncs(directory));
    expect(await synced).toBe(1);
    expect(await reopened.get("a")).toEqual(value(1));
  });
});

describe("a failed fsync of the directory while a write moves to the next generation", () => {
  it("a write that finds the log sealed (it could not write the next generation) and enters another instance's generation is refused when the directory fsync fails, not appended and acknowledged there", async () => {
    // Regression: #flush checked for a failed fsync before catching up past the seal, so the
    // fail-stop set by entering the new generation came too late for that batch: it was
    // appended to the generation whose link was not made durable, and acknowledged.
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const damaged = new Uint8Array(Buffer.from(`damaged:${"d".repeat(300)}`, "utf8"));
    {
      await using setup = new FileBackend({ directory, compactAtBytes: 0 });
      await setup.set("damaged", damaged);
      await setup.set("intact", value(7));
      for (let i = 0; i < 40; i++) await setup.set("churn", value(i));
    }
    await using other = new FileBackend({ directory });
    expect(await other.get("damaged")).toEqual(damaged);
    // The record rots after "other" replayed it: "stuck", opening afterwards, lacks it and so
    // writes no generation from its state.
    flipChecksumByte(path, damaged);
    await using stuck = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    expect(await stuck.get("intact")).toEqual(value(7));
    // A process sealed the log and died before writing the next generation; "stuck" stays at
    // the seal.
    appendFileSync(path, sealRecordFor(path));
    await expect(stuck.set("refused", value(2))).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
    expect(newestGeneration(directory)).toBe(0);
    // "other" holds the damaged record's write, and writes generation 1 from the seal.
    expect(await other.get("intact")).toEqual(value(7));
    expect(newestGeneration(directory)).toBe(1);

    await expectFailedFsyncStopsWrites(stuck, "late");
    expect(await stuck.get("intact")).toEqual(value(7));
  });
});

/**
 * Once the directory opens again: the next write of `key` (value 4) fsyncs it before appending
 * to the log file with inode `logIno`, health() is not unavailable, and a write after that
 * does not fsync the directory again.
 */
async function expectRecovers(
  backend: FileBackend,
  directory: string,
  logIno: number,
  key: string,
): Promise<void> {
  injected.calls.length = 0;
  await backend.set(key, value(4));
  expectSyncedBeforeAppend(directory, logIno);
  expect((await backend.health()).status).not.toBe("unavailable");
  await backend.set(key, value(4));
  expect(directorySyncs(directory), "once per generation").toBe(1);
}

// Opening the directory for its fsync can fail (EMFILE, ENFILE, EACCES, ENOMEM) before any
// fsync ran, so nothing can have been lost: the write that needed it is refused, nothing is
// marked synced, and the next write tries again. Only a failed fsync itself is fail-stop.
describe("the store directory cannot be opened for its fsync (EMFILE)", () => {
  it("an instance moving to another instance's generation refuses the write (KVKIT_UNAVAILABLE) without appending there; once the open works, the next write fsyncs the directory before its append, and health() is not unavailable", async () => {
    const directory = root.fresh();
    await using creator = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    await using follower = new FileBackend({ directory });
    await creator.set("kept", value(7));
    expect(await follower.get("kept")).toEqual(value(7));
    const last = await compactOnce(creator, directory);
    const next = statSync(logPath(directory, 1)).ino;
    injected.calls.length = 0;

    injected.openFailing = true;
    try {
      await expectOpenRefused(follower.set("own", value(2)));
      // Each write tries the open again.
      await expectOpenRefused(follower.set("own", value(3)));
      // Writes are refused, so health() says so (and tries the open again itself).
      const health = await follower.health();
      expect(health.status).toBe("unavailable");
      expect(String(health.details.error)).toMatch(/could not open the store directory/i);
    } finally {
      injected.openFailing = false;
    }
    expect(injected.openFailures).toBeGreaterThanOrEqual(2);
    expect(appendsTo(next), "nothing appended to generation 1").toBe(0);
    expect(directorySyncs(directory)).toBe(0);
    expect(await follower.get("own")).toBeUndefined();

    await expectRecovers(follower, directory, next, "own");
    expect(await follower.getMany(["kept", "churn", "own"])).toEqual([
      value(7),
      value(last),
      value(4),
    ]);
  });

  it("the instance that links the next generation refuses the next write there without appending; once the open works, the next write fsyncs the directory before its append, and health() is not unavailable", async () => {
    const directory = root.fresh();
    await using backend = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
    await backend.set("kept", value(7));
    injected.openFailing = true;
    let last: number;
    try {
      // The write whose flush compacts was appended to generation 0 before the seal.
      last = await compactOnce(backend, directory);
      expect(injected.openFailures).toBeGreaterThanOrEqual(1);
      injected.calls.length = 0;
      await expectOpenRefused(backend.set("after", value(1)));
    } finally {
      injected.openFailing = false;
    }
    const next = statSync(logPath(directory, 1)).ino;
    expect(appendsTo(next), "nothing appended to generation 1").toBe(0);
    expect(directorySyncs(directory)).toBe(0);

    await expectRecovers(backend, directory, next, "after");
    expect(await backend.getMany(["kept", "churn", "after"])).toEqual([
      value(7),
      value(last),
      value(4),
    ]);
  });

  it("creating the store (generation 0) refuses the first write; once the open works, the next write fsyncs the directory before its append, and health() is not unavailable", async () => {
    const directory = existingDirectory();
    await using backend = new FileBackend({ directory });
    injected.openFailing = true;
    try {
      await expectOpenRefused(backend.set("a", value(1)));
    } finally {
      injected.openFailing = false;
    }
    expect(injected.openFailures).toBeGreaterThanOrEqual(1);
    expect(directorySyncs(directory)).toBe(0);
    // The header was written to the temporary file before the link; nothing after it.
    expect(statSync(logPath(directory, 0)).size, "nothing appended to generation 0").toBe(
      FILE_HEADER_BYTES,
    );
    expect(await backend.get("a")).toBeUndefined();

    await expectRecovers(backend, directory, statSync(logPath(directory, 0)).ino, "a");
    expect(await backend.get("a")).toEqual(value(4));
  });

  it("a retry whose fsync then fails is fail-stop like any failed fsync of the directory", async () => {
    const directory = existingDirectory();
    await using backend = new FileBackend({ directory });
    injected.openFailing = true;
    try {
      await expectOpenRefused(backend.set("a", value(1)));
    } finally {
      injected.openFailing = false;
    }
    await expectFailedFsyncStopsWrites(backend, "a");
    expect(await backend.get("a")).toBeUndefined();
  });
});

/** A seal record for the log at `path`, as a process about to compact it appends. */
function sealRecordFor(path: string): Buffer {
  const header = decodeFileHeader(readFileSync(path));
  if (typeof header === "string") throw new Error(header);
  return encodeSealRecord(header.marker, randomBytes(16), Date.now());
}

describe("a store directory the backend creates", () => {
  /** The inodes of the directories in whose entries `path`'s missing parents were made. */
  const parentsOf = (...paths: string[]): number[] => paths.map((path) => statSync(path).ino);

  it("is fsynced into its parent, with each parent it creates, before the first write is acknowledged (durability power)", async () => {
    const top = root.fresh();
    const directory = join(top, "nested", "store");
    await using backend = new FileBackend({ directory });
    await backend.set("k", value(1));
    const log = statSync(logPath(directory, 0)).ino;
    const firstAppend = injected.calls.findIndex((call) => call.op === "write" && call.ino === log);
    expect(firstAppend, "appended to the log").toBeGreaterThanOrEqual(0);
    for (const ino of parentsOf(root.at(), top, join(top, "nested"))) {
      const synced = injected.calls.findIndex(
        (call) => call.op === "fsync-directory" && call.ino === ino,
      );
      expect(synced, `parent ${ino} fsynced`).toBeGreaterThanOrEqual(0);
      expect(synced).toBeLessThan(firstAppend);
    }
  });

  it("is not fsynced into its parent with durability process", async () => {
    const top = root.fresh();
    await using backend = new FileBackend({ directory: join(top, "store"), durability: "process" });
    await backend.set("k", value(1));
    expect(injected.calls.filter((call) => call.op === "fsync-directory")).toEqual([]);
  });

  it("is removed again when the fsync of its parent fails, and the next open creates and fsyncs it anew", async () => {
    const top = root.fresh();
    const directory = join(top, "store");
    await using backend = new FileBackend({ directory });
    injected.failing = true;
    try {
      await expect(backend.set("k", value(1))).rejects.toMatchObject({ code: "KVKIT_UNAVAILABLE" });
    } finally {
      injected.failing = false;
    }
    expect(injected.failures).toBe(1);
    expect(() => statSync(top), "created directories removed").toThrow();
    injected.calls.length = 0;
    await backend.set("k", value(2));
    expect(await backend.get("k")).toEqual(value(2));
    const [rootIno] = parentsOf(root.at());
    expect(
      injected.calls.some((call) => call.op === "fsync-directory" && call.ino === rootIno),
      "the root, parent of the created top, fsynced on the second open",
    ).toBe(true);
  });
});
