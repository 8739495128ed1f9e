// The file backend (durability "power") against unstorage's fs driver, lmdb and classic-level
// (native references), and against the physical floor of one durable file write
// (write + fsync + rename, measured here in the same run). Workload of
// reference/bench-peers.md §2: keys of 16-32 B, 100 B values; set in key order, get in a
// shuffled order; sequential (await each) and 64 in flight. Then the same gets of keys written
// by batches of 100 (one record per batch in the file backend, which checks every value it
// reads), and getMany() of one batch's keys.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileBackend } from "@kvkit/backend-file";
import { ClassicLevel } from "classic-level";
import { open as openLmdb } from "lmdb";
import { createStorage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import { type Contender, type Measurement, measure } from "./src/measure.ts";
import { printEnvironment } from "./src/print-environment.ts";
import { printReport } from "./src/print-report.ts";
import { type KeyOptions, makeKeys, makeWorkload, shuffled, VALUE_LENGTH } from "./src/workload.ts";

const SEQUENTIAL_N = Number(process.env.BENCH_SEQUENTIAL_N ?? 200);
const CONCURRENT_N = Number(process.env.BENCH_CONCURRENT_N ?? 3000);
const GET_N = Number(process.env.BENCH_GET_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 64;
const BATCH_SIZE = 100;

/** A store as the benchmark drives it. */
interface Subject {
  readonly name: string;
  get(key: string): Promise<Uint8Array | undefined | null>;
  set(key: string, value: Uint8Array): Promise<unknown>;
  close(): Promise<unknown>;
}

/** A store with batch writes and multi-key reads, for the batch-read scenarios. */
interface BatchSubject extends Subject {
  /** Writes every key with `value` in one batch (durable like the store's `set`). */
  setMany(keys: readonly string[], value: Uint8Array): Promise<unknown>;
  getMany(keys: readonly string[]): Promise<readonly (Uint8Array | undefined | null)[]>;
}

const root = mkdtempSync(join(tmpdir(), "kvkit-file-bench-"));
let storeCount = 0;

function directory(name: string): string {
  storeCount++;
  const path = join(root, `${storeCount}-${name}`);
  mkdirSync(path, { recursive: true });
  return path;
}

/**
 * Keys of one use (a round of sets, the gets), told apart by `tag`. Their colons become
 * directory separators in unstorage's fs driver; 17-33 bytes with a 3-character tag.
 */
function taggedKeys(tag: string): KeyOptions {
  return { prefix: `b${tag}`, shortestTail: 5 };
}

/** One durable file write the way careful Node code does it: temp file, fsync, rename. */
function floor(withDirectorySync: boolean): Subject {
  const base = directory(withDirectorySync ? "floor-dir" : "floor");
  return {
    name: withDirectorySync ? "write+fsync+rename+fsync(dir)" : "write+fsync+rename (floor)",
    async set(key, value) {
      const final = join(base, encodeURIComponent(key));
      const temp = `${final}.${randomBytes(6).toString("hex")}.tmp`;
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(value);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, final);
      if (withDirectorySync) {
        const dir = await open(base, "r");
        await dir.sync();
        await dir.close();
      }
    },
    async get(key) {
      const handle = await open(join(base, encodeURIComponent(key)), "r");
      try {
        return new Uint8Array(await handle.readFile());
      } finally {
        await handle.close();
      }
    },
    close: async () => undefined,
  };
}

function kvkit(durability: "power" | "process"): BatchSubject {
  const backend = new FileBackend({ directory: directory(`kvkit-${durability}`), durability });
  return {
    name: `kvkit file (${durability})`,
    get: (key) => backend.get(key),
    set: (key, value) => backend.set(key, value),
    setMany: (keys, value) => backend.setMany(keys.map((key) => ({ key, value }))),
    getMany: (keys) => backend.getMany(keys),
    close: () => backend.close(),
  };
}

function unstorage(): BatchSubject {
  const storage = createStorage({ driver: fsDriver({ base: directory("unstorage") }) });
  return {
    name: "unstorage fs",
    get: (key) => storage.getItemRaw<Uint8Array>(key),
    set: (key, value) => storage.setItemRaw(key, value),
    // unstorage has no raw batch calls: one call per key, all in flight.
    setMany: (keys, value) => Promise.all(keys.map((key) => storage.setItemRaw(key, value))),
    getMany: (keys) => Promise.all(keys.map((key) => storage.getItemRaw<Uint8Array>(key))),
    close: () => storage.dispose(),
  };
}

function lmdb(): BatchSubject {
  const db = openLmdb<Buffer, string>({ path: directory("lmdb"), encoding: "binary" });
  return {
    name: "lmdb (durable)",
    get: async (key) => db.get(key),
    set: (key, value) => db.put(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
    setMany: (keys, value) =>
      db.transaction(() => {
        for (const key of keys) {
          db.put(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        }
      }),
    getMany: (keys) => db.getMany([...keys]),
    close: () => db.close(),
  };
}

function classicLevel(): BatchSubject {
  const db = new ClassicLevel<string, Uint8Array>(directory("level"), { valueEncoding: "view" });
  return {
    name: "classic-level (sync)",
    get: (key) => db.get(key),
    set: (key, value) => db.put(key, value, { sync: true }),
    setMany: (keys, value) =>
      db.batch(
        keys.map((key) => ({ type: "put", key, value })),
        { sync: true },
      ),
    getMany: (keys) => db.getMany([...keys]),
    close: () => db.close(),
  };
}

/** Sets every key, `inFlight` at a time. */
async function setAll(
  subject: Subject,
  keys: readonly string[],
  value: Uint8Array,
  inFlight: number,
) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await subject.set(key, value);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** Gets every key in `order`, one at a time; throws if one is missing or not `bytes` long. */
async function readEach(subject: Subject, order: readonly string[], bytes: number): Promise<void> {
  for (const key of order) {
    const read = await subject.get(key);
    if (read === undefined || read === null || read.byteLength !== bytes) {
      throw new Error(`${subject.name} lost ${key}`);
    }
  }
}

function setContenders(
  subjects: readonly Subject[],
  count: number,
  inFlight: number,
  value: Uint8Array,
): Contender[] {
  return subjects.map((subject, index) => {
    let round = 0;
    return {
      name: subject.name,
      async run() {
        // New keys every round, so file-per-key stores create files as in a first write.
        round++;
        await setAll(subject, makeKeys(count, taggedKeys(`${index}r${round}`)), value, inFlight);
      },
    };
  });
}

async function main(): Promise<void> {
  printEnvironment();
  console.log(
    `keys 16-32 B, values 100 B; sequential set N=${SEQUENTIAL_N}, ${IN_FLIGHT}-in-flight set N=${CONCURRENT_N}, get N=${GET_N}; ${ROUNDS} rounds`,
  );
  const value = new Uint8Array(VALUE_LENGTH).fill(0x61);
  // kvkit "process" does not fsync, like unstorage's fs driver: the like-for-like comparison.
  const subjects = [
    kvkit("power"),
    floor(false),
    floor(true),
    unstorage(),
    lmdb(),
    classicLevel(),
    kvkit("process"),
  ];
  const [kv, floorSubject, , unstorageSubject, lmdbSubject, levelSubject, kvProcess] = subjects as [
    BatchSubject,
    Subject,
    Subject,
    BatchSubject,
    BatchSubject,
    BatchSubject,
    BatchSubject,
  ];
  const results: Measurement[] = [];
  results.push(
    ...(await measure({
      name: "set, sequential",
      ops: SEQUENTIAL_N,
      contenders: setContenders(subjects, SEQUENTIAL_N, 1, value),
      rounds: ROUNDS,
      warmupRounds: 1,
    })),
  );
  results.push(
    ...(await measure({
      name: `set, ${IN_FLIGHT} in flight`,
      ops: CONCURRENT_N,
      contenders: setContenders(
        [kv, unstorageSubject, lmdbSubject, levelSubject, kvProcess],
        CONCURRENT_N,
        IN_FLIGHT,
        value,
      ),
      rounds: ROUNDS,
      // Steady state: in a fresh process this backend's 64-in-flight sets take about 15 000
      // operations to reach full speed (V8's optimizing compiler: about 90k ops/s with
      // --no-opt, 110k-160k over the first 12 000 operations, 160k-235k after), so six
      // untimed rounds of 3 000 come first for every contender.
      warmupRounds: 6,
    })),
  );
  const { keys: getKeys, readOrder } = makeWorkload(GET_N, taggedKeys("get"));
  // The floor's get is one open + read + close of the key's own file.
  const readers = [kv, unstorageSubject, lmdbSubject, levelSubject, floorSubject];
  results.push(
    ...(await measure({
      name: "get, sequential",
      ops: GET_N,
      contenders: readers.map((subject) => ({
        name: subject.name,
        setup: () => setAll(subject, getKeys, value, IN_FLIGHT),
        run: () => readEach(subject, readOrder, value.byteLength),
      })),
      rounds: ROUNDS,
      warmupRounds: 1,
    })),
  );
  // The same reads of keys written by batches of BATCH_SIZE: in this backend a batch is one
  // record, so a value read back sits inside a record of about BATCH_SIZE values.
  const batchReaders = [kv, unstorageSubject, lmdbSubject, levelSubject];
  const { keys: batchKeys, readOrder: batchReadOrder } = makeWorkload(GET_N, taggedKeys("bat"));
  const writeInBatches = async (subject: BatchSubject): Promise<void> => {
    for (let at = 0; at < batchKeys.length; at += BATCH_SIZE) {
      await subject.setMany(batchKeys.slice(at, at + BATCH_SIZE), value);
    }
  };
  results.push(
    ...(await measure({
      name: `get, sequential, keys set in batches of ${BATCH_SIZE}`,
      ops: GET_N,
      contenders: batchReaders.map((subject) => ({
        name: subject.name,
        setup: () => writeInBatches(subject),
        run: () => readEach(subject, batchReadOrder, value.byteLength),
      })),
      rounds: ROUNDS,
      warmupRounds: 1,
    })),
  );
  // getMany of one batch's keys (in shuffled order), each batch in turn; ops are keys read.
  const batches: string[][] = [];
  for (let at = 0; at < batchKeys.length; at += BATCH_SIZE) {
    batches.push(shuffled(batchKeys.slice(at, at + BATCH_SIZE)));
  }
  results.push(
    ...(await measure({
      name: `getMany of ${BATCH_SIZE} keys set in one batch (ops = keys)`,
      ops: GET_N,
      contenders: batchReaders.map((subject) => ({
        name: subject.name,
        async run() {
          for (const keys of batches) {
            const read = await subject.getMany(keys);
            if (read.some((bytes) => bytes?.byteLength !== value.byteLength)) {
              throw new Error(`${subject.name} lost a key of a batch`);
            }
          }
        },
      })),
      rounds: ROUNDS,
      warmupRounds: 1,
    })),
  );
  await Promise.all(subjects.map((subject) => subject.close()));
  rmSync(root, { recursive: true, force: true });
  printReport(results, {
    title: "file / embedded",
    baselines: ["unstorage fs", "write+fsync+rename (floor)"],
  });
  console.log(
    "targets: kvkit file >= 10x unstorage fs (set, 64 in flight); kvkit file (power) >= 0.67x the floor (sequential set, i.e. within 1.5x); >= 5x unstorage fs (get). Durable: kvkit (power), the floors, lmdb, classic-level (sync); not fsynced: kvkit (process), unstorage fs.",
  );
}

await main();
