import type { Backend, BatchCapability } from "@kvkit/spec";
import { requireCapability } from "@kvkit/spec";
import { expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import type { SuiteContext } from "../suite-context.ts";
import { writeWithAborts } from "../traits/abort-mid-flight.ts";
import { listKeys } from "../traits/list-keys.ts";
import { tooLarge } from "../traits/too-large.ts";

type BatchBackend = Backend & BatchCapability;

/** `getMany`, `setMany`, `deleteMany`: shape, duplicates, validation, limits, atomicity. */
export function batchCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const { maxBatchSize, maxValueBytes } = suite.manifest.limits;
  const atomic = suite.manifest.atomicBatch;
  /** What a batch one entry over the limit is refused with. */
  const batchTooLarge = tooLarge("batch", maxBatchSize + 1, maxBatchSize);

  async function open(): Promise<BatchBackend> {
    const { backend } = await suite.open();
    return requireCapability(backend, "batch");
  }

  it(
    "getMany() resolves values in input order with undefined for missing keys",
    async () => {
      const backend = await open();
      await backend.set("a", bytes("1"));
      await backend.set("c", bytes("3"));
      expect(await backend.getMany(["c", "missing", "a", "b"])).toEqual([
        bytes("3"),
        undefined,
        bytes("1"),
        undefined,
      ]);
    },
    t,
  );

  it(
    "getMany() resolves a value for each occurrence of a duplicated key",
    async () => {
      const backend = await open();
      await backend.set("a", bytes("1"));
      const values = await backend.getMany(["a", "x", "a"]);
      expect(values).toEqual([bytes("1"), undefined, bytes("1")]);
      values[0]?.fill(0);
      expect(values[2]).toEqual(bytes("1"));
    },
    t,
  );

  it(
    "getMany() of no keys resolves an empty array",
    async () => {
      const backend = await open();
      expect(await backend.getMany([])).toEqual([]);
    },
    t,
  );

  it(
    "getMany() returns plain Uint8Array copies: mutating them changes nothing stored",
    async () => {
      const backend = await open();
      await backend.set("a", Buffer.from("orig"));
      const [value] = await backend.getMany(["a"]);
      expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
      value?.fill(0x21);
      expect(await backend.get("a")).toEqual(bytes("orig"));
    },
    t,
  );

  it(
    "setMany() stores every entry",
    async () => {
      const backend = await open();
      await backend.setMany([
        { key: "a", value: bytes("1") },
        { key: "b", value: bytes("2") },
        { key: "c", value: new Uint8Array(0) },
      ]);
      expect(await backend.getMany(["a", "b", "c"])).toEqual([
        bytes("1"),
        bytes("2"),
        new Uint8Array(0),
      ]);
    },
    t,
  );

  it(
    "setMany() keeps the last entry when a key appears more than once",
    async () => {
      const backend = await open();
      await backend.setMany([
        { key: "a", value: bytes("first") },
        { key: "b", value: bytes("2") },
        { key: "a", value: bytes("last") },
      ]);
      expect(await backend.get("a")).toEqual(bytes("last"));
      expect((await listKeys(backend)).sort()).toEqual(["a", "b"]);
    },
    t,
  );

  it(
    "setMany() stores copies: mutating the inputs afterwards changes nothing",
    async () => {
      const backend = await open();
      const value = bytes("orig");
      await backend.setMany([{ key: "a", value }]);
      value.fill(0x21);
      expect(await backend.get("a")).toEqual(bytes("orig"));
    },
    t,
  );

  it(
    "setMany() of no entries resolves and stores nothing",
    async () => {
      const backend = await open();
      await expect(backend.setMany([])).resolves.toBeUndefined();
      expect(await listKeys(backend)).toEqual([]);
    },
    t,
  );

  it(
    "deleteMany() resolves the number of distinct keys that existed and removes them",
    async () => {
      const backend = await open();
      await backend.setMany([
        { key: "a", value: bytes("1") },
        { key: "b", value: bytes("2") },
        { key: "c", value: bytes("3") },
      ]);
      expect(await backend.deleteMany(["a", "missing", "a", "b"])).toBe(2);
      expect(await listKeys(backend)).toEqual(["c"]);
    },
    t,
  );

  it(
    "deleteMany() of no keys resolves 0",
    async () => {
      const backend = await open();
      await backend.set("a", bytes("1"));
      expect(await backend.deleteMany([])).toBe(0);
      expect(await backend.has("a")).toBe(true);
    },
    t,
  );

  it(
    "deleteMany() of only missing keys resolves 0",
    async () => {
      const backend = await open();
      expect(await backend.deleteMany(["x", "y"])).toBe(0);
    },
    t,
  );

  it(
    "setMany() rejects KVKIT_INVALID_KEY for one invalid key and writes nothing",
    async () => {
      const backend = await open();
      await expect(
        backend.setMany([
          { key: "a", value: bytes("1") },
          { key: "", value: bytes("2") },
          { key: "c", value: bytes("3") },
        ]),
      ).rejects.toMatchObject({ code: "KVKIT_INVALID_KEY" });
      expect(await listKeys(backend)).toEqual([]);
    },
    t,
  );

  it(
    "setMany() rejects KVKIT_INVALID_KEY for a lone surrogate in its last entry and writes nothing",
    async () => {
      const backend = await open();
      await backend.set("a", bytes("before"));
      await expect(
        backend.setMany([
          { key: "a", value: bytes("after") },
          { key: "b", value: bytes("2") },
          { key: "\ud800", value: bytes("3") },
        ]),
      ).rejects.toMatchObject({ code: "KVKIT_INVALID_KEY" });
      expect(await backend.get("a")).toEqual(bytes("before"));
      expect(await backend.has("b")).toBe(false);
    },
    t,
  );

  it(
    "setMany() rejects with a TypeError for one non-Uint8Array value and writes nothing",
    async () => {
      const backend = await open();
      const error = await backend
        .setMany([
          { key: "a", value: bytes("1") },
          { key: "b", value: "2" as unknown as Uint8Array },
        ])
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      expect(error).toBeInstanceOf(TypeError);
      expect(await listKeys(backend)).toEqual([]);
    },
    t,
  );

  it.skipIf(maxValueBytes > 64 * 1024 * 1024)(
    "setMany() rejects KVKIT_TOO_LARGE for one oversized value and writes nothing",
    async () => {
      const backend = await open();
      await expect(
        backend.setMany([
          { key: "a", value: bytes("1") },
          { key: "b", value: new Uint8Array(maxValueBytes + 1) },
        ]),
      ).rejects.toMatchObject(tooLarge("value", maxValueBytes + 1, maxValueBytes));
      expect(await listKeys(backend)).toEqual([]);
    },
    t,
  );

  it(
    "getMany() rejects KVKIT_INVALID_KEY when one key is invalid",
    async () => {
      const backend = await open();
      await expect(backend.getMany(["a", ""])).rejects.toMatchObject({ code: "KVKIT_INVALID_KEY" });
    },
    t,
  );

  it(
    "deleteMany() rejects KVKIT_INVALID_KEY for one invalid key and deletes nothing",
    async () => {
      const backend = await open();
      await backend.setMany([
        { key: "a", value: bytes("1") },
        { key: "b", value: bytes("2") },
      ]);
      await expect(backend.deleteMany(["a", "b", "\udfff"])).rejects.toMatchObject({
        code: "KVKIT_INVALID_KEY",
      });
      expect((await listKeys(backend)).sort()).toEqual(["a", "b"]);
    },
    t,
  );

  it(
    "getMany(), setMany() and deleteMany() reject with a TypeError for a non-array",
    async () => {
      const backend = await open();
      for (const call of [
        () => backend.getMany("a" as unknown as string[]),
        () => backend.setMany({ key: "a", value: bytes("1") } as unknown as []),
        () => backend.deleteMany(undefined as unknown as string[]),
      ]) {
        const error = await call().then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(TypeError);
      }
    },
    t,
  );

  const overLimit = maxBatchSize <= 100_000;
  it.skipIf(!overLimit)(
    "setMany() accepts exactly maxBatchSize entries",
    async () => {
      const backend = await open();
      const entries = Array.from({ length: maxBatchSize }, (_, i) => ({
        key: `k${i}`,
        value: bytes("v"),
      }));
      await backend.setMany(entries);
      expect(await backend.has(`k${maxBatchSize - 1}`)).toBe(true);
    },
    t,
  );

  it.skipIf(!overLimit)(
    "setMany() rejects KVKIT_TOO_LARGE for maxBatchSize + 1 entries and writes nothing",
    async () => {
      const backend = await open();
      const entries = Array.from({ length: maxBatchSize + 1 }, (_, i) => ({
        key: `k${i}`,
        value: bytes("v"),
      }));
      await expect(backend.setMany(entries)).rejects.toMatchObject(batchTooLarge);
      expect(await listKeys(backend, { limit: 1 })).toEqual([]);
    },
    t,
  );

  it.skipIf(!overLimit)(
    "getMany() rejects KVKIT_TOO_LARGE for maxBatchSize + 1 keys",
    async () => {
      const backend = await open();
      const keys = Array.from({ length: maxBatchSize + 1 }, (_, i) => `k${i}`);
      await expect(backend.getMany(keys)).rejects.toMatchObject(batchTooLarge);
    },
    t,
  );

  it.skipIf(!overLimit)(
    "deleteMany() rejects KVKIT_TOO_LARGE for maxBatchSize + 1 keys and deletes nothing",
    async () => {
      const backend = await open();
      await backend.set("k0", bytes("v"));
      const keys = Array.from({ length: maxBatchSize + 1 }, (_, i) => `k${i}`);
      await expect(backend.deleteMany(keys)).rejects.toMatchObject(batchTooLarge);
      expect(await backend.has("k0")).toBe(true);
    },
    t,
  );

  it(
    "setMany() stores nothing when its signal has already fired",
    async () => {
      const backend = await open();
      const controller = new AbortController();
      controller.abort(new Error("stop"));
      await expect(
        backend.setMany([{ key: "a", value: bytes("1") }], { signal: controller.signal }),
      ).rejects.toMatchObject({ code: "KVKIT_ABORTED" });
      expect(await listKeys(backend)).toEqual([]);
    },
    t,
  );

  it(
    "setMany() whose signal fires mid-flight rejects with KVKIT_ABORTED only when it stored nothing",
    async () => {
      const backend = await open();
      const entries = (i: number) =>
        [0, 1, 2].map((j) => ({ key: `abort-${i}/${j}`, value: bytes(`v${i}`) }));
      const outcomes = await writeWithAborts((i, signal) =>
        backend.setMany(entries(i), { signal }),
      );
      const wrong: string[] = [];
      for (const [i, outcome] of outcomes.entries()) {
        const stored = await backend.getMany(entries(i).map((entry) => entry.key));
        const count = stored.filter((value) => value !== undefined).length;
        if (outcome === "applied" && count !== 3)
          wrong.push(`${i}: resolved, ${count} of 3 stored`);
        if (outcome === "aborted" && count !== 0)
          wrong.push(`${i}: KVKIT_ABORTED, ${count} stored`);
      }
      expect(wrong).toEqual([]);
    },
    t,
  );

  it.skipIf(!atomic)(
    "setMany() is all-or-nothing: concurrent readers never see part of a batch",
    async () => {
      const backend = await open();
      const keys = Array.from({ length: 10 }, (_, i) => `atomic/${i}`);
      const rounds = 50;
      let writing = true;
      const observed: string[] = [];
      const reader = (async () => {
        while (writing) {
          const values = await backend.getMany(keys);
          const distinct = new Set(
            values.map((value) => (value === undefined ? "-" : Buffer.from(value).toString())),
          );
          if (distinct.size > 1) observed.push([...distinct].join(","));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      for (let round = 0; round < rounds; round++) {
        await backend.setMany(keys.map((key) => ({ key, value: bytes(`round ${round}`) })));
        await new Promise((resolve) => setImmediate(resolve));
      }
      writing = false;
      await reader;
      expect(observed, "mixed batches seen by getMany()").toEqual([]);
    },
    t,
  );

  it.skipIf(!atomic)(
    "deleteMany() is all-or-nothing: concurrent readers never see part of it",
    async () => {
      const backend = await open();
      const keys = Array.from({ length: 10 }, (_, i) => `atomic/${i}`);
      const mixed: number[] = [];
      for (let round = 0; round < 20; round++) {
        await backend.setMany(keys.map((key) => ({ key, value: bytes("v") })));
        const reads = Array.from({ length: 5 }, () => backend.getMany(keys));
        const deleting = backend.deleteMany(keys);
        const more = Array.from({ length: 5 }, () => backend.getMany(keys));
        for (const values of await Promise.all([...reads, ...more])) {
          const present = values.filter((value) => value !== undefined).length;
          if (present !== 0 && present !== keys.length) mixed.push(present);
        }
        expect(await deleting).toBe(keys.length);
      }
      expect(mixed, "partial deletes seen by getMany()").toEqual([]);
    },
    t,
  );
}
