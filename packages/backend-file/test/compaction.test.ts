import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { WatchEvent } from "@kvkit/spec";
import { ManualClock } from "@kvkit/testkit";
import { describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_FILE_NAME, LOG_NAME, logFileName } from "../src/log-format.ts";
import { newestGeneration, RETAINED_GENERATIONS } from "../src/open-log.ts";
import { flipMiddleByte } from "./helpers/flip-byte.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

const root = temporaryRoot("kvkit-file-compaction-");

const value = (n: number, size = 1000): Uint8Array => new Uint8Array(size).fill(n & 0xff);

describe("compaction", () => {
  it("set() compacts an overwritten log into a new generation that holds only live data", async () => {
    const directory = root.fresh();
    await using backend = new FileBackend({ directory, compactAtBytes: 64 * 1024 });
    for (let round = 0; round < 100; round++) {
      await backend.setMany(
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: value(round) })),
      );
    }
    await backend.delete("k9");
    const generation = newestGeneration(directory);
    expect(generation).toBeGreaterThan(0);
    expect(statSync(join(directory, logFileName(generation))).size).toBeLessThan(128 * 1024);
    const logs = readdirSync(directory).filter((name) => LOG_NAME.test(name));
    expect(logs.length).toBeLessThanOrEqual(RETAINED_GENERATIONS + 1);
    for (let i = 0; i < 9; i++) expect(await backend.get(`k${i}`)).toEqual(value(99));
    expect(await backend.get("k9")).toBeUndefined();
    await using reopened = new FileBackend({ directory });
    expect(await reopened.get("k0")).toEqual(value(99));
  });

  it("compareAndSet() accepts a version read before another instance compacted the log", async () => {
    const directory = root.fresh();
    await using reader = new FileBackend({ directory });
    await using writer = new FileBackend({ directory, compactAtBytes: 32 * 1024 });
    await writer.set("stable", value(1));
    const before = await reader.getVersioned("stable");
    for (let i = 0; i < 200; i++) await writer.set("churn", value(i));
    expect(newestGeneration(directory)).toBeGreaterThan(0);
    const after = await reader.getVersioned("stable");
    expect(after?.version).toBe(before?.version);
    await reader.compareAndSet("stable", before?.version ?? null, value(2));
    await expect(
      reader.compareAndSet("stable", before?.version ?? null, value(3)),
    ).rejects.toMatchObject({
      code: "KVKIT_CONFLICT",
    });
  });

  it("watch() reports each write once across compactions, and no event for the copied keys", async () => {
    const directory = root.fresh();
    await using watcher = new FileBackend({ directory });
    // About three compactions: fewer than the generations kept, so the watcher never has to
    // skip ahead (which it would report with a gap).
    await using writer = new FileBackend({ directory, compactAtBytes: 40 * 1024 });
    await writer.set("before", value(0));
    await using stream = await watcher.watch({ prefix: "w/" });
    const keys = Array.from({ length: 60 }, (_, i) => `w/${i % 5}`);
    for (const key of keys) await writer.set(key, value(1, 2000));
    expect(newestGeneration(directory)).toBeGreaterThan(0);
    const seen: WatchEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (seen.length === keys.length) break;
    }
    expect(seen.map((event) => (event.type === "set" ? event.key : event.type))).toEqual(keys);
  });

  it("compaction drops keys that expired by the seal and keeps their absence", async () => {
    const directory = root.fresh();
    const clock = new ManualClock();
    await using backend = new FileBackend({
      directory,
      clock: clock.now,
      compactAtBytes: 16 * 1024,
    });
    await backend.set("short", value(1), { ttlMs: 10 });
    await backend.set("long", value(2), { ttlMs: 1_000_000 });
    clock.advance(20);
    for (let i = 0; i < 40; i++) await backend.set("churn", value(i));
    expect(newestGeneration(directory)).toBeGreaterThan(0);
    expect(await backend.get("short")).toBeUndefined();
    expect(await backend.compareAndSet("short", null, value(3))).toBeTypeOf("string");
    expect(await backend.get("long")).toEqual(value(2));
    expect(await backend.expiresAt("long")).toBe(clock.now() - 20 + 1_000_000);
  });

  it("watch() yields a gap (reconnect) and get() stays correct after falling generations behind", async () => {
    const directory = root.fresh();
    // This instance does not poll, so it is still on generation 0 when it next looks.
    await using behind = new FileBackend({ directory, pollIntervalMs: 60_000 });
    await using writer = new FileBackend({ directory, compactAtBytes: 8 * 1024 });
    await writer.set("kept", value(7));
    const stream = await behind.watch();
    for (let i = 0; i < 400; i++) await writer.set("churn", value(i));
    expect(newestGeneration(directory)).toBeGreaterThan(RETAINED_GENERATIONS + 1);
    expect(await behind.get("kept")).toEqual(value(7));
    expect(await behind.get("churn")).toEqual(value(399));
    const iterator = stream[Symbol.asyncIterator]();
    const events: WatchEvent[] = [];
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      events.push(next.value);
      if (next.value.type === "gap") break;
    }
    expect(events.at(-1)).toMatchObject({ type: "gap", reason: "reconnect" });
    await stream.close();
  });

  it("compaction does not copy a value whose bytes no longer match their checksum: the old generation stays, writes reject with KVKIT_CORRUPTED and health() says so", async () => {
    // Regression: compaction read live values without checking them, so a value damaged on
    // disk after it was replayed moved into the next generation under a fresh, valid checksum.
    const directory = root.fresh();
    const damaged = new Uint8Array(Buffer.from(`damaged:${"d".repeat(300)}`, "utf8"));
    const setup = new FileBackend({ directory, compactAtBytes: 0 });
    await setup.set("damaged", damaged);
    await setup.set("intact", value(7));
    for (let i = 0; i < 100; i++) await setup.set("churn", value(i));
    await setup.close();
    await using backend = new FileBackend({ directory, compactAtBytes: 64 * 1024 });
    // Replayed (and its checksum checked) while intact; the bytes rot afterwards.
    expect(await backend.get("damaged")).toEqual(damaged);
    flipMiddleByte(join(directory, LOG_FILE_NAME), damaged);

    // The log is past compactAtBytes: this write's flush seals it and tries to compact.
    await backend.set("trigger", value(1));

    expect(newestGeneration(directory)).toBe(0);
    await expect(backend.set("later", value(2))).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
    const health = await backend.health();
    expect(health.status).toBe("unavailable");
    expect(health.details.code).toBe("KVKIT_CORRUPTED");
    expect(await backend.getMany(["intact", "churn", "trigger"])).toEqual([
      value(7),
      value(99),
      value(1),
    ]);
    // A fresh instance never serves the damaged bytes: its replay finds the whole record whose
    // checksum fails and skips it ("damaged" had no earlier value). Nor does it write the next
    // generation from that state (it did, making the loss of "damaged" permanent).
    await using reopened = new FileBackend({ directory });
    expect(await reopened.get("damaged")).toBeUndefined();
    expect(await reopened.get("intact")).toEqual(value(7));
    expect(newestGeneration(directory)).toBe(0);
    await expect(reopened.set("later", value(2))).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
  });

  it("compaction copies the intact live values of a batch record whose damage lies only in a value overwritten since, and writes go on", async () => {
    // Regression: compaction checked each live value's whole record, so rot in bytes no key
    // holds any more (here the old value of "overwritten" inside the batch record that still
    // holds "live") stopped it with KVKIT_CORRUPTED, though every value it copies is intact.
    const directory = root.fresh();
    const live = new Uint8Array(Buffer.from(`live:${"l".repeat(300)}`, "utf8"));
    const stale = new Uint8Array(Buffer.from(`stale:${"s".repeat(300)}`, "utf8"));
    const setup = new FileBackend({ directory, compactAtBytes: 0 });
    await setup.setMany([
      { key: "live", value: live },
      { key: "overwritten", value: stale },
    ]);
    await setup.set("overwritten", value(3));
    for (let i = 0; i < 100; i++) await setup.set("churn", value(i));
    await setup.close();
    await using backend = new FileBackend({ directory, compactAtBytes: 64 * 1024 });
    expect(await backend.get("live")).toEqual(live);
    flipMiddleByte(join(directory, LOG_FILE_NAME), stale);

    await backend.set("trigger", value(1));

    expect(newestGeneration(directory)).toBe(1);
    await backend.set("later", value(2));
    expect((await backend.health()).status).not.toBe("unavailable");
    const keys = ["live", "overwritten", "churn", "trigger", "later"];
    const expected = [live, value(3), value(99), value(1), value(2)];
    expect(await backend.getMany(keys)).toEqual(expected);
    await using reopened = new FileBackend({ directory });
    expect(await reopened.getMany(keys)).toEqual(expected);
  });
});
