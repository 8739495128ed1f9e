import { readdirSync } from "node:fs";
import { compareKeys } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

const root = temporaryRoot("kvkit-file-resources-");

function openDescriptors(): number {
  return readdirSync("/proc/self/fd").length;
}

describe("resource limits", () => {
  it("set() completes 10,000 concurrent durable writes without EMFILE", async () => {
    await using backend = new FileBackend({ directory: root.at("concurrent") });
    const before = openDescriptors();
    const results = await Promise.allSettled(
      Array.from({ length: 10_000 }, (_, i) => backend.set(`k/${i}`, new Uint8Array([i & 0xff]))),
    );
    expect(results.filter((result) => result.status === "rejected")).toEqual([]);
    expect(openDescriptors() - before).toBeLessThanOrEqual(5);
    expect(await backend.get("k/9999")).toEqual(new Uint8Array([9999 & 0xff]));
  }, 60_000);

  it("close() releases every descriptor: 10,000 open/close cycles leak none", async () => {
    const directory = root.at("cycles");
    const warmUp = new FileBackend({ directory });
    await warmUp.set("k", new Uint8Array([1]));
    await warmUp.close();
    const before = openDescriptors();
    for (let i = 0; i < 10_000; i++) {
      const backend = new FileBackend({ directory });
      await backend.get("k");
      await backend.close();
    }
    expect(Math.abs(openDescriptors() - before)).toBeLessThanOrEqual(5);
  }, 120_000);

  it("list() streams 100,000 keys in order with bounded memory", async () => {
    await using backend = new FileBackend({ directory: root.at("list"), durability: "process" });
    const total = 100_000;
    for (let at = 0; at < total; at += 1000) {
      await backend.setMany(
        Array.from({ length: 1000 }, (_, i) => ({
          // Written out of order, so the listing has to sort.
          key: `key/${String(((at + i) * 7919) % total).padStart(6, "0")}`,
          value: new Uint8Array(8),
        })),
      );
    }
    // Warm the sorted index once, then measure what a listing itself holds on to.
    for await (const _ of backend.list({ limit: 1 })) break;
    const start = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let previous: string | undefined;
    for await (const entry of backend.list()) {
      if (previous !== undefined) expect(compareKeys(previous, entry.key)).toBeLessThan(0);
      previous = entry.key;
      count++;
      if (count % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - start);
    }
    expect(count).toBe(total);
    expect(peak, "heap growth while listing").toBeLessThan(50 * 1024 * 1024);
  }, 120_000);
});
