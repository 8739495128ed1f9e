// The Redis backend against raw ioredis (the floor), Keyv with @keyv/redis and unstorage's
// redis driver, and compare-and-set against a Lua-script CAS and WATCH/MULTI/EXEC, all measured
// side by side in one run on a redis-server this script starts (free loopback port, persistence
// off). Workload of reference/bench-peers.md §3 and §5: keys of 16-32 B, values of 100 B; get in
// a shuffled order; batches of 100 keys; 32 contenders incrementing one counter.

import KeyvRedis from "@keyv/redis";
import { RedisBackend } from "@kvkit/backend-redis";
import { Redis } from "ioredis";
import Keyv from "keyv";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { startRedis } from "../packages/backend-redis/test/helpers/redis-server.ts";
import { type Contender, type Measurement, measure } from "./src/measure.ts";
import { printEnvironment } from "./src/print-environment.ts";
import { printReport } from "./src/print-report.ts";
import { makeWorkload, shuffled, VALUE_LENGTH } from "./src/workload.ts";

// Sequential runs are capped by the loopback round trip (~10-30k ops/s), the others are not:
// each mode gets enough operations per round to last about as long.
const N_SEQUENTIAL = Number(process.env.BENCH_N ?? 3000);
const N_CONCURRENT = N_SEQUENTIAL * 6;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const IN_FLIGHT = 64;
/** Keys each contender does in turn within a sequential pass (see `slices` in measure.ts). */
const SEQUENTIAL_SLICE = 100;
/** Batches each contender does in turn within a batch pass. */
const BATCH_SLICE = 10;
const BATCH = 100;
/** The database of the second raw client (the A/A control). */
const SECOND_DB = 1;
const CONTENDERS = 32;
const INCREMENTS = Number(process.env.BENCH_INCREMENTS ?? 600);

