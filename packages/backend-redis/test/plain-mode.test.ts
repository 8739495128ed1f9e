import { randomUUID } from "node:crypto";
import { connect, ListCursor, PluginRegistry } from "@kvkit/spec";
import { bytes } from "@kvkit/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { manifestFor, plugin, RedisBackend } from "../src/index.ts";
import { commandCalls, commandsDuring } from "./helpers/command-stats.ts";
import { startRedis } from "./helpers/redis-server.ts";

// Mode plain beyond the conformance suite: what it sends to the server, and listing at scale.

const server = await startRedis();
const control = new Redis(server.port, "127.0.0.1");
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((backend) => backend.close()));
  control.disconnect();
  await server.stop();
});

function open(keyspace = randomUUID(), prefix = "", db = 0): RedisBackend {
  const url = `${server.url}/${db}`;
  const backend = new RedisBackend({ url, mode: "plain", keyspace, prefix });
  opened.push(backend);
  return backend;
}

/** The commands `operation` made, by name. */
async function commandsOf(operation: () => Promise<unknown>): Promise<Record<string, number>> {
  return Object.fromEntries(await commandsDuring(control, operation));
}

describe("RedisBackend, mode plain", () => {
  it("set(), get(), delete(), has() are one native command each, and keep nothing but the value", async () => {
    const keyspace = randomUUID();
    const backend = open(keyspace);
    await backend.get("warm-up");
    expect(await commandsOf(() => backend.set("k", bytes("v")))).toEqual({ set: 1 });
    expect(await commandsOf(() => backend.set("k", bytes("v"), { ttlMs: 60_000 }))).toEqual({
      set: 1,
    });
    expect(await commandsOf(() => backend.get("k"))).toEqual({ get: 1 });
    expect(await commandsOf(() => backend.has("k"))).toEqual({ exists: 1 });
    expect(await commandsOf(() => backend.delete("k"))).toEqual({ del: 1 });
    await backend.set("k", bytes("v"));
    expect(await control.keys(`{${keyspace}}*`)).toEqual([`{${keyspace}}dk`]);
  });

  it("getMany(), setMany(), deleteMany() of 100 keys are one MGET, MSET, DEL", async () => {
    const backend = open();
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    await backend.get("warm-up");
    const entries = keys.map((key) => ({ key, value: bytes(key) }));
    expect(await commandsOf(() => backend.setMany(entries))).toEqual({ mset: 1 });
    expect(await commandsOf(() => backend.getMany(keys))).toEqual({ mget: 1 });
    expect(await commandsOf(() => backend.deleteMany(keys))).toEqual({ del: 1 });
  });

  it("list() walks 100 000 keys with SCAN, each key exactly once, never KEYS", async () => {
    const backend = open();
    const other = open();
    await other.setMany(
      Array.from({ length: 1000 }, (_, i) => ({ key: `o${i}`, value: bytes("") })),
    );
    const keys = Array.from({ length: 100_000 }, (_, i) => `k:${i}`);
    for (let i = 0; i < keys.length; i += 1000) {
      await backend.setMany(keys.slice(i, i + 1000).map((key) => ({ key, value: bytes("v") })));
    }
    await control.config("RESETSTAT");
    const seen = new Set<string>();
    for await (const entry of backend.list()) {
      expect(seen.has(entry.key), entry.key).toBe(false);
      seen.add(entry.key);
    }
    expect(seen.size).toBe(keys.length);
    expect([...seen].every((key) => key.startsWith("k:"))).toBe(true);
    const calls = await commandCalls(control);
    expect(calls.has("keys")).toBe(false);
    expect(calls.get("scan") ?? 0).toBeGreaterThan(1);
  }, 60_000);

  it("list() resumed from every 1000th cursor of a walk yields the rest of that walk", async () => {
    const backend = open();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    for (let i = 0; i < keys.length; i += 1000) {
      await backend.setMany(keys.slice(i, i + 1000).map((key) => ({ key, value: bytes("v") })));
    }
    const walk: { key: string; cursor: string }[] = [];
    for await (const entry of backend.list()) walk.push(entry);
    expect(walk).toHaveLength(keys.length);
    for (let i = 999; i < walk.length; i += 1000) {
      const rest: string[] = [];
      for await (const entry of backend.list({ cursor: (walk[i] as { cursor: string }).cursor })) {
        rest.push(entry.key);
      }
      expect(rest).toEqual(walk.slice(i + 1).map((entry) => entry.key));
    }
  }, 60_000);
});

