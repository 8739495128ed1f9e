import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_FILE_NAME, logFileName } from "../src/log-format.ts";
import { newestGeneration } from "../src/open-log.ts";
import { inspectLog } from "./helpers/inspect-log.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

// K1/K4 at enumerated crash points. A write is one append, and a crash can stop its write(2)
// after any number of bytes: every such length of the last three records (a set, a setMany, a
// commit) is tried on a copy of the log. A compaction is a seal record appended to the log, the
// next generation written to a temporary file, linked into place, and the temporary name
// removed: the directory as a crash between any two of those steps leaves it is tried too.

const root = temporaryRoot("kvkit-file-crash-points-");

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
    const source = root.fresh();
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
    // Each write made its own record, so the cuts below fall inside each of the three.
    expect(inspectLog(log)).toMatchObject({ records: 4, skippedBytes: 0, tailBytes: 0 });

    let cuts = 0;
    let torn = 0;
    const opened = new Set<number>();
    const first = ends[0] as number;
    for (let cut = first; cut <= full.length; cut++) {
      const directory = root.fresh();
      mkdirSync(directory, { mode: 0o700 });
      writeFileSync(join(directory, LOG_FILE_NAME), full.subarray(0, cut), { mode: 0o600 });
      const whole = ends.slice(1).filter((end) => cut >= end).length;
      opened.add(whole);
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
    // Every state, from none of the three records to all of them, was opened from some cut.
    expect([...opened]).toEqual([0, 1, 2, 3]);
    expect(torn).toBeGreaterThan(100);
    await annotate(`${cuts} cuts, ${torn} of them inside a record`);
  });
});

describe("crash points of a compaction (the directory between each two of its steps)", () => {
  it("opens with every acknowledged value whichever step the crash followed, removes the temporary file, and takes writes", async () => {
    const source = root.fresh();
    const writer = new FileBackend({ directory: source, compactAtBytes: 16 * 1024 });
    const expected = new Map<string, string>();
    // Overwrite ten keys until the log is sealed and generation 1 holds their snapshot.
    for (let round = 0; expected.size < 10 || newestGeneration(source) === 0; round++) {
      const key = `k${round % 10}`;
      const value = `${round}:${"v".repeat(200)}`;
      await writer.set(key, bytes(value));
      expected.set(key, value);
    }
    await writer.close();
    expect(newestGeneration(source)).toBe(1);
    expect(inspectLog(join(source, logFileName(0))).seals).toBe(1);
    const sealed = readFileSync(join(source, logFileName(0)));
    const next = readFileSync(join(source, logFileName(1)));
    const temporary = ".kvkit-0123456789abcdef.tmp";
    const states: Record<string, Record<string, Buffer>> = {
      "after the seal": { [logFileName(0)]: sealed },
      "after writing the temporary file": { [logFileName(0)]: sealed, [temporary]: next },
      "after the link": {
        [logFileName(0)]: sealed,
        [logFileName(1)]: next,
        [temporary]: next,
      },
      "after removing the temporary name": {
        [logFileName(0)]: sealed,
        [logFileName(1)]: next,
      },
    };
    const keys = [...expected.keys()];
    for (const [step, files] of Object.entries(states)) {
      const directory = root.fresh();
      mkdirSync(directory, { mode: 0o700 });
      for (const [name, content] of Object.entries(files)) {
        writeFileSync(join(directory, name), content, { mode: 0o600 });
      }
      const reopened = new FileBackend({ directory, compactAtBytes: 16 * 1024 });
      expect((await reopened.getMany(keys)).map(text), step).toEqual(
        keys.map((key) => expected.get(key)),
      );
      expect(readdirSync(directory), step).not.toContain(temporary);
      await reopened.set("after", bytes(step));
      await reopened.close();
      const again = new FileBackend({ directory });
      expect((await again.getMany(keys)).map(text), `${step}, reopened`).toEqual(
        keys.map((key) => expected.get(key)),
      );
      expect(text(await again.get("after")), step).toBe(step);
      await again.close();
    }
  });
});