/** A key-value store as the benchmark drives it. */
interface Subject {
  readonly name: string;
  get(key: string): Promise<unknown>;
  set(key: string, index: number): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown>;
  setMany(keys: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** 100-byte values: bytes for the clients that store bytes, text for the ones that store text. */
const VALUE_BYTES = Buffer.alloc(VALUE_LENGTH, 0x61);
const VALUE_TEXT = "a".repeat(VALUE_LENGTH);

function subjects(url: string, port: number): Subject[] {
  const raw = new Redis(port, "127.0.0.1");
  // The same keys in database 1, which main() fills to as many keys as database 0 holds.
  const rawSecond = new Redis(port, "127.0.0.1", { db: SECOND_DB });
  const kvkit = new RedisBackend({ url, keyspace: "bench" });
  const kvkitPlain = new RedisBackend({ url, keyspace: "bench-plain", mode: "plain" });
  const keyv = new Keyv<string>({ store: new KeyvRedis(url), namespace: "keyv" });
  const storage = createStorage({
    driver: redisDriver({ base: "unstorage", host: "127.0.0.1", port }),
  });
  return [
    {
      name: "ioredis raw",
      get: (key) => raw.getBuffer(key),
      set: (key) => raw.set(key, VALUE_BYTES),
      getMany: (keys) => raw.mgetBuffer(keys),
      setMany: (keys) => raw.mset(keys.flatMap((key) => [key, VALUE_BYTES])),
      close: async () => raw.disconnect(),
    },
    {
      // The same client again: how far two identical contenders drift apart in this run.
      name: "ioredis raw, 2nd client",
      get: (key) => rawSecond.getBuffer(key),
      set: (key) => rawSecond.set(key, VALUE_BYTES),
      getMany: (keys) => rawSecond.mgetBuffer(keys),
      setMany: (keys) => rawSecond.mset(keys.flatMap((key) => [key, VALUE_BYTES])),
      close: async () => rawSecond.disconnect(),
    },
    {
      name: "kvkit redis (indexed)",
      get: (key) => kvkit.get(key),
      set: (key) => kvkit.set(key, VALUE_BYTES),
      getMany: (keys) => kvkit.getMany(keys),
      setMany: (keys) => kvkit.setMany(keys.map((key) => ({ key, value: VALUE_BYTES }))),
      close: () => kvkit.close(),
    },
    {
      name: "kvkit redis (plain)",
      get: (key) => kvkitPlain.get(key),
      set: (key) => kvkitPlain.set(key, VALUE_BYTES),
      getMany: (keys) => kvkitPlain.getMany(keys),
      setMany: (keys) => kvkitPlain.setMany(keys.map((key) => ({ key, value: VALUE_BYTES }))),
      close: () => kvkitPlain.close(),
    },
    {
      name: "Keyv + @keyv/redis",
      get: (key) => keyv.get(key),
      set: (key) => keyv.set(key, VALUE_TEXT),
      getMany: (keys) => keyv.getMany(keys),
      setMany: (keys) => keyv.setMany(keys.map((key) => ({ key, value: VALUE_TEXT }))),
      close: () => keyv.disconnect(),
    },
    {
      name: "unstorage redis",
      get: (key) => storage.getItem(key),
      set: (key) => storage.setItem(key, VALUE_TEXT),
      getMany: (keys) => storage.getItems(keys),
      setMany: (keys) => storage.setItems(keys.map((key) => ({ key, value: VALUE_TEXT }))),
      close: () => storage.dispose(),
    },
  ];
}

type Run = (subject: Subject, keys: readonly string[]) => Promise<void>;

/**
 * Part `slice` of `slices` equal parts of `keys` (all of them when `slices` is 1), cut at a
 * multiple of {@link BATCH} so batch passes keep whole batches.
 */
function sliceOf(keys: readonly string[], slice: number, slices: number): readonly string[] {
  if (slices === 1) return keys;
  const size = Math.ceil(keys.length / slices / BATCH) * BATCH;
  return keys.slice(slice * size, (slice + 1) * size);
}

const sequential =
  (op: "get" | "set"): Run =>
  async (subject, keys) => {
    for (let i = 0; i < keys.length; i++) await subject[op](keys[i] as string, i);
  };

const inFlight =
  (op: "get" | "set"): Run =>
  async (subject, keys) => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const i = next++;
        await subject[op](keys[i] as string, i);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };

const batches =
  (op: "getMany" | "setMany"): Run =>
  async (subject, keys) => {
    for (let i = 0; i < keys.length; i += BATCH) await subject[op](keys.slice(i, i + BATCH));
  };

/** One way to compare-and-set: `attempt()` reads, tries once, and tells whether it won. */
interface CasMethod {
  readonly name: string;
  setup(): Promise<void>;
  /** Worker `w` tries one increment. */
  attempt(w: number): Promise<boolean>;
  /** The counter's value, to check that no increment was lost. */
  read(): Promise<number>;
  close(): Promise<void>;
}

const LUA_CAS =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

function casMethods(url: string, port: number): CasMethod[] {
  const connections = (count: number): Redis[] =>
    Array.from({ length: count }, () => new Redis(port, "127.0.0.1"));
  const decoder = new TextDecoder();
  const kvkitMethod = (
    name: string,
    instances: number,
    keyspace: string,
    mode: "indexed" | "plain" = "indexed",
  ): CasMethod => {
    const backends = Array.from(
      { length: instances },
      () => new RedisBackend({ url, keyspace, mode }),
    );
    const at = (w: number): RedisBackend => backends[w % instances] as RedisBackend;
    return {
      name,
      setup: async () => {
        await at(0).set("counter", new TextEncoder().encode("0"));
      },
      attempt: async (w) => {
        const backend = at(w);
        const current = await backend.getVersioned("counter");
        const value = Number(decoder.decode(current?.value));
        try {
          await backend.compareAndSet(
            "counter",
            current?.version ?? null,
            new TextEncoder().encode(String(value + 1)),
          );
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === "KVKIT_CONFLICT") return false;
          throw error;
        }
      },
      read: async () => Number(decoder.decode(await at(0).get("counter"))),
      close: async () => {
        await Promise.all(backends.map((backend) => backend.close()));
      },
    };
  };
  const luaMethod = (name: string, count: number, key: string): CasMethod => {
    const clients = connections(count);
    const at = (w: number): Redis => clients[w % count] as Redis;
    for (const client of clients) client.defineCommand("cas", { numberOfKeys: 1, lua: LUA_CAS });
    return {
      name,
      setup: async () => {
        await at(0).set(key, "0");
      },
      attempt: async (w) => {
        const client = at(w) as Redis & {
          cas(key: string, expected: string, next: string): Promise<number>;
        };
        const current = (await client.get(key)) ?? "0";
        return (await client.cas(key, current, String(Number(current) + 1))) === 1;
      },
      read: async () => Number(await at(0).get(key)),
      close: async () => {
        for (const client of clients) client.disconnect();
      },
    };
  };
  const watchMethod = (): CasMethod => {
    const clients = connections(CONTENDERS);
    const key = "cas:watch";
    return {
      name: "WATCH/MULTI/EXEC (32 conns)",
      setup: async () => {
        await (clients[0] as Redis).set(key, "0");
      },
      attempt: async (w) => {
        const client = clients[w] as Redis;
        await client.watch(key);
        const current = Number(await client.get(key));
        const result = await client
          .multi()
          .set(key, String(current + 1))
          .exec();
        return result !== null;
      },
      read: async () => Number(await (clients[0] as Redis).get(key)),
      close: async () => {
        for (const client of clients) client.disconnect();
      },
    };
  };
  return [
    kvkitMethod("kvkit compareAndSet (32 instances)", CONTENDERS, "cas32"),
    kvkitMethod("kvkit compareAndSet (1 instance)", 1, "cas1"),
    kvkitMethod("kvkit plain compareAndSet (1 instance)", 1, "cas1plain", "plain"),
    luaMethod("Lua CAS GET+EVALSHA (32 conns)", CONTENDERS, "cas:lua32"),
    luaMethod("Lua CAS GET+EVALSHA (1 conn)", 1, "cas:lua1"),
    watchMethod(),
  ];
}

