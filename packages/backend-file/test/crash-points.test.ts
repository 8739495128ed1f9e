import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_FILE_NAME } from "../src/log-format.ts";
import { inspectLog } from "./helpers/inspect-log.ts";

// K1/K4 at enumerated crash points: a write is one append, and a crash can stop its write(2)
// after any number of bytes. Every such length of the last three records (a set, a setMany, a
// commit) is tried on a copy of the log: the store opens with exactly the whole records before
// the cut, then takes a write after the torn bytes, and a reopen agrees.

let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kvkit-file-crash-points-"));
});

afterAll(() => rm(root, { recursive: true, force: true }));

function freshDirectory(): string {
  count++;
  return join(root, `store-${count}`);
}

const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString("utf8");
const bytes = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, "utf8"));

const KEYS = ["base", "x", "a", "b"];

/** The state after the first `records` of the three writes (see the test). */
function expectedAfter(records: number): (string | undefined)[] {
  const state: Record<string, string | undefined> = { base: "0", x: "old", a: "old", b: "old" };
  if (records >= 1) state.x = "new";
  if (records >= 2) Object.assign(state, { a: "new", b: "new" });
  if (records >= 3) Object.assign(state, { base: "1", a: undefined });
  return KEYS.map((key) => state[key]);
}

async function stateOf(backend: FileBackend): Promise<(string | undefined)[]> {
  return (await backend.getMany(KEYS)).map(text);
}

describe("crash points of an append (the log cut at every byte of its last records)", () => {
  it("opens with exactly the whole records before the cut, skips the torn one once a write follows it, and a reopen agrees", async ({
    annotate,
  }) => {
    const source = freshDirectory();
    const writer = new FileBackend({ directory: source, durability: "process" });
    await writer.setMany(KEYS.map((key) => ({ key, value: bytes(key === "base" ? "0" : "old") })));
    const log = join(source, LOG_FILE_NAME);
    const ends = [statSync(log).size];
    await writer.set("x", bytes("new"));
    ends.push(statSync(log).size);
    await writer.setMany([
      { key: "a", value: bytes("new") },
      { key: "b", value: bytes("new") },
    ]);
    ends.push(statSync(log).size);
    const x = await writer.getVersioned("x");
    await writer.commit({
      checks: [{ key: "x", version: x?.version ?? null }],
      set: [{ key: "base", value: bytes("1") }],
      delete: ["a"],
    });
    ends.push(statSync(log).size);
    await writer.close();
    const full = readFileSync(log);
    expect(full.length).toBe(ends[3]);

    let cuts = 0;
    let torn = 0;
    const first = ends[0] as number;
    for (let cut = first; cut <= full.length; cut++) {
      const directory = freshDirectory();
      mkdirSync(directory, { mode: 0o700 });
      writeFileSync(join(directory, LOG_FILE_NAME), full.subarray(0, cut), { mode: 0o600 });
      const whole = ends.slice(1).filter((end) => cut >= end).length;
      if (!ends.includes(cut)) torn++;

      const reopened = new FileBackend({ directory, durability: "process" });
      expect(await stateOf(reopened), `cut at byte ${cut}`).toEqual(expectedAfter(whole));
      await reopened.set("after", bytes(String(cut)));
      expect(text(await reopened.get("after"))).toBe(String(cut));
      await reopened.close();

      const again = new FileBackend({ directory, durability: "process" });
      expect(await stateOf(again), `cut at byte ${cut}, reopened`).toEqual(expectedAfter(whole));
      expect(text(await again.get("after"))).toBe(String(cut));
      await again.close();
      // The torn bytes stay where they were, skipped; nothing else is left in the directory.
      const shape = inspectLog(join(directory, LOG_FILE_NAME));
      expect(shape.tailBytes).toBe(0);
      expect(shape.skippedBytes).toBe(cut - (ends[whole] as number));
      expect(readdirSync(directory)).toEqual([LOG_FILE_NAME]);
      cuts++;
    }
    expect(cuts).toBe(full.length - first + 1);
    expect(torn).toBeGreaterThan(100);
    await annotate(`${cuts} cuts, ${torn} of them inside a record`);
  });
});