describe("plugin, mode plain", () => {
  const registry = new PluginRegistry();
  registry.register(plugin);

  it("connect() opens mode plain from ?mode=plain, with its manifest", async () => {
    const backend = await connect(`${server.url}?keyspace=${randomUUID()}&mode=plain`, {
      registry,
    });
    opened.push(backend);
    expect(backend.manifest).toEqual(manifestFor("plain"));
    expect(backend.manifest.capabilities.watch).toBe(false);
    expect(backend.manifest.orderedList).toBe(false);
  });

  it('connect() with require: ["watch"] refuses mode plain with KVKIT_NOT_SUPPORTED', async () => {
    await expect(
      connect(`${server.url}?keyspace=${randomUUID()}&mode=plain`, {
        registry,
        require: ["watch"],
      }),
    ).rejects.toMatchObject({ code: "KVKIT_NOT_SUPPORTED" });
  });

  it("connect() rejects with KVKIT_INVALID_OPTION for an unknown mode", async () => {
    await expect(connect(`${server.url}?mode=fast`, { registry })).rejects.toMatchObject({
      code: "KVKIT_INVALID_OPTION",
    });
  });
});

describe("RedisBackend, mode plain: listing edge cases", () => {
  // Database 1: a listing walks every key of its database, and the tests above fill database 0.
  const openSmall = (keyspace = randomUUID(), prefix = ""): RedisBackend =>
    open(keyspace, prefix, 1);
  const control1 = new Redis(server.port, "127.0.0.1", { db: 1 });
  afterAll(() => control1.disconnect());

  // Every Redis glob metacharacter, bracket-only ones (^ - ]), NUL and non-ASCII bytes.
  const KEYS = [
    "a*b",
    "a*c",
    "axb",
    "a?b",
    "a[b]c",
    "a[b",
    "abc",
    "a\\b",
    "a\\\\b",
    "a\\*",
    "a^b",
    "a-b",
    "a]b",
    "a\0b",
    "a\0",
    "a",
    "é*",
    "é",
    "日本",
    "日*",
    "😀?",
    "[",
    "]",
    "\\",
    "*",
    "?",
  ];
  const PREFIXES = [
    ...new Set(KEYS.flatMap((key) => [...key].map((_, i) => [...key].slice(0, i + 1).join("")))),
  ];

  function startsWithBytes(key: string, prefix: string): boolean {
    return Buffer.from(key, "utf8")
      .subarray(0, Buffer.byteLength(prefix))
      .equals(Buffer.from(prefix, "utf8"));
  }

  async function keysOf(backend: RedisBackend, prefix: string): Promise<string[]> {
    const listed: string[] = [];
    for await (const entry of backend.list({ prefix })) listed.push(entry.key);
    return listed.sort();
  }

  it("list({ prefix }) treats every glob metacharacter, NUL and non-ASCII byte literally", async () => {
    for (const [keyspace, namespace] of [
      [randomUUID(), ""],
      [`*?[a-z]\\^${randomUUID()}`, "[ns*]?\\"],
    ] as const) {
      const backend = openSmall(keyspace, namespace);
      await backend.setMany(KEYS.map((key) => ({ key, value: bytes(key) })));
      // A neighbour the escaped pattern must not reach: same keyspace, a namespace one byte off.
      const neighbour = openSmall(keyspace, `${namespace}x`);
      await neighbour.set("a*b", bytes(""));
      for (const prefix of ["", ...PREFIXES]) {
        const expected = KEYS.filter((key) => startsWithBytes(key, prefix)).sort();
        if (prefix === "") expected.push("xa*b");
        expect(await keysOf(backend, prefix), JSON.stringify(prefix)).toEqual(expected.sort());
      }
    }
  });

  it("list() with prefix, start and end together yields exactly the keys within all three", async () => {
    const backend = openSmall();
    await backend.setMany(KEYS.map((key) => ({ key, value: bytes(key) })));
    const bounds = [undefined, "a", "a[", "a\\", "a]", "a^", "é", "日", "\0", "a\0"];
    const order = (x: string, y: string): number => Buffer.compare(Buffer.from(x), Buffer.from(y));
    for (const prefix of ["", "a", "a\\", "é"]) {
      for (const start of bounds) {
        for (const end of bounds) {
          const expected = KEYS.filter(
            (key) =>
              startsWithBytes(key, prefix) &&
              (start === undefined || order(key, start) >= 0) &&
              (end === undefined || order(key, end) < 0),
          ).sort();
          const listed: string[] = [];
          for await (const entry of backend.list({ prefix, start, end })) listed.push(entry.key);
          expect(listed.sort(), JSON.stringify({ prefix, start, end })).toEqual(expected);
        }
      }
    }
  });

  it("list() resumed after the keys listed so far were deleted yields every other key", async () => {
    // Database 3 holds only these keys, so a SCAN step spans several hundred of them.
    const backend = open(randomUUID(), "", 3);
    const keys = Array.from({ length: 3000 }, (_, i) => `k${i}`);
    for (let i = 0; i < keys.length; i += 1000) {
      await backend.setMany(keys.slice(i, i + 1000).map((key) => ({ key, value: bytes("v") })));
    }
    // Process and delete a page at a time, as a work queue does.
    const processed: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const entries: { key: string; cursor: string }[] = [];
      for await (const entry of backend.list({ limit: 100, cursor })) entries.push(entry);
      if (entries.length === 0) break;
      await backend.deleteMany(entries.map((entry) => entry.key));
      processed.push(...entries.map((entry) => entry.key));
      cursor = entries.at(-1)?.cursor;
    }
    expect(new Set(processed).size, "a key was processed twice").toBe(processed.length);
    expect(processed.sort()).toEqual([...keys].sort());
  });

  it("list() resumed after keys were written near the cursor skips none of the keys it had not yet listed", async () => {
    const backend = open(randomUUID(), "", 4);
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    for (let i = 0; i < keys.length; i += 1000) {
      await backend.setMany(keys.slice(i, i + 1000).map((key) => ({ key, value: bytes("v") })));
    }
    const listed: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const entries: { key: string; cursor: string }[] = [];
      for await (const entry of backend.list({ limit: 50, cursor })) entries.push(entry);
      if (entries.length === 0) break;
      listed.push(...entries.map((entry) => entry.key));
      cursor = entries.at(-1)?.cursor;
      // New keys between two pages change which buckets each SCAN step covers.
      const fresh = Array.from({ length: 30 }, (_, i) => `new${page}-${i}`);
      await backend.setMany(fresh.map((key) => ({ key, value: bytes("v") })));
    }
    // Every key present from start to end comes; a chain of resumes across such writes may
    // bring a few of them twice (README, "Two store modes").
    expect([...new Set(listed.filter((key) => key.startsWith("k")))].sort()).toEqual(
      [...keys].sort(),
    );
  });

  it("list() rejects with KVKIT_INVALID_CURSOR a cursor naming a SCAN cursor Redis cannot take", async () => {
    const backend = openSmall();
    await backend.set("k", bytes("v"));
    const codec = new ListCursor("", undefined, undefined, false);
    for (const position of [
      "18446744073709551616:",
      "99999999999999999999999999:",
      "-1:",
      "x:",
      "0:k",
      "0:AAAAAAAAAAAA",
    ]) {
      const listing = backend.list({ cursor: codec.encode(position) })[Symbol.asyncIterator]();
      await expect(listing.next(), position).rejects.toMatchObject({
        code: "KVKIT_INVALID_CURSOR",
      });
    }
    // The largest cursor Redis takes is still a cursor (it ends the walk or continues it).
    const largest = backend.list({ cursor: codec.encode("18446744073709551615:AAAAAAAAAAA") });
    for await (const _ of largest) {
      // any keys are fine; no error is the point
    }
  });

  it("list() skips names under the store's prefix that no kvkit key maps to (empty, not UTF-8)", async () => {
    const keyspace = randomUUID();
    const backend = openSmall(keyspace, "ns/");
    await backend.set("k", bytes("v"));
    const prefix = Buffer.from(`{${keyspace}}dns/`);
    await control1.set(prefix, "foreign, empty key");
    await control1.set(Buffer.concat([prefix, Buffer.from([0xff])]), "foreign, not UTF-8");
    await control1.set(Buffer.concat([prefix, Buffer.from("k"), Buffer.from([0xc3])]), "truncated");
    const listed: string[] = [];
    for await (const entry of backend.list()) listed.push(entry.key);
    expect(listed).toEqual(["k"]);
  });

  it("list() yields every unchanged key exactly once while the server grows and shrinks its table", async () => {
    // Database 2 holds only this test's keys, so its table resizes several times meanwhile.
    const backend = open(randomUUID(), "", 2);
    const churn = open(randomUUID(), "", 2);
    const db = new Redis(server.port, "127.0.0.1", { db: 2 });
    const stable = Array.from({ length: 5000 }, (_, i) => `s${i}`);
    for (let i = 0; i < stable.length; i += 1000) {
      await backend.setMany(stable.slice(i, i + 1000).map((key) => ({ key, value: bytes("v") })));
    }
    /** The size of database 2's main hash table, and whether it is rehashing. */
    const table = async (): Promise<{ size: number; rehashing: boolean }> => {
      const stats = String(await db.call("DEBUG", "HTSTATS", "2"));
      const size = /table size: (\d+)/.exec(stats)?.[1];
      return { size: Number(size), rehashing: stats.includes("Hash table 1 stats") };
    };
    try {
      for (const phase of ["grow", "shrink"] as const) {
        let batch = 0;
        const listed: string[] = [];
        for await (const entry of backend.list()) {
          listed.push(entry.key);
          if (listed.length % 250 !== 0) continue;
          if (phase === "grow") {
            // Every 250 keys listed, 4 000 other keys are written in between.
            for (let n = 0; n < 4; n++, batch++) {
              const keys = Array.from({ length: 1000 }, (_, j) => `c${batch * 1000 + j}`);
              await churn.setMany(keys.map((key) => ({ key, value: bytes("") })));
            }
          } else if (listed.length === 250) {
            // Once, early: delete them all and wait for the server to shrink its table.
            const before = await table();
            for (let b = 0; b < 80; b++) {
              await churn.deleteMany(Array.from({ length: 1000 }, (_, j) => `c${b * 1000 + j}`));
            }
            for (let wait = 0; wait < 500; wait++) {
              const now = await table();
              if (now.size < before.size && !now.rehashing) break;
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
            expect((await table()).size).toBeLessThan(before.size);
          }
        }
        expect(new Set(listed).size, `${phase}: a key was listed twice`).toBe(listed.length);
        expect(listed.sort(), phase).toEqual([...stable].sort());
        expect(await db.dbsize(), phase).toBe(phase === "grow" ? 85_000 : 5000);
      }
    } finally {
      db.disconnect();
    }
  }, 60_000);
});
