import { randomUUID } from "node:crypto";
import { connect, PluginRegistry } from "@kvkit/spec";
import { bytes, collect } from "@kvkit/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { plugin, RedisBackend } from "../src/index.ts";
import { commandCalls } from "./helpers/command-stats.ts";
import { startRedis } from "./helpers/redis-server.ts";

const server = await startRedis();
const control = new Redis(server.port, "127.0.0.1");
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((backend) => backend.close()));
  control.disconnect();
  await server.stop();
});

function open(keyspace = randomUUID(), prefix = ""): RedisBackend {
  const backend = new RedisBackend({ url: server.url, keyspace, prefix });
  opened.push(backend);
  return backend;
}

describe("RedisBackend", () => {
  it("list() streams 100 000 keys in byte order in pages, without KEYS or SCAN (R2)", async () => {
    const backend = open();
    const keys = Array.from({ length: 100_000 }, (_, i) => `k:${i.toString(36).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 1000) {
      await backend.setMany(keys.slice(i, i + 1000).map((key) => ({ key, value: bytes("v") })));
    }
    await control.config("RESETSTAT");
    let count = 0;
    let previous = "";
    for await (const entry of backend.list()) {
      expect(entry.key > previous).toBe(true);
      previous = entry.key;
      count++;
    }
    expect(count).toBe(keys.length);
    const calls = await commandCalls(control);
    expect(calls.has("keys")).toBe(false);
    expect(calls.has("scan")).toBe(false);
    // One script call per page of 256 index members (EVAL the first time, then EVALSHA).
    expect((calls.get("evalsha") ?? 0) + (calls.get("eval") ?? 0)).toBe(
      Math.ceil(keys.length / 256),
    );
  }, 60_000);

  it("set() with ttlMs drops keys that expired unlisted from the index (bounded index)", async () => {
    const keyspace = randomUUID();
    const backend = open(keyspace);
    for (let i = 0; i < 20; i++) await backend.set(`old${i}`, bytes("v"), { ttlMs: 30 });
    expect(await control.zcard(`{${keyspace}}i`)).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Each write with a TTL cleans up to 8 expired members.
    for (let i = 0; i < 3; i++) await backend.set(`new${i}`, bytes("v"), { ttlMs: 60_000 });
    expect(await control.zrange(`{${keyspace}}i`, 0, -1)).toEqual(["new0", "new1", "new2"]);
    expect(await control.zcard(`{${keyspace}}e`)).toBe(3);
  });

  it("set() stores keys and values holding Lua syntax verbatim (S7)", async () => {
    const backend = open();
    const hostile = ["]]", "'); redis.call('FLUSHALL') --", '"', "\\", "%s%d", "{x}", "\u0000"];
    for (const text of hostile) await backend.set(text, bytes(text));
    for (const text of hostile) expect(await backend.get(text)).toEqual(bytes(text));
    expect((await collect(backend.list())).map((entry) => entry.key).sort()).toEqual(
      [...hostile].sort(),
    );
  });

  it("list() of one keyspace never shows the keys of another, even one whose name extends it (S6)", async () => {
    const base = randomUUID();
    const first = open(base);
    const second = open(`${base}x`);
    await first.set("a", bytes("1"));
    await second.set("b", bytes("2"));
    expect((await collect(first.list())).map((entry) => entry.key)).toEqual(["a"]);
    expect((await collect(second.list())).map((entry) => entry.key)).toEqual(["b"]);
    expect(await first.get("b")).toBeUndefined();
  });

  it("list() of an instance with a prefix shows the keys under it, without the prefix", async () => {
    const keyspace = randomUUID();
    const root = open(keyspace);
    const tenant = open(keyspace, "tenant/");
    await root.set("tenant/a", bytes("1"));
    await root.set("tenant", bytes("2"));
    await tenant.set("b", bytes("3"));
    expect((await collect(tenant.list())).map((entry) => entry.key)).toEqual(["a", "b"]);
    expect(await root.get("tenant/b")).toEqual(bytes("3"));
  });

  it("get() rejects with KVKIT_CORRUPTED for a value kvkit did not write", async () => {
    const keyspace = randomUUID();
    const backend = open(keyspace);
    await control.set(`{${keyspace}}dforeign`, "plain text");
    await expect(backend.get("foreign")).rejects.toMatchObject({ code: "KVKIT_CORRUPTED" });
  });

  it("getMany() reads the keys it was called with, even when the caller reuses the array while it waits for the connection", async () => {
    const keyspace = randomUUID();
    await open(keyspace).setMany([
      { key: "a", value: bytes("A") },
      { key: "b", value: bytes("B") },
    ]);
    // A new instance connects on its first call: the read waits for the connection.
    const backend = open(keyspace);
    const keys = ["a"];
    const read = backend.getMany(keys);
    keys[0] = "b";
    keys.push("c");
    expect(await read).toEqual([bytes("A")]);
  });

  it("commit() names the key whose check failed, even when the caller reuses its checks array while it waits for the connection", async () => {
    const keyspace = randomUUID();
    await open(keyspace).set("a", bytes("A"));
    // A new instance connects on its first call: the commit waits for the connection.
    const backend = open(keyspace);
    const checks = [{ key: "a", version: null }];
    const commit = backend.commit({ checks, set: [{ key: "c", value: bytes("C") }] });
    checks[0] = { key: "b", version: null };
    await expect(commit).rejects.toMatchObject({ code: "KVKIT_CONFLICT", keys: ["a"] });
  });

  it("close() releases every connection it opened, watches included (R5)", async () => {
    const count = async (): Promise<number> =>
      String(await control.call("CLIENT", "LIST"))
        .trim()
        .split("\n").length;
    const baseline = await count();
    for (let i = 0; i < 50; i++) {
      const backend = new RedisBackend({ url: server.url, keyspace: randomUUID() });
      await backend.set("k", bytes("v"));
      await backend.watch();
      await backend.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await count()).toBe(baseline);
  });

  it("compareAndSet() treats a version it never made as a conflict, not an error", async () => {
    const backend = open();
    await backend.set("k", bytes("v"));
    await expect(backend.compareAndSet("k", "not-a-version", bytes("w"))).rejects.toMatchObject({
      code: "KVKIT_CONFLICT",
    });
    expect(await backend.get("k")).toEqual(bytes("v"));
  });

  it("watch() resumes from a cursor inside a batch with the rest of that batch", async () => {
    const backend = open();
    const first = await backend.watch();
    await backend.setMany(["a", "b", "c"].map((key) => ({ key, value: bytes(key) })));
    const events = [];
    for await (const event of first) {
      events.push(event);
      if (events.length === 3) break;
    }
    expect(events.map((event) => (event.type === "set" ? event.key : event.type))).toEqual([
      "a",
      "b",
      "c",
    ]);
    const cursors = events.map((event) => event.cursor as string);
    expect(new Set(cursors).size).toBe(3);
    const resumed = await backend.watch({ cursor: cursors[0] });
    await backend.delete("a");
    const rest = [];
    for await (const event of resumed) {
      rest.push(event.type === "gap" ? "gap" : `${event.type} ${event.key}`);
      if (rest.length === 3) break;
    }
    expect(rest).toEqual(["set b", "set c", "delete a"]);
  });

  it("watch() rejects with KVKIT_INVALID_CURSOR for a cursor that is not a change log id", async () => {
    const backend = open();
    await expect(backend.watch({ cursor: "banana" })).rejects.toMatchObject({
      code: "KVKIT_INVALID_CURSOR",
    });
  });

  it("constructor rejects with KVKIT_INVALID_OPTION for a commandTimeoutMs of 0", () => {
    expect(() => new RedisBackend({ commandTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: "KVKIT_INVALID_OPTION" }),
    );
  });

  it("constructor rejects with KVKIT_INVALID_OPTION for a keyspace with braces", () => {
    expect(() => new RedisBackend({ keyspace: "a}b" })).toThrow(
      expect.objectContaining({ code: "KVKIT_INVALID_OPTION" }),
    );
  });
});

describe("plugin", () => {
  const registry = new PluginRegistry();
  registry.register(plugin);

  it("connect() opens a redis:// URL with keyspace and prefix from the query", async () => {
    const keyspace = randomUUID();
    const backend = await connect(
      `${server.url}?keyspace=${keyspace}&prefix=p/&commandTimeoutMs=1000`,
      {
        registry,
      },
    );
    opened.push(backend);
    await backend.set("k", bytes("v"));
    expect(await control.exists(`{${keyspace}}dp/k`)).toBe(1);
  });

  it("connect() rejects with KVKIT_INVALID_OPTION for a keyspace with braces", async () => {
    await expect(connect(`${server.url}?keyspace={x}`, { registry })).rejects.toMatchObject({
      code: "KVKIT_INVALID_OPTION",
    });
  });

  it("schemes are redis and rediss", () => {
    expect(plugin.schemes).toEqual(["redis", "rediss"]);
    expect(registry.get("rediss")).toBe(plugin);
  });
});
