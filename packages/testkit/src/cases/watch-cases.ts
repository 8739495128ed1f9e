import {
  type AtomicWriteCapability,
  type Backend,
  type BatchCapability,
  hasCapability,
  type WatchCapability,
  type WatchEvent,
  type WatchOptions,
  type WatchStream,
} from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import type { SuiteContext } from "../suite-context.ts";
import { abortedSignal } from "../traits/aborted-signal.ts";
import { expiryTiming } from "../traits/expiry-timing.ts";
import { listKeys } from "../traits/list-keys.ts";
import { tooLarge } from "../traits/too-large.ts";

type WatchBackend = Backend & WatchCapability;

/**
 * The longest an expected event may take to arrive: a fifth of the per-test timeout, at most
 * 2 s. A missing event fails the test after this instead of hanging it.
 */
function eventTimeout(suite: SuiteContext): number {
  return Math.min(2_000, Math.max(100, Math.floor(suite.timeoutMs / 5)));
}
/** How long a stream must stay silent to count as "no further event". */
const QUIET_MS = 30;

/**
 * The watch capability: every write after `watch()` resolved is delivered, per-key order under
 * a burst, no event for a write that did not happen (nor for a key that expires), exact
 * byte-prefix filtering, gaps signalled on overflow, resume from a cursor, convergence of a
 * mirror after quiescence, delivery across instances, and streams that end normally on close,
 * break and backend close.
 */
