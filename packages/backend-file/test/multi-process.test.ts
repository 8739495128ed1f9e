import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WatchEvent } from "@kvkit/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_FILE_NAME, LOG_NAME } from "../src/log-format.ts";
import { bundleWorker, Worker } from "./helpers/child-runner.ts";
import { decodeValue, encodeValue } from "./helpers/payload.ts";

let bundle: string;
let root: string;

beforeAll(async () => {
  bundle = await bundleWorker();
  root = await mkdtemp(join(tmpdir(), "kvkit-file-multi-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(join(bundle, ".."), { recursive: true, force: true });
});

describe("several processes on one store", () => {
  it.each([
    ["", 64 * 1024 * 1024],
    [" while the log is compacted over and over", 16 * 1024],
  ])(
    "compareAndSet() loses no update: 8 processes x 4 tasks increment one key%s",
    async (_, compactAt) => {
      const directory = join(root, `counter-${compactAt}`);
      const increments = 10;
      const workers = Array.from(
        { length: 8 },
        () =>
          new Worker(bundle, ["cas", directory, "counter", "4", String(increments)], {
            KVKIT_DURABILITY: "process",
            KVKIT_COMPACT_AT: String(compactAt),
          }),
      );
      const codes = await Promise.all(workers.map((worker) => worker.exited));
      expect(codes, workers.map((worker) => worker.stderr).join("\n")).toEqual(Array(8).fill(0));
      const total = 8 * 4 * increments;
      // Every successful compare-and-set wrote the number after the one it read: if two had
      // succeeded from the same read, a number would appear twice and the total would fall short.
      const written = workers
        .flatMap((worker) => worker.lines)
        .filter((line) => line.startsWith("ack "))
        .map((line) => Number(line.split(" ")[2]));
      expect(written.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      await using backend = new FileBackend({ directory });
      const stored = await backend.get("counter");
      expect(decodeValue(stored as Uint8Array)?.n).toBe(total);
      const generations = readdirSync(directory).filter((name) => LOG_NAME.test(name));
      if (compactAt < 1024 * 1024)
        expect(generations.join(), "compacted").not.toContain(LOG_FILE_NAME);
    },
    120_000,
  );

  it("compareAndSet() refuses a version read before a stall longer than any lock staleness", async () => {
    const directory = join(root, "stall");
    await using backend = new FileBackend({ directory });
    await backend.set("counter", encodeValue("counter", 1, 16));
    const worker = new Worker(bundle, ["stalled-cas", directory, "counter", "1500"]);
    await worker.waitFor("read counter 1");
    // The child holds version 1 and is stalled; this process moves the key on meanwhile.
    const current = await backend.getVersioned("counter");
    await backend.compareAndSet("counter", current?.version ?? null, encodeValue("counter", 2, 16));
    expect(await worker.exited).toBe(0);
    expect(worker.lines).toContain("conflict counter");
    expect(worker.lines.filter((line) => line.startsWith("ack"))).toEqual([]);
    expect(decodeValue((await backend.get("counter")) as Uint8Array)?.n).toBe(2);
  }, 30_000);

  it("watch() delivers writes made by another process, in order", async () => {
    const directory = join(root, "watch");
    await using backend = new FileBackend({ directory, pollIntervalMs: 10 });
    await using stream = await backend.watch({ prefix: "w/" });
    const keys = Array.from({ length: 20 }, (_, i) => `w/${String(i).padStart(2, "0")}`);
    const worker = new Worker(bundle, ["write", directory, ...keys, "other"], {
      KVKIT_DURABILITY: "process",
    });
    const events: WatchEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === keys.length) break;
    }
    expect(await worker.exited).toBe(0);
    expect(events.map((event) => (event.type === "gap" ? "gap" : event.key))).toEqual(keys);
    expect(events.every((event) => event.type === "set")).toBe(true);
  }, 30_000);

  it("getVersioned() agrees across processes: a version read here matches a write made there", async () => {
    const directory = join(root, "versions");
    const worker = new Worker(bundle, ["write", directory, "shared"]);
    expect(await worker.exited).toBe(0);
    await using first = new FileBackend({ directory });
    await using second = new FileBackend({ directory });
    const a = await first.getVersioned("shared");
    const b = await second.getVersioned("shared");
    expect(a?.version).toBeDefined();
    expect(a?.version).toBe(b?.version);
    await second.compareAndSet("shared", a?.version ?? null, new Uint8Array([1]));
    await expect(
      first.compareAndSet("shared", a?.version ?? null, new Uint8Array([2])),
    ).rejects.toMatchObject({ code: "KVKIT_CONFLICT" });
  });
});
