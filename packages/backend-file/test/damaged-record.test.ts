import { readFileSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_FILE_NAME } from "../src/log-format.ts";
import { newestGeneration } from "../src/open-log.ts";
import { flipChecksumByte, flipMiddleByte } from "./helpers/flip-byte.ts";
import { inspectLog } from "./helpers/inspect-log.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

// Regression: replay took a whole record that rotted on disk for a torn write and skipped it,
// so an instance that opened the store afterwards showed the keys it wrote at their previous
// value (or none), took writes judged against that state, and compacted it into the next
// generation, making the rollback permanent for every process.

const root = temporaryRoot("kvkit-file-damaged-record-");

/** Well below the logs below (about 110 KB, almost all overwritten): a write compacts them. */
const COMPACT_AT_BYTES = 16 * 1024;

const value = (n: number, size = 1000): Uint8Array => new Uint8Array(size).fill(n & 0xff);

/** A value that occurs once in the log, so the test can find its bytes there. */
const distinct = (name: string): Uint8Array =>
  new Uint8Array(Buffer.from(`${name}:${name.repeat(40)}`, "utf8"));

/**
 * A closed store whose log holds, in its middle, the record that set "damaged" from
 * `distinct("old")` to `distinct("new")`, with other keys' records before and after it.
 */
async function storeWithRecordInTheMiddle(): Promise<string> {
  const directory = root.fresh();
  const writer = new FileBackend({ directory, compactAtBytes: 0 });
  await writer.set("before", distinct("before"));
  await writer.set("damaged", distinct("old"));
  for (let i = 0; i < 50; i++) await writer.set("churn", value(i));
  await writer.set("damaged", distinct("new"));
  for (let i = 50; i < 100; i++) await writer.set("churn", value(i));
  await writer.set("after", distinct("after"));
  await writer.close();
  expect(statSync(join(directory, LOG_FILE_NAME)).size).toBeGreaterThan(4 * COMPACT_AT_BYTES);
  return directory;
}

const damages = [
  ["a byte of its body", flipMiddleByte],
  ["a byte of its checksum", flipChecksumByte],
] as const;

for (const [where, damage] of damages) {
  describe(`an instance that opens the store after ${where} rotted in a record in the middle of the log`, () => {
    /** The store with that record damaged: its directory and its log file. */
    async function damagedStore(): Promise<{ directory: string; path: string }> {
      const directory = await storeWithRecordInTheMiddle();
      const path = join(directory, LOG_FILE_NAME);
      damage(path, distinct("new"), { unique: true });
      return { directory, path };
    }

    it("rejects writes with KVKIT_CORRUPTED, appends nothing, and reads the other keys as before", async () => {
      const { directory, path } = await damagedStore();
      await using backend = new FileBackend({ directory, compactAtBytes: COMPACT_AT_BYTES });
      const onDisk = readFileSync(path);

      await expect(backend.set("later", value(1))).rejects.toMatchObject({
        code: "KVKIT_CORRUPTED",
      });
      await expect(
        backend.commit({ set: [{ key: "later", value: value(1) }], delete: ["before"] }),
      ).rejects.toMatchObject({ code: "KVKIT_CORRUPTED" });

      expect(readFileSync(path).equals(onDisk)).toBe(true);
      expect(await backend.getMany(["before", "churn", "after", "later"])).toEqual([
        distinct("before"),
        value(99),
        distinct("after"),
        undefined,
      ]);
      // Reads go on from the replayed state, which lacks the damaged record: its key shows the
      // value it had before (there is no telling which keys a damaged record held).
      expect(await backend.get("damaged")).toEqual(distinct("old"));
    });

    it("health() reports unavailable with details.code KVKIT_CORRUPTED", async () => {
      const { directory } = await damagedStore();
      await using backend = new FileBackend({ directory, compactAtBytes: COMPACT_AT_BYTES });

      const health = await backend.health();

      expect(health.status).toBe("unavailable");
      expect(health.details.code).toBe("KVKIT_CORRUPTED");
    });

    it("writes no new log generation from its state, though the log is past compactAtBytes", async () => {
      const { directory, path } = await damagedStore();
      await using backend = new FileBackend({ directory, compactAtBytes: COMPACT_AT_BYTES });

      // Without the damage this write would seal the log and compact it into generation 1.
      await backend.set("trigger", value(1)).catch(() => undefined);
      await backend.get("before");

      expect(newestGeneration(directory)).toBe(0);
      expect(inspectLog(path)).toMatchObject({ seals: 0, damagedRecords: 1 });
    });
  });
}