export function watchCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const manifest = suite.manifest;
  const declared = manifest.capabilities;
  // Another instance writes to the same store only when the store is shared; `watchReach`
  // (in-process or cross-process) is then satisfied by an instance in this process either way.
  const crossInstance = manifest.sharedStore;
  const waitMs = eventTimeout(suite);
  const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
    settleWithin(promise, waitMs, what);
  const { ttlMs, expireWait } = expiryTiming(suite);

  async function open(): Promise<{
    backend: WatchBackend;
    openAnother(): Promise<Backend>;
    elapse(ms: number): Promise<void>;
  }> {
    const { backend, openAnother, elapse } = await suite.open();
    return { backend: watchable(backend), openAnother, elapse };
  }

  /** Opens a watch and a reader; the stream is closed when the test ends (with the store). */
  async function watchOn(backend: WatchBackend, options: WatchOptions = {}): Promise<EventReader> {
    return new EventReader(await backend.watch(options), waitMs);
  }

  describe("delivery", () => {
    it(
      "watch() delivers a set of a new key",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend);
        await backend.set("k", bytes("v"));
        expect(await reader.next()).toMatchObject({ type: "set", key: "k" });
      },
      t,
    );

    it(
      "watch() delivers an overwrite and a delete of an existing key, in order",
      async () => {
        const { backend } = await open();
        await backend.set("k", bytes("1"));
        const reader = await watchOn(backend);
        await backend.set("k", bytes("2"));
        expect(await backend.delete("k")).toBe(true);
        await backend.set("k", bytes("3"));
        expect(types(await reader.take(3))).toEqual(["set k", "delete k", "set k"]);
      },
      t,
    );

    it(
      "watch() delivers writes that happen in the same tick as it resolves",
      async () => {
        const { backend } = await open();
        const stream = await backend.watch();
        const writes = backend.set("k", bytes("v"));
        const reader = new EventReader(stream, waitMs);
        await writes;
        expect(await reader.next()).toMatchObject({ type: "set", key: "k" });
      },
      t,
    );

    it(
      "watch() delivers nothing written before it resolved",
      async () => {
        const { backend } = await open();
        await backend.set("before", bytes("v"));
        await backend.delete("before");
        await backend.set("before", bytes("again"));
        const reader = await watchOn(backend);
        await backend.set("after", bytes("v"));
        expect(types(await reader.take(1))).toEqual(["set after"]);
        expect(await reader.quiet()).toBeUndefined();
      },
      t,
    );

    it.skipIf(!declared.atomicWrite)(
      "watch() events carry the version the write produced",
      async () => {
        const { backend } = await open();
        const atomic = backend as WatchBackend & AtomicWriteCapability;
        const reader = await watchOn(backend);
        const created = await atomic.compareAndSet("k", null, bytes("1"));
        await backend.set("k", bytes("2"));
        const afterSet = (await atomic.getVersioned("k"))?.version;
        const events = await reader.take(2);
        expect(events.map((event) => "version" in event && event.version)).toEqual([
          created,
          afterSet,
        ]);
      },
      t,
    );

    it.skipIf(!declared.atomicWrite)(
      "watch() delivers a successful compareAndSet and every set and delete of a commit",
      async () => {
        const { backend } = await open();
        const atomic = backend as WatchBackend & AtomicWriteCapability;
        await backend.set("gone", bytes("g"));
        const reader = await watchOn(backend);
        await atomic.compareAndSet("c", null, bytes("c"));
        await atomic.commit({
          set: [
            { key: "a", value: bytes("1") },
            { key: "b", value: bytes("2") },
          ],
          delete: ["gone", "never-existed"],
        });
        const events = await reader.take(4);
        expect(types(events).sort()).toEqual(["delete gone", "set a", "set b", "set c"]);
        expect(
          await reader.quiet(),
          "an event for a commit's delete of a missing key",
        ).toBeUndefined();
      },
      t,
    );

    it.skipIf(!declared.batch)(
      "watch() delivers every key of setMany and every existing key of deleteMany",
      async () => {
        const { backend } = await open();
        const batch = backend as WatchBackend & BatchCapability;
        const reader = await watchOn(backend);
        await batch.setMany([
          { key: "a", value: bytes("1") },
          { key: "b", value: bytes("2") },
          { key: "c", value: bytes("3") },
        ]);
        expect(await batch.deleteMany(["a", "c", "missing"])).toBe(2);
        const events = await reader.take(5);
        expect(byKey(events)).toEqual({ a: ["set", "delete"], b: ["set"], c: ["set", "delete"] });
        expect(await reader.quiet(), "an event for deleteMany of a missing key").toBeUndefined();
      },
      t,
    );

    it(
      "watch() keeps per-key order under a burst of concurrent writers",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend, { bufferSize: 1024 });
        const keys = ["x", "y", "z", "x/1"];
        const expected = new Map<string, string[]>();
        await Promise.all(
          keys.map(async (key) => {
            const sequence: string[] = [];
            expected.set(key, sequence);
            for (let i = 0; i < 60; i++) {
              // set, set, delete, repeated: every delete finds the key.
              if (i % 3 === 2) {
                await backend.delete(key);
                sequence.push("delete");
              } else {
                await backend.set(key, bytes(`${key}.${i}`));
                sequence.push("set");
              }
            }
          }),
        );
        const events = await reader.take(keys.length * 60);
        for (const key of keys) {
          expect(
            events.filter((event) => event.type !== "gap" && event.key === key).map((e) => e.type),
            `events of ${JSON.stringify(key)}`,
          ).toEqual(expected.get(key));
        }
        expect(await reader.quiet()).toBeUndefined();
      },
      t,
    );

    it(
      "watch() streams on one store each receive every event",
      async () => {
        const { backend } = await open();
        const first = await watchOn(backend);
        const second = await watchOn(backend, { prefix: "k" });
        await backend.set("k1", bytes("1"));
        await backend.delete("k1");
        expect(types(await first.take(2))).toEqual(["set k1", "delete k1"]);
        expect(types(await second.take(2))).toEqual(["set k1", "delete k1"]);
      },
      t,
    );

    it.skipIf(!crossInstance)(
      "watch() delivers writes made through another instance of the same store",
      async () => {
        const { backend, openAnother } = await open();
        const other = await openAnother();
        const reader = await watchOn(backend);
        await other.set("k", bytes("v"));
        await other.delete("k");
        expect(types(await reader.take(2))).toEqual(["set k", "delete k"]);
      },
      t,
    );
  });

  describe("no phantom events", () => {
    it(
      "watch() delivers no event for a delete of a missing key",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend);
        expect(await backend.delete("k")).toBe(false);
        await marker(backend, "k");
        expect(types(await reader.take(2))).toEqual(["set k", "delete k"]);
      },
      t,
    );

    it.skipIf(!declared.atomicWrite)(
      "watch() delivers no event for a refused compareAndSet",
      async () => {
        const { backend } = await open();
        const atomic = backend as WatchBackend & AtomicWriteCapability;
        await backend.set("k", bytes("v"));
        const reader = await watchOn(backend);
        await expect(atomic.compareAndSet("k", null, bytes("w"))).rejects.toMatchObject({
          code: "KVKIT_CONFLICT",
        });
        await backend.delete("k");
        expect(types(await reader.take(1))).toEqual(["delete k"]);
      },
      t,
    );

    it.skipIf(!declared.atomicWrite)(
      "watch() delivers no event for a refused commit",
      async () => {
        const { backend } = await open();
        const atomic = backend as WatchBackend & AtomicWriteCapability;
        await backend.set("k", bytes("v"));
        const reader = await watchOn(backend);
        await expect(
          atomic.commit({
            checks: [{ key: "k", version: null }],
            set: [{ key: "a", value: bytes("1") }],
            delete: ["k"],
          }),
        ).rejects.toMatchObject({ code: "KVKIT_CONFLICT" });
        await marker(backend, "a");
        expect(types(await reader.take(2))).toEqual(["set a", "delete a"]);
        expect(await reader.quiet()).toBeUndefined();
      },
      t,
    );

    it(
      "watch() delivers no event for an aborted write",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend);
        const { signal } = abortedSignal();
        await expect(backend.set("k", bytes("v"), { signal })).rejects.toMatchObject({
          code: "KVKIT_ABORTED",
        });
        await backend.set("other", bytes("v"));
        await expect(backend.delete("other", { signal })).rejects.toMatchObject({
          code: "KVKIT_ABORTED",
        });
        await marker(backend, "k");
        expect(byKey(await reader.take(3))).toEqual({ other: ["set"], k: ["set", "delete"] });
        expect(await reader.quiet()).toBeUndefined();
      },
      t,
    );

    it.skipIf(!declared.ttl)(
      "watch() delivers no event for a key that expires: the next write's event comes first",
      async () => {
        const { backend, elapse } = await open();
        const reader = await watchOn(backend);
        await backend.set("short", bytes("v"), { ttlMs });
        expect(types(await reader.take(1))).toEqual(["set short"]);
        await elapse(expireWait);
        // Reads that find it expired, for a backend that notices expiry when it reads a key.
        expect(await backend.get("short")).toBeUndefined();
        expect(await backend.has("short")).toBe(false);
        expect(await listKeys(backend)).toEqual([]);
        await backend.set("later", bytes("v"));
        const events = await reader.until((event) => event.type === "set" && event.key === "later");
        expect(types(events), "events after the expiry").toEqual(["set later"]);
      },
      t,
    );

    it(
      "watch() delivers no event for a write rejected as invalid",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend);
        await expect(backend.set("", bytes("v"))).rejects.toMatchObject({
          code: "KVKIT_INVALID_KEY",
        });
        await expect(backend.set("a\uD800", bytes("v"))).rejects.toMatchObject({
          code: "KVKIT_INVALID_KEY",
        });
        if (manifest.limits.maxValueBytes < 64 * 1024 * 1024) {
          const { maxValueBytes } = manifest.limits;
          await expect(backend.set("big", new Uint8Array(maxValueBytes + 1))).rejects.toMatchObject(
            tooLarge("value", maxValueBytes + 1, maxValueBytes),
          );
        }
        await marker(backend, "m");
        expect(types(await reader.take(2))).toEqual(["set m", "delete m"]);
        expect(await reader.quiet()).toBeUndefined();
      },
      t,
    );
  });

  describe("filtering", () => {
    it(
      "watch({ key }) delivers that key only, not keys it is a prefix of",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend, { key: "k" });
        for (const key of ["k2", "k/", "K", "kk", "k\u0000"]) await backend.set(key, bytes("v"));
        await marker(backend, "k");
        expect(types(await reader.take(2))).toEqual(["set k", "delete k"]);
        expect(await reader.quiet()).toBeUndefined();
      },
      t,
    );

    it(
      "watch({ prefix }) delivers exactly the keys with that byte prefix, no character special",
      async () => {
        const { backend } = await open();
        const cases: [prefix: string, matching: string[], other: string[]][] = [
          ["a*", ["a*", "a*b"], ["ab", "a", "a\\*"]],
          ["a?", ["a?"], ["ab", "a"]],
          ["a%", ["a%x"], ["ab", "a"]],
          ["a_", ["a_"], ["ab"]],
          ["[a]", ["[a]1"], ["a", "a1"]],
          ["\u00e9", ["\u00e9", "\u00e9t\u00e9"], ["e\u0301", "E"]],
          ["dir/", ["dir/x"], ["dir", "dir0", "dirx/"]],
        ];
        for (const [prefix, matching, other] of cases) {
          const reader = await watchOn(backend, { prefix });
          for (const key of [...other, ...matching]) await backend.set(key, bytes("v"));
          await marker(backend, matching[0] as string);
          const events = await reader.take(matching.length + 2);
          const expected = Object.fromEntries(matching.map((key) => [key, ["set"]]));
          expected[matching[0] as string] = ["set", "set", "delete"];
          expect(byKey(events), `prefix ${JSON.stringify(prefix)}`).toEqual(expected);
          await reader.close();
          for (const key of await listKeys(backend)) await backend.delete(key);
        }
      },
      t,
    );

    it(
      "watch() rejects with KVKIT_INVALID_OPTION when given both key and prefix",
      async () => {
        const { backend } = await open();
        await expect(backend.watch({ key: "k", prefix: "k" })).rejects.toMatchObject({
          code: "KVKIT_INVALID_OPTION",
        });
      },
      t,
    );

    it(
      "watch() rejects with KVKIT_INVALID_KEY for a key with a lone surrogate",
      async () => {
        const { backend } = await open();
        await expect(backend.watch({ key: "a\uDC00" })).rejects.toMatchObject({
          code: "KVKIT_INVALID_KEY",
        });
      },
      t,
    );

    it(
      "watch() rejects with KVKIT_INVALID_OPTION for a bufferSize of 0",
      async () => {
        const { backend } = await open();
        await expect(backend.watch({ bufferSize: 0 })).rejects.toMatchObject({
          code: "KVKIT_INVALID_OPTION",
        });
      },
      t,
    );
  });

  describe("gaps and resume", () => {
    it(
      "watch() yields a gap event (reason overflow) when the consumer falls more than bufferSize behind, then later events",
      async () => {
        const { backend } = await open();
        const bufferSize = 4;
        const reader = await watchOn(backend, { bufferSize });
        for (let i = 0; i < 5 * bufferSize; i++) await backend.set(`burst/${i}`, bytes("v"));
        await backend.set("after", bytes("v"));
        const events = await reader.until((event) => event.type === "set" && event.key === "after");
        const gaps = events.filter((event) => event.type === "gap");
        expect(gaps.length, "gap events before the later write").toBeGreaterThanOrEqual(1);
        expect(gaps[0]).toMatchObject({ type: "gap", reason: "overflow" });
        // The gap stands in for what was dropped: the stream never held more than bufferSize.
        const delivered = events.filter((event) => event.type === "set").map((event) => event.key);
        expect(
          delivered.length,
          "events held for a consumer that does not read",
        ).toBeLessThanOrEqual(bufferSize + 1);
        await backend.delete("after");
        expect(types(await reader.take(1))).toEqual(["delete after"]);
      },
      t,
    );

    it(
      "watch() loses nothing when the consumer stays within bufferSize",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend, { bufferSize: 16 });
        for (let i = 0; i < 16; i++) await backend.set(`k${i}`, bytes("v"));
        const events = await reader.take(16);
        expect(events.every((event) => event.type === "set")).toBe(true);
        expect(events.map((event) => event.type !== "gap" && event.key).sort()).toEqual(
          Array.from({ length: 16 }, (_, i) => `k${i}`).sort(),
        );
      },
      t,
    );

    it.skipIf(!manifest.watchResumable)(
      "watch({ cursor }) resumes right after the event that carried the cursor",
      async () => {
        const { backend } = await open();
        const reader = await watchOn(backend);
        await backend.set("a", bytes("1"));
        await backend.set("b", bytes("2"));
        const [first] = await reader.take(2);
        await reader.close();
        await backend.delete("a");
        await backend.set("c", bytes("3"));
        const cursor = first?.cursor;
        expect(typeof cursor, "events carry a cursor").toBe("string");
        const resumed = await watchOn(backend, { cursor: cursor as string });
        expect(byKey(await resumed.take(3))).toEqual({ a: ["delete"], b: ["set"], c: ["set"] });
        await backend.set("d", bytes("4"));
        expect(types(await resumed.take(1))).toEqual(["set d"]);
        expect(await resumed.quiet()).toBeUndefined();
      },
      t,
    );

    it.skipIf(!manifest.watchResumable)(
      "watch({ cursor }) rejects with KVKIT_INVALID_CURSOR for a cursor the backend never issued",
      async () => {
        const { backend } = await open();
        for (const cursor of ["garbage", "\u0000not a cursor"]) {
          await expect(backend.watch({ cursor }), JSON.stringify(cursor)).rejects.toMatchObject({
            code: "KVKIT_INVALID_CURSOR",
          });
        }
      },
      t,
    );
  });

  describe("convergence", () => {
    it(
      "watch() events applied to a mirror equal the store after quiescence",
      async () => {
        const { backend, openAnother } = await open();
        const writers: Backend[] = crossInstance ? [backend, await openAnother()] : [backend];
        const reader = await watchOn(backend, { bufferSize: 4096 });
        const random = seeded(0x5eed);
        const keys = Array.from({ length: 12 }, (_, i) => `m/${i}`);
        let writes = 0;
        for (let i = 0; i < 300; i++) {
          const writer = writers[Math.floor(random() * writers.length)] as Backend;
          const key = keys[Math.floor(random() * keys.length)] as string;
          const roll = random();
          if (roll < 0.55) {
            await writer.set(key, bytes(`v${i}`));
            writes++;
          } else if (roll < 0.8) {
            if (await writer.delete(key)) writes++;
          } else if (roll < 0.9 && hasCapability(writer, "batch")) {
            const other = keys[Math.floor(random() * keys.length)] as string;
            const entries = [...new Set([key, other])].map((k) => ({
              key: k,
              value: bytes(`b${i}`),
            }));
            await writer.setMany(entries);
            writes += entries.length;
          } else if (hasCapability(writer, "atomicWrite")) {
            const current = await writer.getVersioned(key);
            const existed = current !== undefined;
            await writer.commit({
              checks: [{ key, version: current?.version ?? null }],
              ...(existed ? { delete: [key] } : { set: [{ key, value: bytes(`c${i}`) }] }),
            });
            writes++;
          } else {
            await writer.set(key, bytes(`v${i}`));
            writes++;
          }
        }
        const mirror = new Map<string, string | undefined>();
        for (const event of await reader.take(writes)) {
          if (event.type === "gap") throw new Error("a gap with a buffer larger than the workload");
          if (event.type === "set") mirror.set(event.key, event.version);
          else mirror.delete(event.key);
        }
        expect(await reader.quiet(), "an event beyond the writes made").toBeUndefined();
        expect([...mirror.keys()].sort()).toEqual(
          (await listKeys(backend, { prefix: "m/" })).sort(),
        );
        if (hasCapability(backend, "atomicWrite")) {
          for (const [key, version] of mirror) {
            expect(version, `version of ${key}`).toBe((await backend.getVersioned(key))?.version);
          }
        }
      },
      t,
    );
  });

  describe("ending", () => {
    it(
      "close() on the stream ends a pending iteration normally",
      async () => {
        const { backend } = await open();
        const stream = await backend.watch();
        const iterator = stream[Symbol.asyncIterator]();
        const pending = iterator.next();
        await stream.close();
        expect(await within(pending, "next() after the stream closed")).toEqual({
          done: true,
          value: undefined,
        });
        await stream.close();
      },
      t,
    );

    it(
      "break out of for await ends the stream, and later writes still work",
      async () => {
        const { backend } = await open();
        const stream = await backend.watch();
        const loop = (async () => {
          for await (const event of stream) {
            if (event.type === "set") break;
          }
          return "ended";
        })();
        await backend.set("k", bytes("v"));
        expect(await within(loop, "the for await loop")).toBe("ended");
        await backend.set("k", bytes("w"));
        expect(await backend.get("k")).toEqual(bytes("w"));
      },
      t,
    );

    it(
      "close() of the backend ends every stream normally",
      async () => {
        const { backend } = await open();
        const first = await backend.watch();
        const second = await backend.watch({ key: "k" });
        const pending = [first, second].map((stream) => stream[Symbol.asyncIterator]().next());
        await backend.close();
        for (const next of pending) {
          expect(await within(next, "next() after the backend closed")).toMatchObject({
            done: true,
          });
        }
      },
      t,
    );

    it(
      "watch() rejects the pending next() with KVKIT_ABORTED when its signal fires",
      async () => {
        const { backend } = await open();
        const controller = new AbortController();
        const stream = await backend.watch({ signal: controller.signal });
        const pending = stream[Symbol.asyncIterator]().next();
        const reason = new Error("stop watching");
        controller.abort(reason);
        const settled = await within(
          pending.then(
            () => "resolved",
            (error: unknown) => error,
          ),
          "next() after the signal fired",
        );
        expect(settled).toMatchObject({ code: "KVKIT_ABORTED", name: "AbortError" });
      },
      t,
    );

    it(
      "watch() rejects with KVKIT_ABORTED when its signal has already fired",
      async () => {
        const { backend } = await open();
        const { signal } = abortedSignal();
        await expect(backend.watch({ signal })).rejects.toMatchObject({ code: "KVKIT_ABORTED" });
      },
      t,
    );

    it(
      "watch() rejects with KVKIT_CLOSED after close()",
      async () => {
        const { backend } = await open();
        await backend.close();
        await expect(backend.watch()).rejects.toMatchObject({ code: "KVKIT_CLOSED" });
      },
      t,
    );
  });
}

