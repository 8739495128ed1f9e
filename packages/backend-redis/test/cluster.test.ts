import { randomUUID } from "node:crypto";
import { bytes } from "@kvkit/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../src/index.ts";
import { type RedisServer, startCluster } from "./helpers/redis-server.ts";
import { settle, sleep, waitUntil } from "./helpers/settle.ts";

// Catalogue items F8, F9 (topology change) and S6 on a local 3-master Redis Cluster.

const cluster = await startCluster(3);
const admins = cluster.nodes.map((node) => {
  const client = new Redis(node.port, "127.0.0.1", { lazyConnect: true });
  client.on("error", () => {});
  return client;
});
const opened: RedisBackend[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((backend) => backend.close()));
  for (const client of admins) client.disconnect();
  await cluster.stop();
});

function open(
  keyspace: string,
  mode: "indexed" | "plain" = "indexed",
  commandTimeoutMs?: number,
): RedisBackend {
  const backend = new RedisBackend({
    nodes: cluster.nodes.map((node) => ({ host: node.host, port: node.port })),
    keyspace,
    mode,
    commandTimeoutMs,
  });
  opened.push(backend);
  return backend;
}

async function keySlot(key: string): Promise<number> {
  return Number(await (admins[0] as Redis).call("CLUSTER", "KEYSLOT", key));
}

/** The index of the node that serves `slot`. */
async function ownerOf(slot: number): Promise<number> {
  const slots = (await (admins[0] as Redis).call("CLUSTER", "SLOTS")) as [
    number,
    number,
    [string, number],
  ][];
  const range = slots.find(([from, to]) => slot >= from && slot <= to);
  return cluster.nodes.findIndex((node) => node.port === range?.[2][1]);
}

