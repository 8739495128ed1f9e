import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../src/index.ts";
import { TOMBSTONE, ValueHeap } from "../src/value-heap.ts";

function bytesOf(seed: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 31 + i) & 0xff);
}

/** A heap with its map, storing like MemoryStore does: re-point first, then release. */
function heapWithMap() {
  const keys = new Map<string, number>();
  const heap = new ValueHeap(keys);
  return {
    keys,
    heap,
    store(key: string, value: Uint8Array, version = 1): void {
      const old = keys.get(key);
      keys.set(key, heap.allocate(key, value, version, Number.POSITIVE_INFINITY));
      if (old !== undefined && old !== TOMBSTONE) heap.release(old);
    },
    remove(key: string): void {
      const old = keys.get(key) as number;
      keys.set(key, TOMBSTONE);
      heap.release(old);
    },
    value(key: string): Uint8Array {
      return heap.read(keys.get(key) as number);
    },
  };
}

describe("ValueHeap", () => {
  it("allocate() keeps a private copy: changing the source afterwards changes nothing", () => {
    const { store, value } = heapWithMap();
    const source = bytesOf(1, 100);
    store("k", source);
    source.fill(0);
    expect(value("k")).toEqual(bytesOf(1, 100));
  });

  it("read() returns a new copy each time, with version and expiry kept apart", () => {
    const { heap } = heapWithMap();
    const handle = heap.allocate("k", bytesOf(2, 10), 7, 1234);
    const first = heap.read(handle);
    first.fill(0);
    expect(heap.read(handle)).toEqual(bytesOf(2, 10));
    expect(heap.version(handle)).toBe(7);
    expect(heap.expiresAt(handle)).toBe(1234);
  });

  it("overwrite() replaces a value of the same length in place and refuses another length", () => {
    const { heap } = heapWithMap();
    const handle = heap.allocate("k", bytesOf(3, 50), 1, Number.POSITIVE_INFINITY);
    expect(heap.overwrite(handle, bytesOf(4, 50), 2, 99)).toBe(true);
    expect(heap.read(handle)).toEqual(bytesOf(4, 50));
    expect(heap.version(handle)).toBe(2);
    expect(heap.overwrite(handle, bytesOf(5, 51), 3, 99)).toBe(false);
    expect(heap.read(handle)).toEqual(bytesOf(4, 50));
  });

  it("release() moves the live records of a chunk below a quarter full and re-points their keys", () => {
    const { keys, store, remove, value } = heapWithMap();
    // 100-byte values take 128-byte records: 512 per 64 KiB chunk. The first chunk is
    // compacted once fewer than 128 of its records are live.
    for (let i = 0; i < 1100; i++) store(`k${i}`, bytesOf(i, 100));
    const before = keys.get("k500");
    for (let i = 0; i < 384; i++) remove(`k${i}`);
    expect(keys.get("k500")).toBe(before);
    remove("k384");
    expect(keys.get("k500")).not.toBe(before);
    for (let i = 385; i < 1100; i++) expect(value(`k${i}`), `k${i}`).toEqual(bytesOf(i, 100));
  });

  it("allocate() gives a value larger than a chunk a chunk of its own", () => {
    const { store, value } = heapWithMap();
    const large = bytesOf(6, 200_000);
    store("large", large);
    store("small", bytesOf(7, 10));
    expect(value("large")).toEqual(large);
    expect(value("small")).toEqual(bytesOf(7, 10));
  });
});

describe("MemoryBackend value storage", () => {
  it("get() returns every value intact after heavy overwriting with changing sizes", async () => {
    await using kv = new MemoryBackend();
    const expected = new Map<string, Uint8Array>();
    let state = 12345;
    for (let step = 0; step < 20_000; step++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const key = `k${state % 2000}`;
      const value = bytesOf(step, state % 3 === 0 ? 0 : 1 + (state % 700));
      if (state % 11 === 0) {
        await kv.delete(key);
        expected.delete(key);
      } else {
        await kv.set(key, value);
        expected.set(key, value);
      }
    }
    for (const [key, value] of expected) expect(await kv.get(key), key).toEqual(value);
    expect((await kv.getMany([...expected.keys()])).length).toBe(expected.size);
  });

  it("get() returns a plain Uint8Array that owns its bytes", async () => {
    await using kv = new MemoryBackend();
    await kv.set("k", bytesOf(3, 100));
    const first = (await kv.get("k")) as Uint8Array;
    const second = (await kv.get("k")) as Uint8Array;
    expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype);
    first.fill(0);
    expect(second).toEqual(bytesOf(3, 100));
    expect(await kv.get("k")).toEqual(bytesOf(3, 100));
  });
});