function watchable(backend: Backend): WatchBackend {
  if (!hasCapability(backend, "watch")) {
    throw new Error("the manifest declares watch but the instance's manifest does not");
  }
  return backend;
}

/** Writes and deletes `key`: two events that mark a point in a stream. */
async function marker(backend: Backend, key: string): Promise<void> {
  await backend.set(key, bytes("marker"));
  await backend.delete(key);
}

/** `"set k"`, `"delete k"`, `"gap overflow"`: events in a form that diffs well. */
function types(events: readonly WatchEvent[]): string[] {
  return events.map((event) =>
    event.type === "gap" ? `gap ${event.reason}` : `${event.type} ${event.key}`,
  );
}

/**
 * Event types by key, in arrival order: the spec orders the events of one key, not events of
 * different keys. Gap events are listed under `"(gap)"`.
 */
function byKey(events: readonly WatchEvent[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const event of events) {
    const key = event.type === "gap" ? "(gap)" : event.key;
    grouped[key] ??= [];
    grouped[key].push(event.type === "gap" ? `gap ${event.reason}` : event.type);
  }
  return grouped;
}

/** Awaits `promise`, failing after `ms` instead of hanging. */
async function settleWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A small deterministic PRNG (mulberry32), so a failing workload replays. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Reads a watch stream with bounded waits. Keeps at most one `next()` in flight, so a wait
 * that timed out is resumed by the next read instead of racing it.
 */