/**
 * Server time per call of one scenario, from `INFO commandstats` (reset before it): what each
 * kind of command cost the server, which the shared machine's load hardly changes. In the
 * write scenarios EVALSHA is kvkit's script; SET, MSET and MULTI/EXEC come from the others.
 */
async function serverTime(admin: Redis): Promise<string> {
  const info = await admin.info("commandstats");
  const parts: string[] = [];
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=\d+,usec=\d+,usec_per_call=([\d.]+)/gm)) {
    const [, command, perCall] = match;
    if (["set", "get", "mset", "mget", "evalsha", "exec"].includes(command as string)) {
      parts.push(`${command} ${perCall}`);
    }
  }
  return parts.sort().join(", ");
}

/**
 * Fills the second raw client's database with unread keys until it holds as many keys as
 * database 0 (where every other contender's keys are), so both raw clients look their keys up
 * in a table of the same size.
 */
async function fillToSameSize(port: number, admin: Redis): Promise<void> {
  const second = new Redis(port, "127.0.0.1", { db: SECOND_DB });
  const missing = (await admin.dbsize()) - (await second.dbsize());
  for (let i = 0; i < missing; i += BATCH) {
    const end = Math.min(missing, i + BATCH);
    const flat: (string | Buffer)[] = [];
    for (let j = i; j < end; j++) flat.push(`filler:${j}`, VALUE_BYTES);
    await second.mset(flat);
  }
  second.disconnect();
}

