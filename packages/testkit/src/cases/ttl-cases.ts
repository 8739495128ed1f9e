import type { AtomicWriteCapability, Backend, BatchCapability, TtlCapability } from "@kvkit/spec";
import { requireCapability } from "@kvkit/spec";
import { expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import type { OpenedStore, SuiteContext } from "../suite-context.ts";
import { expiryTiming, REAL_TIME_SLACK_MS } from "../traits/expiry-timing.ts";
import { listKeys } from "../traits/list-keys.ts";

type TtlBackend = Backend & TtlCapability;

/**
 * Expiry, with the controllable clock when the backend takes one and real time otherwise,
 * scaled by `manifest.ttlResolutionMs`.
 */
export function ttlCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const resolution = suite.manifest.ttlResolutionMs;
  const controllable = suite.options.controllableClock === true;
  const declared = suite.manifest.capabilities;
  const { ttlMs, expireWait } = expiryTiming(suite);

  /**
   * Whether a read made now is still inside the window where a key written at `started` must
   * be visible. Always on the controllable clock; on real time a stalled machine may miss it,
   * and the read before expiry then proves nothing (the expiry check still runs).
   */
  function fresh(started: number, now: () => number): boolean {
    return controllable || now() - started < ttlMs - resolution;
  }

  /**
   * Asserts that `expiresAt` is the expiry of a key written with `ms` between the times
   * `before` and `after`, give or take the resolution (and scheduling, on real time).
   */
  function expectExpiry(
    expiresAt: number | null | undefined,
    before: number,
    after: number,
    ms: number,
  ): void {
    expect(typeof expiresAt, "expiresAt() of a key written with ttlMs").toBe("number");
    const tolerance = resolution + (controllable ? 0 : REAL_TIME_SLACK_MS);
    expect(expiresAt).toBeGreaterThanOrEqual(before + ms - tolerance);
    expect(expiresAt).toBeLessThanOrEqual(after + ms + tolerance);
  }

  async function open(): Promise<OpenedStore & { ttl: TtlBackend; now: () => number }> {
    const store = await suite.open();
    return {
      ...store,
      ttl: requireCapability(store.backend, "ttl"),
      now: store.clock?.now ?? Date.now,
    };
  }

  it(
    "get() resolves a key written with ttlMs before it expires",
    async () => {
      const { ttl, elapse } = await open();
      // On real time a long TTL: a stalled machine must not make this case flaky.
      await ttl.set("k", bytes("v"), { ttlMs: controllable ? ttlMs : 60_000 });
      if (controllable) await elapse(ttlMs - resolution - 1);
      expect(await ttl.get("k")).toEqual(bytes("v"));
      expect(await ttl.has("k")).toBe(true);
      expect(await listKeys(ttl)).toEqual(["k"]);
    },
    t,
  );

  it(
    "get() resolves undefined once a key's ttlMs has passed",
    async () => {
      const { ttl, elapse } = await open();
      await ttl.set("k", bytes("v"), { ttlMs });
      await elapse(expireWait);
      expect(await ttl.get("k")).toBeUndefined();
    },
    t,
  );

  it(
    "has() resolves false once a key has expired",
    async () => {
      const { ttl, elapse } = await open();
      await ttl.set("k", bytes("v"), { ttlMs });
      await elapse(expireWait);
      expect(await ttl.has("k")).toBe(false);
    },
    t,
  );

  it(
    "list() omits expired keys and keeps the others",
    async () => {
      const { ttl, elapse } = await open();
      await ttl.set("a", bytes("1"), { ttlMs });
      await ttl.set("b", bytes("2"));
      await ttl.set("c", bytes("3"), { ttlMs });
      await elapse(expireWait);
      expect(await listKeys(ttl)).toEqual(["b"]);
      expect(await listKeys(ttl, { prefix: "a" })).toEqual([]);
    },
    t,
  );

  it(
    "list() of a store whose keys all expired yields nothing (no bookkeeping keys leak)",
    async () => {
      const { ttl, elapse } = await open();
      for (let i = 0; i < 5; i++) await ttl.set(`k${i}`, bytes("v"), { ttlMs });
      await ttl.set("k0", bytes("again"), { ttlMs });
      await elapse(expireWait);
      expect(await listKeys(ttl)).toEqual([]);
    },
    t,
  );

  it(
    "delete() resolves false for an expired key",
    async () => {
      const { ttl, elapse } = await open();
      await ttl.set("k", bytes("v"), { ttlMs });
      await elapse(expireWait);
      expect(await ttl.delete("k")).toBe(false);
    },
    t,
  );

  it(
    "expiresAt() resolves undefined once the key has expired",
    async () => {
      const { ttl, elapse } = await open();
      await ttl.set("k", bytes("v"), { ttlMs });
      await elapse(expireWait);
      expect(await ttl.expiresAt("k")).toBeUndefined();
    },
    t,
  );

  it(
    "expiresAt() resolves the expiry time in epoch milliseconds for a key with ttlMs",
    async () => {
      const { ttl, now } = await open();
      const before = now();
      await ttl.set("k", bytes("v"), { ttlMs });
      const after = now();
      expectExpiry(await ttl.expiresAt("k"), before, after, ttlMs);
    },
    t,
  );

  it(
    "expiresAt() resolves null for a key without expiry and undefined for a missing key",
    async () => {
      const { ttl } = await open();
      await ttl.set("k", bytes("v"));
      expect(await ttl.expiresAt("k")).toBeNull();
      expect(await ttl.expiresAt("missing")).toBeUndefined();
    },
    t,
  );

  /**
   * A write of `value` to `key` by each method that writes a key: with `ttlMs` when given,
   * without it (ttlMs undefined) otherwise.
   */
  const keyWrites: readonly {
    readonly method: string;
    readonly declared: boolean;
    write(backend: Backend, key: string, value: Uint8Array, ttlMs?: number): Promise<unknown>;
  }[] = [
    {
      method: "set",
      declared: true,
      write: (backend, key, value, ttlMs) => backend.set(key, value, { ttlMs }),
    },
    {
      method: "setMany",
      declared: declared.batch,
      write: (backend, key, value, ttlMs) =>
        requireCapability(backend, "batch").setMany([{ key, value }], { ttlMs }),
    },
    {
      method: "compareAndSet",
      declared: declared.atomicWrite,
      write: async (backend, key, value, ttlMs) => {
        const atomic = requireCapability(backend, "atomicWrite");
        const current = await atomic.getVersioned(key);
        return atomic.compareAndSet(key, current?.version ?? null, value, { ttlMs });
      },
    },
    {
      method: "commit",
      declared: declared.atomicWrite,
      write: (backend, key, value, ttlMs) =>
        requireCapability(backend, "atomicWrite").commit({ set: [{ key, value, ttlMs }] }),
    },
  ];
  for (const { method, declared: writes, write } of keyWrites) {
    it.skipIf(!writes)(
      `${method}() without ttlMs removes an existing expiry`,
      async () => {
        const { ttl, elapse } = await open();
        await ttl.set("k", bytes("first"), { ttlMs });
        await write(ttl, "k", bytes("second"));
        expect(await ttl.expiresAt("k")).toBeNull();
        await elapse(expireWait);
        expect(await ttl.get("k")).toEqual(bytes("second"));
        expect(await listKeys(ttl)).toEqual(["k"]);
      },
      t,
    );
  }

  it(
    "set() keeps a key whose ttlMs is over 2^31 - 1 ms (30 days, Number.MAX_SAFE_INTEGER) and reports its expiry",
    async () => {
      const { ttl, elapse, now } = await open();
      const long = [
        ["month", 30 * 24 * 60 * 60 * 1000],
        ["max", Number.MAX_SAFE_INTEGER],
      ] as const;
      const before = now();
      for (const [key, ms] of long) await ttl.set(key, bytes(key), { ttlMs: ms });
      const after = now();
      // Node fires a timer armed for more than 2^31 - 1 ms after 1 ms: let such a timer fire.
      await new Promise((resolve) => setTimeout(resolve, REAL_TIME_SLACK_MS));
      await elapse(expireWait);
      for (const [key, ms] of long) {
        expect(await ttl.get(key), key).toEqual(bytes(key));
        expectExpiry(await ttl.expiresAt(key), before, after, ms);
      }
      expect((await listKeys(ttl)).sort()).toEqual(["max", "month"]);
    },
    t,
  );

  it(
    "set() with ttlMs gives an existing key without expiry an expiry",
    async () => {
      const { ttl, elapse } = await open();
      await ttl.set("k", bytes("first"));
      await ttl.set("k", bytes("second"), { ttlMs });
      await elapse(expireWait);
      expect(await ttl.has("k")).toBe(false);
    },
    t,
  );

  it(
    "set() after a key expired stores it again without expiry",
    async () => {
      const { ttl, elapse } = await open();
      await ttl.set("k", bytes("old"), { ttlMs });
      await elapse(expireWait);
      await ttl.set("k", bytes("new"));
      await elapse(expireWait);
      expect(await ttl.get("k")).toEqual(bytes("new"));
      expect(await listKeys(ttl)).toEqual(["k"]);
    },
    t,
  );

  for (const { method, declared: writes, write } of keyWrites) {
    for (const invalid of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      it.skipIf(!writes)(
        `${method}() rejects KVKIT_INVALID_OPTION for ttlMs ${invalid} and stores nothing`,
        async () => {
          const { ttl } = await open();
          await ttl.set("k", bytes("before"));
          await expect(write(ttl, "k", bytes("after"), invalid)).rejects.toMatchObject({
            code: "KVKIT_INVALID_OPTION",
          });
          expect(await ttl.get("k")).toEqual(bytes("before"));
          expect(await ttl.expiresAt("k")).toBeNull();
          expect(await listKeys(ttl)).toEqual(["k"]);
        },
        t,
      );
    }
  }

  it.skipIf(!declared.batch)(
    "setMany() with ttlMs expires every entry",
    async () => {
      const { backend, elapse, now } = await open();
      const batch = requireCapability(backend, "batch") as Backend & BatchCapability;
      const started = now();
      await batch.setMany(
        [
          { key: "a", value: bytes("1") },
          { key: "b", value: bytes("2") },
        ],
        { ttlMs },
      );
      const values = await batch.getMany(["a", "b"]);
      if (fresh(started, now)) expect(values).toEqual([bytes("1"), bytes("2")]);
      await elapse(expireWait);
      expect(await batch.getMany(["a", "b"])).toEqual([undefined, undefined]);
      expect(await listKeys(batch)).toEqual([]);
    },
    t,
  );

  it.skipIf(!declared.batch)(
    "getMany() resolves undefined for expired keys and deleteMany() does not count them",
    async () => {
      const { backend, elapse } = await open();
      const batch = requireCapability(backend, "batch") as Backend & BatchCapability;
      await batch.set("gone", bytes("1"), { ttlMs });
      await batch.set("kept", bytes("2"));
      await elapse(expireWait);
      expect(await batch.getMany(["gone", "kept"])).toEqual([undefined, bytes("2")]);
      expect(await batch.deleteMany(["gone", "kept"])).toBe(1);
    },
    t,
  );

  it.skipIf(!declared.atomicWrite)(
    "getVersioned() resolves undefined for an expired key",
    async () => {
      const { backend, elapse } = await open();
      const atomic = requireCapability(backend, "atomicWrite") as Backend & AtomicWriteCapability;
      await atomic.set("k", bytes("v"), { ttlMs });
      await elapse(expireWait);
      expect(await atomic.getVersioned("k")).toBeUndefined();
    },
    t,
  );

  it.skipIf(!declared.atomicWrite)(
    "compareAndSet() with ttlMs writes a key that expires",
    async () => {
      const { backend, elapse, now } = await open();
      const atomic = requireCapability(backend, "atomicWrite") as Backend & AtomicWriteCapability;
      const started = now();
      await atomic.compareAndSet("k", null, bytes("v"), { ttlMs });
      const value = await atomic.get("k");
      if (fresh(started, now)) expect(value).toEqual(bytes("v"));
      await elapse(expireWait);
      expect(await atomic.get("k")).toBeUndefined();
    },
    t,
  );

  it.skipIf(!declared.atomicWrite)(
    "compareAndSet() expecting absence succeeds on an expired key",
    async () => {
      const { backend, elapse } = await open();
      const atomic = requireCapability(backend, "atomicWrite") as Backend & AtomicWriteCapability;
      await atomic.set("k", bytes("old"), { ttlMs });
      await elapse(expireWait);
      await atomic.compareAndSet("k", null, bytes("new"));
      expect(await atomic.get("k")).toEqual(bytes("new"));
    },
    t,
  );

  it.skipIf(!declared.atomicWrite)(
    "commit() sets with ttlMs expire; sets without it do not",
    async () => {
      const { backend, elapse } = await open();
      const atomic = requireCapability(backend, "atomicWrite") as Backend & AtomicWriteCapability;
      await atomic.commit({
        set: [
          { key: "short", value: bytes("1"), ttlMs },
          { key: "long", value: bytes("2") },
        ],
      });
      await elapse(expireWait);
      expect(await atomic.get("short")).toBeUndefined();
      expect(await atomic.get("long")).toEqual(bytes("2"));
    },
    t,
  );
}
