import { randomUUID } from "node:crypto";
import { bytes } from "@kvkit/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../src/index.ts";
import type { StoreMode } from "../src/redis-backend-options.ts";
import { commandsDuring } from "./helpers/command-stats.ts";
import { startRedis } from "./helpers/redis-server.ts";
import { settle } from "./helpers/settle.ts";

// Gets and sets issued in one tick while other commands are in flight are sent as one MGET, and
// one MSET (mode plain) or one setMany script call (mode indexed): what that changes on the
// server, and what it must not change for the caller (order, outcomes, close).

const server = await startRedis();
const control = new Redis(server.port, "127.0.0.1");
const opened: RedisBackend[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((backend) => backend.close()));
  control.disconnect();
  await server.stop();
});

function open(mode: StoreMode, commandTimeoutMs?: number, keyspace = randomUUID()): RedisBackend {
  const backend = new RedisBackend({ url: server.url, keyspace, mode, commandTimeoutMs });
  opened.push(backend);
  return backend;
}

const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

const commandsOf = (operation: () => Promise<unknown>): Promise<Map<string, number>> =>
  commandsDuring(control, operation);

const count = (calls: Map<string, number>, ...names: string[]): number =>
  names.reduce((sum, name) => sum + (calls.get(name) ?? 0), 0);

