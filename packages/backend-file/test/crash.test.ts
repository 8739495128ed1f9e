import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_NAME, logFileName } from "../src/log-format.ts";
import { newestGeneration } from "../src/open-log.ts";
import { bundleWorker, Worker } from "./helpers/child-runner.ts";
import { inspectLog } from "./helpers/inspect-log.ts";
import { decodeValue } from "./helpers/payload.ts";

// K1/K4/K8: a writer child is SIGKILLed at a random moment of its write loop, again and again
// on the same store, so later children append after whatever the killed one left. After each
// kill the store is reopened and checked against what the child acknowledged.
const KILLS_PER_MODE = 100;

let bundle: string;
let root: string;
/** Per test: kills, and how often the kill left a torn record (at the tail or skipped later). */
const stats = { kills: 0, tornTails: 0, skipped: 0 };

beforeAll(async () => {
  bundle = await bundleWorker();
  root = await mkdtemp(join(tmpdir(), "kvkit-file-crash-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(join(bundle, ".."), { recursive: true, force: true });
});

/** What the child said per key: the last write acknowledged, the last one begun. */
function parseProgress(lines: readonly string[]): Map<string, { acked: number; begun: number }> {
  const progress = new Map<string, { acked: number; begun: number }>();
  for (const line of lines) {
    const [word, key = "", n = "0"] = line.split(" ");
    const state = progress.get(key) ?? { acked: 0, begun: 0 };
    if (word === "begin") state.begun = Math.max(state.begun, Number(n));
    if (word === "ack") state.acked = Math.max(state.acked, Number(n));
    progress.set(key, state);
  }
  return progress;
}

async function killAtRandom(
  mode: string,
  directory: string,
  durability: string,
): Promise<string[]> {
  const worker = new Worker(bundle, [mode, directory], { KVKIT_DURABILITY: durability });
  await worker.waitFor("ready");
  await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 60));
  await worker.kill();
  stats.kills++;
  const shape = inspectLog(join(directory, logFileName(newestGeneration(directory))));
  if (shape.tailBytes > 0) stats.tornTails++;
  stats.skipped = shape.skippedBytes;
  return worker.lines;
}

/** Reopens the store and checks every key the child wrote; returns the stored numbers. */
async function reopenAndCheck(
  directory: string,
  progress: Map<string, { acked: number; begun: number }>,
  previous: Map<string, number>,
): Promise<Map<string, number>> {
  await using backend = new FileBackend({ directory });
  const stored = new Map<string, number>();
  const listed: string[] = [];
  for await (const entry of backend.list()) listed.push(entry.key);
  for (const key of listed) {
    const value = await backend.get(key);
    expect(value, `value of ${key}`).toBeDefined();
    const decoded = decodeValue(value as Uint8Array);
    expect(decoded, `${key} is well-formed`).toBeDefined();
    expect(decoded?.key, `${key} holds its own value`).toBe(key);
    stored.set(key, decoded?.n ?? -1);
  }
  for (const [key, { acked, begun }] of progress) {
    if (key === "batch") continue;
    const n = stored.get(key) ?? 0;
    const floor = Math.max(acked, previous.get(key) ?? 0);
    // Old or new: at least the last acknowledged (or previously stored) write, at most the
    // one in flight when the child died.
    expect(n, `${key}: acknowledged write ${acked} is present`).toBeGreaterThanOrEqual(floor);
    expect(n, `${key}: no write beyond the last begun`).toBeLessThanOrEqual(Math.max(begun, floor));
  }
  // No temporary file survives a reopen: only log generations are in the directory.
  expect(readdirSync(directory).filter((name) => !LOG_NAME.test(name))).toEqual([]);
  return stored;
}

beforeEach(() => {
  Object.assign(stats, { kills: 0, tornTails: 0, skipped: 0 });
});

function summary(): string {
  return (
    `${stats.kills} kills; ${stats.tornTails} left a torn last record; ` +
    `${stats.skipped} bytes of torn records skipped inside the log`
  );
}

describe("crash safety (SIGKILL of a writer child)", () => {
  it(`set() keeps every acknowledged write and no torn value over ${KILLS_PER_MODE} kills`, async ({
    annotate,
  }) => {
    const directory = join(root, "set");
    let stored = new Map<string, number>();
    for (let kill = 0; kill < KILLS_PER_MODE; kill++) {
      const lines = await killAtRandom("set", directory, kill % 2 === 0 ? "power" : "process");
      stored = await reopenAndCheck(directory, parseProgress(lines), stored);
    }
    expect(stored.size).toBe(4);
    await annotate(`${summary()}; log generation ${newestGeneration(directory)} at the end`);
  }, 300_000);

  it(`compareAndSet() keeps every acknowledged increment over ${KILLS_PER_MODE} kills`, async ({
    annotate,
  }) => {
    const directory = join(root, "cas");
    let stored = new Map<string, number>();
    for (let kill = 0; kill < KILLS_PER_MODE; kill++) {
      const lines = await killAtRandom("cas", directory, "power");
      const progress = parseProgress(lines);
      const counter = progress.get("counter") ?? { acked: 0, begun: 0 };
      stored = await reopenAndCheck(directory, new Map(), stored);
      const n = stored.get("counter") ?? 0;
      expect(n, "acknowledged increments present").toBeGreaterThanOrEqual(counter.acked);
      expect(n, "no increment beyond those begun").toBeLessThanOrEqual(
        Math.max(counter.begun, counter.acked),
      );
    }
    expect(stored.get("counter")).toBeGreaterThan(0);
    await annotate(summary());
  }, 300_000);

  it(`setMany() and commit() stay all-or-nothing over ${KILLS_PER_MODE} kills`, async ({
    annotate,
  }) => {
    const directory = join(root, "batch");
    let last = 0;
    for (let kill = 0; kill < KILLS_PER_MODE; kill++) {
      const lines = await killAtRandom("batch", directory, kill % 2 === 0 ? "power" : "process");
      const progress = parseProgress(lines).get("batch") ?? { acked: 0, begun: 0 };
      const stored = await reopenAndCheck(directory, new Map(), new Map());
      const numbers = new Set(stored.values());
      expect(numbers.size, "every key of the batch holds the same write").toBeLessThanOrEqual(1);
      const n = [...numbers][0] ?? 0;
      expect(n).toBeGreaterThanOrEqual(Math.max(progress.acked, last));
      expect(n).toBeLessThanOrEqual(Math.max(progress.begun, last));
      last = n;
    }
    expect(last).toBeGreaterThan(0);
    await annotate(summary());
  }, 300_000);
});