async function main(): Promise<void> {
  printEnvironment();
  const server = await startRedis();
  console.log(
    `redis-server on port ${server.port}; ${N_SEQUENTIAL} (sequential) or ${N_CONCURRENT} keys of 16-32 B per round (sequential and batches: contenders take turns every ${SEQUENTIAL_SLICE} keys or ${BATCH_SLICE} batches), 100 B values, ${ROUNDS} rounds; CAS: ${CONTENDERS} contenders, ${INCREMENTS} increments per round`,
  );
  const all: Measurement[] = [];
  const list = subjects(server.url, server.port);
  try {
    const { keys, readOrder } = makeWorkload(N_CONCURRENT);
    const few = keys.slice(0, N_SEQUENTIAL);
    const fewReadOrder = shuffled(few);
    // Sequential and batch passes wait on one round trip at a time, which other processes on
    // the machine disturb in bursts about as long as a pass: their contenders take turns every
    // few hundred round trips (SEQUENTIAL_SLICE keys, BATCH_SLICE batches) instead of once per
    // pass.
    const slices = Math.max(1, Math.round(N_SEQUENTIAL / SEQUENTIAL_SLICE));
    const batchSlices = Math.max(1, Math.round(N_CONCURRENT / (BATCH * BATCH_SLICE)));
    const scenarios: [string, Run, readonly string[], number][] = [
      ["set, sequential", sequential("set"), few, slices],
      ["get, sequential", sequential("get"), fewReadOrder, slices],
      [`set, ${IN_FLIGHT} in flight`, inFlight("set"), keys, 1],
      [`get, ${IN_FLIGHT} in flight`, inFlight("get"), readOrder, 1],
      [`setMany of ${BATCH}`, batches("setMany"), keys, batchSlices],
      [`getMany of ${BATCH}`, batches("getMany"), readOrder, batchSlices],
    ];
    for (const subject of list) await batches("setMany")(subject, keys);
    const admin = new Redis(server.port, "127.0.0.1");
    await fillToSameSize(server.port, admin);
    const costs: string[] = [];
    for (const [name, run, order, sliceCount] of scenarios) {
      const contenders: Contender[] = list.map((subject) => ({
        name: subject.name,
        run: (slice, of) => run(subject, sliceOf(order, slice, of)),
      }));
      await admin.config("RESETSTAT");
      const ops = order.length;
      all.push(...(await measure({ name, ops, contenders, rounds: ROUNDS, slices: sliceCount })));
      costs.push(`  ${name.padEnd(18)} ${await serverTime(admin)}`);
    }
    admin.disconnect();
    printReport(all, {
      title: "Redis: kvkit against raw ioredis, Keyv and unstorage (ops/s; batches count keys)",
      baselines: ["ioredis raw", "Keyv + @keyv/redis", "unstorage redis"],
    });
    console.log(
      "targets: kvkit >= 0.9x ioredis raw (get, set: sequential and 64 in flight; getMany, setMany: of MGET, MSET) and ahead of Keyv and unstorage on every row. Modes: indexed (default: sorted index and change log kept by a script per write), plain (values only: one native command per operation).\n",
    );
    console.log(`Server time per call in µs (INFO commandstats):\n${costs.join("\n")}\n`);
    const methods = casMethods(server.url, server.port);
    const totals = new Map<string, number>();
    const cas: Contender[] = methods.map((method) => ({
      name: method.name,
      setup: () => method.setup(),
      run: async () => {
        let wins = 0;
        const worker = async (w: number): Promise<void> => {
          while (wins < INCREMENTS) if (await method.attempt(w)) wins++;
        };
        await Promise.all(Array.from({ length: CONTENDERS }, (_, w) => worker(w)));
        totals.set(method.name, (totals.get(method.name) ?? 0) + wins);
      },
    }));
    const casResults = await measure({
      name: `CAS, ${CONTENDERS} contenders`,
      ops: INCREMENTS,
      contenders: cas,
      rounds: ROUNDS,
    });
    printReport(casResults, {
      title: "Compare-and-set: successful increments/s of one counter",
      baselines: [
        "Lua CAS GET+EVALSHA (32 conns)",
        "Lua CAS GET+EVALSHA (1 conn)",
        "WATCH/MULTI/EXEC (32 conns)",
      ],
    });
    console.log(
      "targets: kvkit compareAndSet >= the Lua CAS figure (GET+EVALSHA, 32 conns) and >= 3x WATCH/MULTI/EXEC.\n",
    );
    for (const method of methods) {
      const stored = await method.read();
      const acknowledged = totals.get(method.name) ?? 0;
      console.log(
        `${method.name}: ${acknowledged} acknowledged, counter ${stored}, lost ${acknowledged - stored}`,
      );
      await method.close();
    }
  } finally {
    await Promise.allSettled(list.map((subject) => subject.close()));
    await server.stop();
  }
}

await main();