describe.each<StoreMode>(["plain", "indexed"])("tick batches, mode %s", (mode) => {
  it("1000 gets and 1000 sets issued at once cost at most one command per 32 operations, plus the first", async () => {
    const backend = open(mode);
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    await backend.get("warm-up");
    const sets = await commandsOf(() =>
      Promise.all(keys.map((key) => backend.set(key, bytes(`v-${key}`)))),
    );
    // The first set goes alone; the others join batches of at most 32. (Commands a script
    // calls count too: in mode indexed only the script calls are the backend's own.)
    const setCommands =
      mode === "plain" ? count(sets, "set", "mset") : count(sets, "evalsha", "eval");
    expect(setCommands).toBeGreaterThanOrEqual(1 + Math.ceil(999 / 32));
    expect(setCommands).toBeLessThanOrEqual(1 + Math.ceil(999 / 32) + 1);
    const gets = await commandsOf(() => Promise.all(keys.map((key) => backend.get(key))));
    expect(count(gets, "get") + count(gets, "mget")).toBe(1 + Math.ceil(999 / 32));
    const values = await Promise.all(keys.map((key) => backend.get(key)));
    expect(values.map(text)).toEqual(keys.map((key) => `v-${key}`));
  });

  it("a lone get or set is sent at once as its own command", async () => {
    const backend = open(mode);
    await backend.get("warm-up");
    const set = await commandsOf(() => backend.set("k", bytes("v")));
    expect(count(set, "mset")).toBe(0);
    expect(await commandsOf(() => backend.get("k"))).toEqual(new Map([["get", 1]]));
  });

  it("operations take effect in the order they were issued, batched or not", async () => {
    const backend = open(mode);
    await backend.set("held", bytes("0"));
    const issued: Promise<unknown>[] = [];
    for (let round = 0; round < 50; round++) {
      issued.push(backend.set("k", bytes(`${round}-a`)));
      issued.push(backend.set("k", bytes(`${round}-b`)));
      // A delete is never batched: it must still come after the sets issued before it.
      issued.push(backend.delete("k"));
      issued.push(backend.get("k"));
      issued.push(backend.set("k", bytes(`${round}-c`)));
      issued.push(backend.get("k"));
    }
    const results = await Promise.all(issued);
    for (let round = 0; round < 50; round++) {
      expect(results[round * 6 + 3]).toBeUndefined();
      expect(text(results[round * 6 + 5] as Uint8Array)).toBe(`${round}-c`);
    }
    expect(text(await backend.get("k"))).toBe("49-c");
  });

  it("every operation of a batch whose command misses its deadline gets a typed error, and the writes land when the server answers again", async () => {
    const backend = open(mode, 300);
    await backend.set("k0", bytes("old"));
    await control.call("CLIENT", "PAUSE", "700", "ALL");
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const [gets, sets] = await Promise.all([
      Promise.all(keys.map((key) => settle(() => backend.get(key)))),
      Promise.all(keys.map((key) => settle(() => backend.set(key, bytes("new"))))),
    ]);
    expect(new Set(gets.map((outcome) => outcome.code))).toEqual(new Set(["KVKIT_TIMEOUT"]));
    expect(new Set(sets.map((outcome) => outcome.code))).toEqual(
      new Set(["KVKIT_OUTCOME_UNKNOWN"]),
    );
    // The paused writes run when the pause ends: each key ends with the one value written.
    let values: (string | undefined)[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const outcome = await settle(() => backend.getMany(keys));
      values = (outcome.value ?? []).map(text);
      if (outcome.code === "ok" && values.every((value) => value === "new")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(values).toEqual(keys.map(() => "new"));
  });

  it("close() right after issuing many sets settles each one, and every one is stored", async () => {
    const keyspace = randomUUID();
    const backend = open(mode, undefined, keyspace);
    await backend.get("warm-up");
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    const writes = keys.map((key) => settle(() => backend.set(key, bytes(key))));
    await backend.close();
    const outcomes = await Promise.all(writes);
    expect(new Set(outcomes.map((outcome) => outcome.code))).toEqual(new Set(["ok"]));
    const reader = open(mode, undefined, keyspace);
    expect((await reader.getMany(keys)).map(text)).toEqual(keys);
  });
});

describe("close() and the script cache, mode indexed", () => {
  it("close() right after issuing sets stores every one when the server lost its script cache (NOSCRIPT, re-sent as EVAL)", async () => {
    const keyspace = randomUUID();
    const backend = open("indexed", undefined, keyspace);
    // Loads the set and batch scripts on the connection (ioredis then calls them by EVALSHA).
    await Promise.all([backend.set("warm-up", bytes("1")), backend.set("warm-up", bytes("2"))]);
    await backend.set("warm-up", bytes("3"));
    // As after a server restart or failover: every script call first meets NOSCRIPT.
    await control.script("FLUSH");
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const writes = keys.map((key) => settle(() => backend.set(key, bytes(key))));
    await backend.close();
    const outcomes = await Promise.all(writes);
    expect(new Set(outcomes.map((outcome) => outcome.code))).toEqual(new Set(["ok"]));
    const reader = open("indexed", undefined, keyspace);
    expect((await reader.getMany(keys)).map(text)).toEqual(keys);
  });
});

describe.each<StoreMode>(["plain", "indexed"])("issue order with signals, mode %s", (mode) => {
  // Event-emitter callbacks (an HTTP handler) run outside any microtask: there the end-of-tick
  // batch goes out before promise continuations do.
  const inCallback = <T>(issue: () => T): Promise<T> =>
    new Promise((resolve) => setImmediate(() => resolve(issue())));

  it("an operation with a signal is sent before the gets and sets issued after it", async () => {
    const backend = open(mode);
    await backend.set("k", bytes("old"));
    const signal = new AbortController().signal;
    const issued = await inCallback(() => [
      backend.set("other", bytes("x")),
      backend.delete("k", { signal }),
      backend.set("k", bytes("new")),
      backend.get("k", { signal }),
    ]);
    const results = await Promise.all(issued);
    expect(text(results[3] as Uint8Array)).toBe("new");
    expect(text(await backend.get("k"))).toBe("new");
  });
});

describe("tick batches and watchers, mode indexed", () => {
  it("a watcher gets one event per batched set, in issue order, a key set twice included", async () => {
    const backend = open("indexed");
    const stream = await backend.watch();
    const events: { key: string; version: string | undefined }[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        if (event.type !== "set") continue;
        events.push({ key: event.key, version: event.version });
        if (events.length === 5) return;
      }
    })();
    const versions = async (key: string) => (await backend.getVersioned(key))?.version;
    await backend.get("warm-up");
    const batch = await commandsOf(() =>
      Promise.all([
        backend.set("a", bytes("1")),
        backend.set("b", bytes("2")),
        backend.set("a", bytes("3")),
        backend.set("c", bytes("4")),
        backend.set("b", bytes("5")),
      ]),
    );
    // The first set goes alone, the other four in one script call.
    expect(count(batch, "evalsha", "eval")).toBe(2);
    await reading;
    await stream.close();
    expect(events.map((event) => event.key)).toEqual(["a", "b", "a", "c", "b"]);
    expect(text(await backend.get("a"))).toBe("3");
    expect(text(await backend.get("b"))).toBe("5");
    expect(events[2]?.version).toBe(await versions("a"));
    expect(events[4]?.version).toBe(await versions("b"));
  });
});
