// get and set of the memory backend against a plain Map behind an async function (the floor),
// unstorage's memory driver and Keyv's default store, measured side by side in one run.
// Workload of reference/bench-peers.md §1: 100k keys of 16-32 B, 100 B values, sequential
// (await each), set in key order, get in a shuffled order.
import { MemoryBackend } from "@kvkit/backend-memory";
import Keyv from "keyv";
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { type Contender, type Measurement, measure } from "./src/measure.ts";
import { printEnvironment } from "./src/print-environment.ts";
import { printReport } from "./src/print-report.ts";
import { makeWorkload, VALUE_LENGTH } from "./src/workload.ts";

const N = Number(process.env.BENCH_N ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
// CPU time by default: everything here runs in-process, and on a shared machine wall time
// would charge other processes' time slices to whichever contender was running.
const CLOCK = process.env.BENCH_CLOCK === "wall" ? "wall" : "cpu";

/** A key-value store as the benchmark drives it. */
interface Subject {
  readonly name: string;
  get(key: string): Promise<Uint8Array | undefined | null>;
  set(key: string, value: Uint8Array): Promise<unknown>;
}

function subjects(): Subject[] {
  const map = new Map<string, Uint8Array>();
  const backend = new MemoryBackend();
  const storage = createStorage({ driver: memoryDriver() });
  const keyv = new Keyv<Uint8Array>();
  return [
    {
      name: "Map (async fn)",
      get: async (key) => map.get(key),
      set: async (key, value) => {
        map.set(key, value);
      },
    },
    {
      name: "kvkit memory",
      get: (key) => backend.get(key),
      set: (key, value) => backend.set(key, value),
    },
    {
      name: "unstorage memory",
      get: (key) => storage.getItemRaw<Uint8Array>(key),
      set: (key, value) => storage.setItemRaw(key, value),
    },
    {
      name: "Keyv (Map)",
      get: (key) => keyv.get(key),
      set: (key, value) => keyv.set(key, value),
    },
  ];
}

async function main(): Promise<void> {
  printEnvironment();
  console.log(
    `N = ${N} keys of 16-32 B, 100 B values, sequential (await each), ${ROUNDS} rounds, ${CLOCK} time`,
  );
  const { keys, readOrder } = makeWorkload(N);
  // One value per key, as in a real store, each starting with its key's index so that the
  // read-back check catches a store that mixes keys up. (With one shared value object, a
  // store that keeps the caller's reference never touches value memory at all.) Buffers,
  // which Keyv's default serializer stores as base64 and gives back as Buffers; the others
  // store the bytes as they are.
  const values = keys.map((_, index) => {
    const value = Buffer.alloc(VALUE_LENGTH, 0x61);
    value.writeUInt32LE(index, 0);
    return value;
  });
  const all = subjects();

  const setContenders: Contender[] = all.map((subject) => ({
    name: subject.name,
    async run() {
      for (let i = 0; i < keys.length; i++)
        await subject.set(keys[i] as string, values[i] as Buffer);
    },
  }));
  const getContenders: Contender[] = all.map((subject) => ({
    name: subject.name,
    async setup() {
      for (let i = 0; i < keys.length; i++)
        await subject.set(keys[i] as string, values[i] as Buffer);
    },
    async run() {
      for (const key of readOrder) {
        if ((await subject.get(key)) === undefined) throw new Error(`${subject.name} lost ${key}`);
      }
    },
  }));

  const results: Measurement[] = [
    ...(await measure({
      name: "set",
      ops: N,
      contenders: setContenders,
      rounds: ROUNDS,
      clock: CLOCK,
    })),
    ...(await measure({
      name: "get",
      ops: N,
      contenders: getContenders,
      rounds: ROUNDS,
      clock: CLOCK,
    })),
  ];
  await verify(all, keys, values);
  printReport(results, {
    title: "memory: get/set, sequential",
    baselines: ["Map (async fn)", "unstorage memory", "Keyv (Map)"],
  });
  console.log(
    "targets: kvkit memory >= 0.50x Map (async fn), >= 2.00x unstorage memory and Keyv (Map), for get and set",
  );
}

/** Every subject must read back what was written: a fast wrong answer is not a result. */
async function verify(
  all: readonly Subject[],
  keys: readonly string[],
  values: readonly Uint8Array[],
): Promise<void> {
  const step = Math.max(1, Math.floor(keys.length / 1000));
  for (const subject of all) {
    for (let i = 0; i < keys.length; i += step) {
      const got = await subject.get(keys[i] as string);
      const expected = values[i] as Uint8Array;
      if (got == null || Buffer.compare(Buffer.from(got), Buffer.from(expected)) !== 0) {
        throw new Error(`${subject.name} read back a wrong value for ${keys[i]}`);
      }
    }
  }
}

await main();