class EventReader {
  readonly #stream: WatchStream;
  readonly #iterator: AsyncIterator<WatchEvent>;
  readonly #waitMs: number;
  #pending: Promise<IteratorResult<WatchEvent>> | undefined;

  constructor(stream: WatchStream, waitMs: number) {
    this.#stream = stream;
    this.#iterator = stream[Symbol.asyncIterator]();
    this.#waitMs = waitMs;
  }

  /** The next event; fails if none arrives in time or the stream ends. */
  async next(): Promise<WatchEvent> {
    const event = await this.#read(this.#waitMs);
    if (event === undefined) {
      throw new Error(`no watch event arrived within ${this.#waitMs} ms`);
    }
    return event;
  }

  /** The next `count` events. */
  async take(count: number): Promise<WatchEvent[]> {
    const events: WatchEvent[] = [];
    while (events.length < count) {
      const event = await this.#read(this.#waitMs);
      if (event === undefined) {
        throw new Error(
          `expected ${count} watch events, got ${events.length} within ${this.#waitMs} ms: ${types(events).join(", ")}`,
        );
      }
      events.push(event);
    }
    return events;
  }

  /** Events up to and including the first one `stop` accepts. */
  async until(stop: (event: WatchEvent) => boolean): Promise<WatchEvent[]> {
    const events: WatchEvent[] = [];
    for (;;) {
      const event = await this.next();
      events.push(event);
      if (stop(event)) return events;
    }
  }

  /** `undefined` when nothing arrives for {@link QUIET_MS}; otherwise the unexpected event. */
  async quiet(): Promise<WatchEvent | undefined> {
    return this.#read(QUIET_MS, true);
  }

  close(): Promise<void> {
    return this.#stream.close();
  }

  async #read(ms: number, quiet = false): Promise<WatchEvent | undefined> {
    this.#pending ??= this.#iterator.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    });
    try {
      const result = await Promise.race([this.#pending, timeout]);
      if (result === "timeout") return undefined;
      this.#pending = undefined;
      if (result.done === true) {
        if (quiet) return undefined;
        throw new Error("the watch stream ended while an event was expected");
      }
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }
}