describe("a record that rotted after some instances replayed it", () => {
  it("an instance that replayed it intact still compacts; one that opened afterwards then moves to the new generation and takes writes again", async () => {
    const directory = await storeWithRecordInTheMiddle();
    const path = join(directory, LOG_FILE_NAME);
    await using healthy = new FileBackend({ directory, compactAtBytes: COMPACT_AT_BYTES });
    expect(await healthy.get("damaged")).toEqual(distinct("new"));
    // The checksum field, so the values the healthy instance copies are intact.
    flipChecksumByte(path, distinct("new"), { unique: true });
    await using damaged = new FileBackend({ directory, compactAtBytes: COMPACT_AT_BYTES });
    await expect(damaged.set("refused", value(1))).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });

    // The log is past compactAtBytes: this write seals it and writes generation 1.
    await healthy.set("trigger", value(2));
    expect(newestGeneration(directory)).toBe(1);

    await damaged.set("later", value(3));
    expect((await damaged.health()).status).not.toBe("unavailable");
    const keys = ["damaged", "trigger", "later", "refused"];
    const expected = [distinct("new"), value(2), value(3), undefined];
    expect(await damaged.getMany(keys)).toEqual(expected);
    expect(await healthy.getMany(keys)).toEqual(expected);
  });

  it("a write appended by an instance that had not yet replayed it rejects with KVKIT_OUTCOME_UNKNOWN, later writes with KVKIT_CORRUPTED, and that instance does not compact", async () => {
    // The compare-and-set holds against the lagging instance's state without the damaged
    // record, but not at its place in the log: every instance that replayed the record intact
    // refuses it. Reporting it applied would be a lost write.
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const setup = new FileBackend({ directory, compactAtBytes: 0 });
    await setup.set("damaged", distinct("old"));
    for (let i = 0; i < 100; i++) await setup.set("churn", value(i));
    await setup.close();
    await using lagging = new FileBackend({ directory, compactAtBytes: COMPACT_AT_BYTES });
    const seen = await lagging.getVersioned("damaged");
    await using other = new FileBackend({ directory, compactAtBytes: 0 });
    await other.set("damaged", distinct("new"));
    await other.set("after", distinct("after"));
    flipChecksumByte(path, distinct("new"), { unique: true });

    await expect(
      lagging.compareAndSet("damaged", seen?.version ?? null, distinct("lost")),
    ).rejects.toMatchObject({ code: "KVKIT_OUTCOME_UNKNOWN" });

    expect(await other.get("damaged")).toEqual(distinct("new"));
    await expect(lagging.set("later", value(1))).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
    expect(newestGeneration(directory)).toBe(0);
    expect(inspectLog(path)).toMatchObject({ seals: 0, damagedRecords: 1 });
  });

  it("a rotted last record is found once a write follows it: that write rejects with KVKIT_OUTCOME_UNKNOWN, later ones with KVKIT_CORRUPTED", async () => {
    // Until a record follows it, a damaged last record cannot be told from a write in progress.
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const setup = new FileBackend({ directory });
    await setup.set("before", distinct("before"));
    await setup.set("damaged", distinct("new"));
    await setup.close();
    flipChecksumByte(path, distinct("new"), { unique: true });
    await using backend = new FileBackend({ directory });
    expect(await backend.get("damaged")).toBeUndefined();
    expect((await backend.health()).status).not.toBe("unavailable");

    await expect(backend.set("first", value(1))).rejects.toMatchObject({
      code: "KVKIT_OUTCOME_UNKNOWN",
    });

    await expect(backend.set("second", value(2))).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
    expect(await backend.get("before")).toEqual(distinct("before"));
  });

  it("watch() yields a gap when replay skips it, since the writes it held produce no events", async () => {
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    // No polling within the test: the watcher replays the record only at the get() below.
    await using watcher = new FileBackend({ directory, pollIntervalMs: 60_000 });
    await using stream = await watcher.watch();
    await using writer = new FileBackend({ directory });
    await writer.set("damaged", distinct("new"));
    await writer.set("after", distinct("after"));
    flipChecksumByte(path, distinct("new"), { unique: true });

    expect(await watcher.get("after")).toEqual(distinct("after"));

    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: "gap", reason: "reconnect" });
    expect((await iterator.next()).value).toMatchObject({ type: "set", key: "after" });
  });
});

describe("a torn record (a write cut short) with later records after it", () => {
  it("is skipped as before: the store opens without it and takes writes", async () => {
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const writer = new FileBackend({ directory, durability: "process" });
    await writer.set("before", distinct("before"));
    const tornAt = statSync(path).size;
    await writer.set("torn", value(1, 5000));
    await writer.close();
    // The writer was killed inside its write(2): half of the record reached the file.
    truncateSync(path, tornAt + 2500);
    const next = new FileBackend({ directory, durability: "process" });
    await next.set("after", distinct("after"));
    await next.close();

    await using reopened = new FileBackend({ directory, compactAtBytes: COMPACT_AT_BYTES });
    expect(await reopened.getMany(["before", "torn", "after"])).toEqual([
      distinct("before"),
      undefined,
      distinct("after"),
    ]);
    await reopened.set("later", value(2));
    expect(await reopened.get("later")).toEqual(value(2));
    expect((await reopened.health()).status).not.toBe("unavailable");
    expect(inspectLog(path)).toMatchObject({ skippedBytes: 2500, damagedRecords: 0 });
  });
});
