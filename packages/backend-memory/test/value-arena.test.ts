import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../src/index.ts";
import type { StoredValue } from "../src/stored-value.ts";
import { ValueArena } from "../src/value-arena.ts";

function bytesOf(seed: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 31 + i) & 0xff);
}

describe("ValueArena", () => {
  it("copy() returns a private copy: changing the source afterwards changes nothing", () => {
    const arena = new ValueArena(() => {});
    const source = bytesOf(1, 100);
    const value = arena.copy("k", source, 1, Number.POSITIVE_INFINITY);
    source.fill(0);
    expect([...value]).toEqual([...bytesOf(1, 100)]);
  });

  it("release() moves the survivors of a chunk that falls below a quarter full", () => {
    const moved: string[] = [];
    const arena = new ValueArena((key) => moved.push(key));
    const values = new Map<string, StoredValue>();
    // 100-byte values take 104 bytes each: the first 64 KiB chunk holds k0-k629. It is
    // compacted once fewer than 16 KiB (163 values) of it are live.
    for (let i = 0; i < 1300; i++) values.set(`k${i}`, arena.copy(`k${i}`, bytesOf(i, 100), i, 0));
    for (let i = 0; i < 466; i++) arena.release(values.get(`k${i}`) as StoredValue);
    expect(moved).toEqual([]);
    arena.release(values.get("k466") as StoredValue);
    expect(moved).toEqual(Array.from({ length: 163 }, (_, i) => `k${467 + i}`));
  });

  it("release() leaves values outside chunks (small or large) alone", () => {
    const moved: string[] = [];
    const arena = new ValueArena((key) => moved.push(key));
    const small = arena.copy("s", bytesOf(1, 64), 1, 0);
    const large = arena.copy("l", bytesOf(2, 4096), 2, 0);
    arena.release(small);
    arena.release(large);
    expect(moved).toEqual([]);
  });
});

describe("MemoryBackend value storage", () => {
  it("get() returns every value intact after heavy overwriting compacts the chunks", async () => {
    await using kv = new MemoryBackend();
    const expected = new Map<string, number>();
    let state = 12345;
    for (let step = 0; step < 20_000; step++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const key = `k${state % 2000}`;
      const length = 65 + (state % 300);
      await kv.set(key, bytesOf(step, length));
      expected.set(key, step);
    }
    for (const [key, step] of expected) {
      const value = await kv.get(key);
      expect(value?.length, key).toBeGreaterThan(64);
      expect(value, key).toEqual(bytesOf(step, value?.length ?? 0));
    }
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
