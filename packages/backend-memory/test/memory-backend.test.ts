import { randomUUID } from "node:crypto";
import { connect, PluginRegistry, type WatchEvent, type WatchStream } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { MemoryBackend, MemoryStore, plugin } from "../src/index.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function keys(iterable: AsyncIterable<{ key: string }>): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of iterable) found.push(entry.key);
  return found;
}

async function take(stream: WatchStream, count: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  while (events.length < count) {
    const result = await iterator.next();
    if (result.done) break;
    events.push(result.value);
  }
  return events;
}

function clock(start = 1_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("MemoryBackend", () => {
  it("constructor() shares one store between instances opened with the same name", async () => {
    const name = randomUUID();
    await using first = new MemoryBackend({ store: name });
    await using second = new MemoryBackend({ store: name });
    await first.set("k", bytes("v"));
    expect(await second.get("k")).toEqual(bytes("v"));
  });

  it("constructor() opens a private store when no store is given", async () => {
    await using first = new MemoryBackend();
    await using second = new MemoryBackend();
    await first.set("k", bytes("v"));
    expect(await second.has("k")).toBe(false);
  });

  it("constructor() shares a MemoryStore object passed to several instances", async () => {
    const store = new MemoryStore();
    await using first = new MemoryBackend({ store });
    await using second = new MemoryBackend({ store, prefix: "p/" });
    await second.set("k", bytes("v"));
    expect(await keys(first.list())).toEqual(["p/k"]);
  });

  it("constructor() throws a TypeError for a store that is neither a name nor a MemoryStore", () => {
    expect(() => new MemoryBackend({ store: 42 as unknown as string })).toThrow(TypeError);
  });

  it("MemoryStore.forget() makes the next instance with that name start empty", async () => {
    const name = randomUUID();
    await using before = new MemoryBackend({ store: name });
    await before.set("k", bytes("v"));
    expect(MemoryStore.forget(name)).toBe(true);
    await using after = new MemoryBackend({ store: name });
    expect(await after.has("k")).toBe(false);
    expect(await before.has("k")).toBe(true);
  });

  it("list() keeps instances with different prefixes apart on one store", async () => {
    const store = new MemoryStore();
    await using a = new MemoryBackend({ store, prefix: "a/" });
    await using b = new MemoryBackend({ store, prefix: "b/" });
    await a.set("x", bytes("1"));
    await b.set("y", bytes("2"));
    expect(await keys(a.list())).toEqual(["x"]);
    expect(await keys(b.list())).toEqual(["y"]);
    expect(await a.get("y")).toBeUndefined();
  });

  it("list() yields keys above U+FFFF after U+E000-U+FFFF keys (UTF-8 byte order)", async () => {
    await using kv = new MemoryBackend();
    for (const key of ["\u{1F600}", "\uFFFD", "\uE000", "z", "\u0000"])
      await kv.set(key, bytes(""));
    expect(await keys(kv.list())).toEqual(["\u0000", "z", "\uE000", "\uFFFD", "\u{1F600}"]);
    expect(await keys(kv.list({ reverse: true }))).toEqual([
      "\u{1F600}",
      "\uFFFD",
      "\uE000",
      "z",
      "\u0000",
    ]);
  });

  it("list() stays sorted across many inserts and deletes between listings", async () => {
    await using kv = new MemoryBackend();
    const expected = new Set<string>();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 300; i++) {
        const key = `k${(i * 7919 + round * 104729) % 1000}`;
        if (i % 3 === 0) {
          await kv.delete(key);
          expected.delete(key);
        } else {
          await kv.set(key, bytes(""));
          expected.add(key);
        }
      }
      expect(await keys(kv.list())).toEqual([...expected].sort());
    }
  });

  it("list() resumes strictly after a cursor, forwards and in reverse", async () => {
    await using kv = new MemoryBackend();
    for (const key of ["a", "b", "c", "d"]) await kv.set(key, bytes(""));
    const [first] = await collectEntries(kv.list({ limit: 1 }));
    expect(await keys(kv.list({ cursor: first?.cursor as string }))).toEqual(["b", "c", "d"]);
    const [last] = await collectEntries(kv.list({ limit: 1, reverse: true }));
    expect(await keys(kv.list({ reverse: true, cursor: last?.cursor as string }))).toEqual([
      "c",
      "b",
      "a",
    ]);
  });

  it("list() resumes after a cursor whose key was deleted meanwhile", async () => {
    await using kv = new MemoryBackend();
    for (const key of ["a", "b", "c"]) await kv.set(key, bytes(""));
    const [first] = await collectEntries(kv.list({ limit: 1 }));
    await kv.delete("a");
    expect(await keys(kv.list({ cursor: first?.cursor as string }))).toEqual(["b", "c"]);
  });

  it("list() rejects with KVKIT_INVALID_CURSOR for a cursor made with other options", async () => {
    await using kv = new MemoryBackend();
    await kv.set("a", bytes(""));
    const [first] = await collectEntries(kv.list());
    await expect(
      keys(kv.list({ prefix: "a", cursor: first?.cursor as string })),
    ).rejects.toMatchObject({
      code: "KVKIT_INVALID_CURSOR",
    });
    await expect(keys(kv.list({ cursor: "garbage" }))).rejects.toMatchObject({
      code: "KVKIT_INVALID_CURSOR",
    });
  });

  it("get() treats a key as missing once the injected clock passes its expiry", async () => {
    const time = clock();
    await using kv = new MemoryBackend({ clock: time.now });
    await kv.set("k", bytes("v"), { ttlMs: 10 });
    expect(await kv.expiresAt("k")).toBe(1_010);
    time.advance(9);
    expect(await kv.get("k")).toEqual(bytes("v"));
    time.advance(1);
    expect(await kv.get("k")).toBeUndefined();
    expect(await keys(kv.list())).toEqual([]);
    expect(await kv.delete("k")).toBe(false);
  });

  it("set() rejects with KVKIT_INVALID_OPTION for a ttlMs that is not a positive integer", async () => {
    await using kv = new MemoryBackend();
    for (const ttlMs of [0, -1, 1.5, Number.NaN]) {
      await expect(kv.set("k", bytes(""), { ttlMs })).rejects.toMatchObject({
        code: "KVKIT_INVALID_OPTION",
      });
    }
  });

  it("compareAndSet() never accepts a version from before a delete and re-create", async () => {
    await using kv = new MemoryBackend();
    const first = await kv.compareAndSet("k", null, bytes("1"));
    await kv.delete("k");
    const second = await kv.compareAndSet("k", null, bytes("2"));
    expect(second).not.toBe(first);
    await expect(kv.compareAndSet("k", first, bytes("3"))).rejects.toMatchObject({
      code: "KVKIT_CONFLICT",
      keys: ["k"],
    });
  });

  it("commit() rejects listing every failed check and writes nothing", async () => {
    await using kv = new MemoryBackend();
    await kv.set("a", bytes("1"));
    const b = await kv.compareAndSet("b", null, bytes("1"));
    await expect(
      kv.commit({
        checks: [
          { key: "a", version: null },
          { key: "b", version: b },
          { key: "c", version: "123" },
        ],
        set: [{ key: "x", value: bytes("x") }],
        delete: ["b"],
      }),
    ).rejects.toMatchObject({ code: "KVKIT_CONFLICT", keys: ["a", "c"] });
    expect(await kv.has("x")).toBe(false);
    expect(await kv.has("b")).toBe(true);
  });

  it("watch() delivers writes made through another instance on the same store", async () => {
    const store = new MemoryStore();
    await using watcher = new MemoryBackend({ store, prefix: "ns/" });
    await using writer = new MemoryBackend({ store });
    await using stream = await watcher.watch({ prefix: "a" });
    await writer.set("ns/ab", bytes("1"));
    await writer.set("other", bytes("1"));
    await writer.delete("ns/missing");
    await writer.delete("ns/ab");
    const events = await take(stream, 2);
    expect(events.map((event) => [event.type, "key" in event ? event.key : ""])).toEqual([
      ["set", "ab"],
      ["delete", "ab"],
    ]);
  });

  it("watch() replaces an overflowing buffer with one gap event", async () => {
    await using kv = new MemoryBackend();
    await using stream = await kv.watch({ bufferSize: 2 });
    for (const key of ["a", "b", "c", "d", "e"]) await kv.set(key, bytes(""));
    const events = await take(stream, 2);
    expect(events[0]).toMatchObject({ type: "gap", reason: "overflow" });
    expect(events[1]).toMatchObject({ type: "set", key: "e" });
  });

  it("watch() resumes after an event's cursor with the writes that followed it", async () => {
    await using kv = new MemoryBackend();
    const first = await kv.watch();
    await kv.set("a", bytes(""));
    const [event] = await take(first, 1);
    await first.close();
    await kv.set("b", bytes(""));
    await kv.delete("a");
    await using resumed = await kv.watch({ cursor: event?.cursor as string });
    const events = await take(resumed, 2);
    expect(events).toMatchObject([
      { type: "set", key: "b" },
      { type: "delete", key: "a" },
    ]);
  });

  it("watch() starts with a cursor-expired gap when the cursor is older than the change log", async () => {
    const store = new MemoryStore({ changeLogSize: 2 });
    await using kv = new MemoryBackend({ store });
    const first = await kv.watch();
    await kv.set("a", bytes(""));
    const [event] = await take(first, 1);
    await first.close();
    for (const key of ["b", "c", "d", "e", "f"]) await kv.set(key, bytes(""));
    await using resumed = await kv.watch({ cursor: event?.cursor as string });
    await kv.set("g", bytes(""));
    expect(await take(resumed, 2)).toMatchObject([
      { type: "gap", reason: "cursor-expired" },
      { type: "set", key: "g" },
    ]);
  });

  it("close() ends open watch streams normally", async () => {
    const kv = new MemoryBackend();
    const stream = await kv.watch();
    const pending = take(stream, 1);
    await kv.close();
    expect(await pending).toEqual([]);
    await expect(kv.get("k")).rejects.toMatchObject({ code: "KVKIT_CLOSED" });
  });

  it("health() resolves unavailable instead of rejecting after close()", async () => {
    const kv = new MemoryBackend();
    await kv.close();
    expect(await kv.health()).toMatchObject({ status: "unavailable" });
  });
});

describe("plugin", () => {
  it("optionsFromUrl() takes the store name from a memory:// URL", () => {
    expect(plugin.optionsFromUrl(new URL("memory://sessions"))).toEqual({ store: "sessions" });
    expect(plugin.optionsFromUrl(new URL("memory://"))).toEqual({});
  });

  it("connect() opens the named store with the prefix from the query", async () => {
    const registry = new PluginRegistry();
    registry.register(plugin);
    const name = randomUUID();
    await using direct = new MemoryBackend({ store: name });
    await using kv = await connect(`memory://${name}?prefix=app/`, { registry });
    await kv.set("k", bytes("v"));
    expect(await direct.get("app/k")).toEqual(bytes("v"));
  });
});

async function collectEntries<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const entry of iterable) found.push(entry);
  return found;
}