/** Moves `slot` from node `from` to node `to` the way redis-cli --cluster reshard does. */
async function migrateSlot(slot: number, from: number, to: number): Promise<void> {
  const source = admins[from] as Redis;
  const target = admins[to] as Redis;
  const targetNode = cluster.nodes[to] as RedisServer;
  const sourceId = String(await source.call("CLUSTER", "MYID"));
  const targetId = String(await target.call("CLUSTER", "MYID"));
  await target.call("CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceId);
  await source.call("CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetId);
  for (;;) {
    const keys = (await source.call("CLUSTER", "GETKEYSINSLOT", String(slot), "10")) as string[];
    if (keys.length === 0) break;
    await source.call(
      "MIGRATE",
      "127.0.0.1",
      String(targetNode.port),
      "",
      "0",
      "5000",
      "KEYS",
      ...keys,
    );
    // Let the contenders run between keys, so scripts meet a half-moved slot.
    await sleep(20);
  }
  for (const client of admins)
    await client.call("CLUSTER", "SETSLOT", String(slot), "NODE", targetId);
}

describe("backend-redis-cluster", () => {
  it("commit() and setMany() over keys that would hash to different slots never fail with CROSSSLOT", async () => {
    const backend = open(randomUUID());
    const keys = Array.from({ length: 50 }, (_, i) => `user:${i}`);
    // Untagged, these keys spread over every master.
    const slots = new Set(await Promise.all(keys.map((key) => keySlot(key))));
    expect(slots.size).toBeGreaterThan(40);
    await backend.setMany(keys.map((key) => ({ key, value: bytes(key) })));
    const result = await backend.commit({
      set: keys.slice(0, 10).map((key) => ({ key, value: bytes("x") })),
      delete: keys.slice(10, 20),
    });
    expect(result.versions.size).toBe(10);
    expect(await backend.getMany(keys.slice(8, 12))).toEqual([
      bytes("x"),
      bytes("x"),
      undefined,
      undefined,
    ]);
    expect(await backend.deleteMany(keys)).toBe(40);
  });

  it("set() of a key containing a {hash tag} stores it in the keyspace's slot, not the tag's (S6)", async () => {
    const keyspace = randomUUID();
    const backend = open(keyspace);
    await backend.set("{other}", bytes("1"));
    await backend.set("x{y}z", bytes("2"));
    const own = await keySlot(`{${keyspace}}i`);
    expect(await keySlot(`{${keyspace}}d{other}`)).toBe(own);
    expect(await keySlot(`{${keyspace}}dx{y}z`)).toBe(own);
    expect(await keySlot("{other}")).not.toBe(own);
    expect(await backend.get("{other}")).toEqual(bytes("1"));
  });

  it("compareAndSet() increments from 8 contenders lose nothing while the store's slot migrates (F8)", async () => {
    const keyspace = randomUUID();
    const backend = open(keyspace);
    const watcher = open(keyspace);
    const stream = await watcher.watch({ key: "after" });
    const slot = await keySlot(`{${keyspace}}i`);
    const from = await ownerOf(slot);
    const to = (from + 1) % cluster.nodes.length;
    await backend.set("counter", bytes("0"));
    // Enough keys that the migration takes several steps.
    await backend.setMany(
      Array.from({ length: 60 }, (_, i) => ({ key: `filler:${i}`, value: bytes("f") })),
    );
    let acknowledged = 0;
    let unknown = 0;
    const failures: string[] = [];
    let stop = false;
    const decoder = new TextDecoder();
    const contender = async (): Promise<void> => {
      while (!stop) {
        const current = await settle(() => backend.getVersioned("counter"));
        if (current.code !== "ok") {
          failures.push(current.code);
          continue;
        }
        const next = Number(decoder.decode(current.value?.value)) + 1;
        const result = await settle(() =>
          backend.compareAndSet("counter", current.value?.version ?? null, bytes(String(next))),
        );
        if (result.code === "ok") acknowledged++;
        else if (result.code === "KVKIT_OUTCOME_UNKNOWN") unknown++;
        else if (result.code !== "KVKIT_CONFLICT") failures.push(result.code);
      }
    };
    const running = Array.from({ length: 8 }, contender);
    await sleep(200);
    const before = acknowledged;
    await migrateSlot(slot, from, to);
    await sleep(300);
    stop = true;
    await Promise.all(running);
    expect(await ownerOf(slot)).toBe(to);
    const stored = Number(decoder.decode(await backend.get("counter")));
    expect(stored).toBeGreaterThanOrEqual(acknowledged);
    expect(stored).toBeLessThanOrEqual(acknowledged + unknown);
    expect(acknowledged).toBeGreaterThan(before);
    expect(unknown, "writes with an unknown outcome").toBe(0);
    expect(failures, "operations that failed during the migration").toEqual([]);
    // The watcher follows the slot to its new master (F9).
    await backend.set("after", bytes("1"));
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: "set", key: "after" });
    await stream.close();
  }, 30_000);

  it("close() during a listing that walks many SCAN steps without a match (mode plain) ends it at once", async () => {
    const backend = open(randomUUID(), "plain");
    for (let i = 0; i < 5000; i += 1000) {
      await backend.setMany(
        Array.from({ length: 1000 }, (_, j) => ({ key: `k${i + j}`, value: bytes("v") })),
      );
    }
    // Nothing matches, so the walk yields nothing between its steps.
    const listing = settle(async () => {
      for await (const _ of backend.list({ prefix: "none" })) throw new Error("a key matched");
    });
    await sleep(1);
    await backend.close();
    const outcome = await listing;
    expect(["ok", "KVKIT_CLOSED"]).toContain(outcome.code);
    expect(outcome.ms).toBeLessThan(500);
  });

  it("get() and set() to a paused master settle at their deadline, and later commands go through", async () => {
    const backend = open(randomUUID(), "indexed", 300);
    await backend.set("k", bytes("old"));
    await backend.get("k");
    // Every master stops answering clients for 900 ms: the store's node is among them.
    await Promise.all(admins.map((client) => client.call("CLIENT", "PAUSE", "900", "ALL")));
    const [read, write] = await Promise.all([
      settle(() => backend.get("k")),
      settle(() => backend.set("k", bytes("new"))),
    ]);
    expect(read.code).toBe("KVKIT_TIMEOUT");
    expect(write.code).toBe("KVKIT_OUTCOME_UNKNOWN");
    for (const outcome of [read, write]) {
      expect(outcome.ms).toBeGreaterThanOrEqual(290);
      expect(outcome.ms).toBeLessThan(400);
    }
    // The paused write runs when the pause ends; commands after it are answered in time.
    await waitUntil(async () => (await settle(() => backend.get("k"))).code === "ok", 3000);
    expect(await backend.get("k")).toEqual(bytes("new"));
  });

  it("getMany() that meets a half-moved slot (TRYAGAIN, retried by ioredis) settles at its deadline", async () => {
    const keyspace = randomUUID();
    const backend = open(keyspace, "plain", 300);
    await backend.setMany([
      { key: "a", value: bytes("1") },
      { key: "b", value: bytes("2") },
    ]);
    const slot = await keySlot(`{${keyspace}}d`);
    const from = await ownerOf(slot);
    const to = (from + 1) % cluster.nodes.length;
    const source = admins[from] as Redis;
    const target = admins[to] as Redis;
    const sourceId = String(await source.call("CLUSTER", "MYID"));
    const targetId = String(await target.call("CLUSTER", "MYID"));
    await target.call("CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceId);
    await source.call("CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetId);
    // One of the two keys moves: a command on both gets TRYAGAIN until the slot is whole again,
    // and ioredis retries it every 100 ms, up to 16 times, outside any connection's queue.
    const port = String((cluster.nodes[to] as RedisServer).port);
    await source.call("MIGRATE", "127.0.0.1", port, "", "0", "5000", "KEYS", `{${keyspace}}da`);
    try {
      const outcome = await settle(() => backend.getMany(["a", "b"]));
      expect(outcome.code).toBe("KVKIT_TIMEOUT");
      expect(outcome.ms).toBeGreaterThanOrEqual(290);
      expect(outcome.ms).toBeLessThan(600);
    } finally {
      await source.call("MIGRATE", "127.0.0.1", port, "", "0", "5000", "KEYS", `{${keyspace}}db`);
      for (const client of admins) {
        await client.call("CLUSTER", "SETSLOT", String(slot), "NODE", targetId);
      }
    }
    expect((await backend.getMany(["a", "b"])).map((value) => value?.[0])).toEqual([0x31, 0x32]);
  });
});
