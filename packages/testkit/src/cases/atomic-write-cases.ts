import {
  type AtomicWriteCapability,
  type Backend,
  type BatchCapability,
  hasCapability,
  type Version,
} from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import type { SuiteContext } from "../suite-context.ts";
import { writeWithAborts } from "../traits/abort-mid-flight.ts";
import { abortedSignal } from "../traits/aborted-signal.ts";
import { listKeys } from "../traits/list-keys.ts";
import { notSupported } from "../traits/not-supported.ts";
import { tooLarge } from "../traits/too-large.ts";

type AtomicBackend = Backend & AtomicWriteCapability;

/** Batches larger than this are not built; the batch-limit cases are skipped instead. */
const MAX_BATCH_TESTED = 100_000;
/** Values larger than this are not built; the value-limit cases are skipped instead. */
const MAX_VALUE_TESTED = 64 * 1024 * 1024;

/**
 * The atomicWrite capability: versioned reads, compare-and-set (including "must be absent"),
 * multi-key commits that are all-or-nothing and report every failed check, versions that
 * change on every write and are never reused (no ABA), and no aliasing of buffers.
 */
export function atomicWriteCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const { maxBatchSize, maxValueBytes } = suite.manifest.limits;
  const valueLimitTested = maxValueBytes <= MAX_VALUE_TESTED;
  /** What a value one byte over the limit is refused with: the limit, and both sizes. */
  const valueTooLarge = tooLarge("value", maxValueBytes + 1, maxValueBytes);
  const declared = suite.manifest.capabilities;

  async function open(): Promise<AtomicBackend> {
    const { backend } = await suite.open();
    if (!hasCapability(backend, "atomicWrite")) {
      throw new Error("the manifest declares atomicWrite but the instance's manifest does not");
    }
    return backend;
  }

  /** Every key in the store with its bytes, to compare before and after a refused write. */
  async function snapshot(backend: Backend): Promise<Map<string, Uint8Array | undefined>> {
    const state = new Map<string, Uint8Array | undefined>();
    for (const key of await listKeys(backend)) state.set(key, await backend.get(key));
    return state;
  }

  async function versionOf(backend: AtomicBackend, key: string): Promise<Version> {
    const entry = await backend.getVersioned(key);
    if (entry === undefined) throw new Error(`${JSON.stringify(key)} should exist`);
    expect(typeof entry.version, "a version is a string").toBe("string");
    return entry.version;
  }

  describe("versioned reads", () => {
    it(
      "getVersioned() resolves undefined for a missing key",
      async () => {
        const backend = await open();
        expect(await backend.getVersioned("missing")).toBeUndefined();
      },
      t,
    );

    it(
      "getVersioned() resolves the stored bytes and a string version",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("hello"));
        const entry = await backend.getVersioned("k");
        expect(entry?.value).toEqual(bytes("hello"));
        expect(typeof entry?.version).toBe("string");
      },
      t,
    );

    it(
      "getVersioned() resolves the same version twice when nothing was written between",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        expect(await versionOf(backend, "k")).toBe(await versionOf(backend, "k"));
      },
      t,
    );

    it(
      "getVersioned() resolves undefined after the key is deleted",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        await backend.delete("k");
        expect(await backend.getVersioned("k")).toBeUndefined();
      },
      t,
    );

    it(
      "getVersioned() returns a copy: mutating it changes nothing stored",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("original"));
        const first = await backend.getVersioned("k");
        first?.value.fill(0x21);
        expect((await backend.getVersioned("k"))?.value).toEqual(bytes("original"));
        expect(await backend.get("k")).toEqual(bytes("original"));
      },
      t,
    );

    it(
      "getVersioned() returns a plain Uint8Array",
      async () => {
        const backend = await open();
        await backend.set("k", Buffer.from("v"));
        const entry = await backend.getVersioned("k");
        expect(Object.getPrototypeOf(entry?.value)).toBe(Uint8Array.prototype);
      },
      t,
    );

    it(
      "getVersioned() rejects with KVKIT_INVALID_KEY for an empty key",
      async () => {
        const backend = await open();
        await expect(backend.getVersioned("")).rejects.toMatchObject({ code: "KVKIT_INVALID_KEY" });
      },
      t,
    );

    it(
      "getVersioned() rejects with KVKIT_ABORTED when its signal has fired",
      async () => {
        const backend = await open();
        const { signal } = abortedSignal();
        await expect(backend.getVersioned("k", { signal })).rejects.toMatchObject({
          code: "KVKIT_ABORTED",
        });
      },
      t,
    );
  });

  describe("versions", () => {
    it(
      "set() gives an existing key a new version",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        const before = await versionOf(backend, "k");
        await backend.set("k", bytes("v"));
        expect(await versionOf(backend, "k")).not.toBe(before);
      },
      t,
    );

    it(
      "compareAndSet() gives the key a new version, which getVersioned() then reports",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        const before = await versionOf(backend, "k");
        const after = await backend.compareAndSet("k", before, bytes("w"));
        expect(typeof after).toBe("string");
        expect(after).not.toBe(before);
        expect(await versionOf(backend, "k")).toBe(after);
      },
      t,
    );

    it(
      "commit() resolves the new version of every key it set, as getVersioned() reports it",
      async () => {
        const backend = await open();
        await backend.set("a", bytes("1"));
        const before = await versionOf(backend, "a");
        const { versions } = await backend.commit({
          set: [
            { key: "a", value: bytes("2") },
            { key: "b", value: bytes("3") },
          ],
        });
        expect([...versions.keys()].sort()).toEqual(["a", "b"]);
        expect(versions.get("a")).not.toBe(before);
        expect(versions.get("a")).toBe(await versionOf(backend, "a"));
        expect(versions.get("b")).toBe(await versionOf(backend, "b"));
      },
      t,
    );

    it(
      "a version is never reused for a key across set, compareAndSet, commit, delete and re-create",
      async () => {
        const backend = await open();
        const seen: Version[] = [];
        const record = async (): Promise<void> => {
          seen.push(await versionOf(backend, "k"));
        };
        await backend.set("k", bytes("same"));
        await record();
        await backend.set("k", bytes("same"));
        await record();
        seen.push(await backend.compareAndSet("k", seen.at(-1) as Version, bytes("same")));
        await backend.commit({ set: [{ key: "k", value: bytes("same") }] });
        await record();
        await backend.delete("k");
        await backend.set("k", bytes("same"));
        await record();
        await backend.commit({ delete: ["k"] });
        seen.push(await backend.compareAndSet("k", null, bytes("same")));
        await backend.delete("k");
        await backend.commit({ set: [{ key: "k", value: bytes("same") }] });
        await record();
        if (hasCapability(backend, "batch")) {
          await (backend as AtomicBackend & BatchCapability).setMany([
            { key: "k", value: bytes("same") },
          ]);
          await record();
          await (backend as AtomicBackend & BatchCapability).deleteMany(["k"]);
          await backend.set("k", bytes("same"));
          await record();
        }
        expect(new Set(seen).size, `versions seen: ${seen.join(", ")}`).toBe(seen.length);
      },
      t,
    );

    it.skipIf(!declared.batch)(
      "setMany() gives every key it writes a new version",
      async () => {
        const backend = (await open()) as AtomicBackend & BatchCapability;
        await backend.set("a", bytes("1"));
        await backend.set("b", bytes("2"));
        const before = [await versionOf(backend, "a"), await versionOf(backend, "b")];
        await backend.setMany([
          { key: "a", value: bytes("1") },
          { key: "b", value: bytes("2") },
        ]);
        expect(await versionOf(backend, "a")).not.toBe(before[0]);
        expect(await versionOf(backend, "b")).not.toBe(before[1]);
      },
      t,
    );
  });

  describe("compareAndSet", () => {
    it(
      "compareAndSet() with null writes a key that is absent",
      async () => {
        const backend = await open();
        const version = await backend.compareAndSet("k", null, bytes("v"));
        expect(await backend.getVersioned("k")).toEqual({ value: bytes("v"), version });
      },
      t,
    );

    it(
      "compareAndSet() with null rejects with KVKIT_CONFLICT when the key exists, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("old"));
        const before = await versionOf(backend, "k");
        const error = await backend.compareAndSet("k", null, bytes("new")).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "KVKIT_CONFLICT", keys: ["k"] });
        expect(await backend.getVersioned("k")).toEqual({ value: bytes("old"), version: before });
      },
      t,
    );

    it(
      "compareAndSet() with the current version writes the value",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("old"));
        await backend.compareAndSet("k", await versionOf(backend, "k"), bytes("new"));
        expect(await backend.get("k")).toEqual(bytes("new"));
      },
      t,
    );

    it(
      "compareAndSet() rejects with KVKIT_CONFLICT when the version is stale, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("first"));
        const stale = await versionOf(backend, "k");
        await backend.set("k", bytes("second"));
        const current = await versionOf(backend, "k");
        const error = await backend
          .compareAndSet("k", stale, bytes("third"))
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "KVKIT_CONFLICT", keys: ["k"] });
        expect(await backend.getVersioned("k")).toEqual({
          value: bytes("second"),
          version: current,
        });
      },
      t,
    );

    it(
      "compareAndSet() rejects with KVKIT_CONFLICT when the same value was rewritten since the read",
      async () => {
        // A check by value instead of by version would let this through.
        const backend = await open();
        await backend.set("k", bytes("same"));
        const stale = await versionOf(backend, "k");
        await backend.set("k", bytes("same"));
        await expect(backend.compareAndSet("k", stale, bytes("next"))).rejects.toMatchObject({
          code: "KVKIT_CONFLICT",
        });
        expect(await backend.get("k")).toEqual(bytes("same"));
      },
      t,
    );

    it(
      "compareAndSet() rejects with KVKIT_CONFLICT for a version of a key that was deleted since",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        const stale = await versionOf(backend, "k");
        await backend.delete("k");
        await expect(backend.compareAndSet("k", stale, bytes("w"))).rejects.toMatchObject({
          code: "KVKIT_CONFLICT",
          keys: ["k"],
        });
        expect(await backend.has("k")).toBe(false);
      },
      t,
    );

    it(
      "compareAndSet() rejects with KVKIT_CONFLICT for a version from before a delete and re-create (ABA)",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("A"));
        const stale = await versionOf(backend, "k");
        await backend.delete("k");
        await backend.set("k", bytes("A"));
        await expect(backend.compareAndSet("k", stale, bytes("B"))).rejects.toMatchObject({
          code: "KVKIT_CONFLICT",
        });
        expect(await backend.get("k")).toEqual(bytes("A"));
      },
      t,
    );

    it(
      "compareAndSet() rejects with KVKIT_CONFLICT for a version string the backend never issued",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        const current = await versionOf(backend, "k");
        await expect(
          backend.compareAndSet("k", `${current}-not-a-version`, bytes("w")),
        ).rejects.toMatchObject({ code: "KVKIT_CONFLICT" });
        expect(await backend.get("k")).toEqual(bytes("v"));
      },
      t,
    );

    it.skipIf(!valueLimitTested)(
      "compareAndSet() rejects with KVKIT_TOO_LARGE for a value over maxValueBytes, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("before"));
        const version = await versionOf(backend, "k");
        await expect(
          backend.compareAndSet("k", version, new Uint8Array(maxValueBytes + 1)),
        ).rejects.toMatchObject(valueTooLarge);
        expect(await backend.getVersioned("k")).toEqual({ value: bytes("before"), version });
      },
      t,
    );

    it(
      "compareAndSet() stores a copy: mutating the input afterwards changes nothing",
      async () => {
        const backend = await open();
        const input = bytes("original");
        await backend.compareAndSet("k", null, input);
        input.fill(0x21);
        expect(await backend.get("k")).toEqual(bytes("original"));
      },
      t,
    );

    it(
      "compareAndSet() rejects with KVKIT_INVALID_KEY for a key with a lone surrogate, writing nothing",
      async () => {
        const backend = await open();
        await expect(backend.compareAndSet("a\uD800", null, bytes("v"))).rejects.toMatchObject({
          code: "KVKIT_INVALID_KEY",
        });
        expect(await listKeys(backend)).toEqual([]);
      },
      t,
    );

    it(
      "compareAndSet() rejects with KVKIT_ABORTED when its signal has fired, writing nothing",
      async () => {
        const backend = await open();
        const { signal } = abortedSignal();
        await expect(
          backend.compareAndSet("k", null, bytes("v"), { signal }),
        ).rejects.toMatchObject({
          code: "KVKIT_ABORTED",
          name: "AbortError",
        });
        expect(await backend.has("k")).toBe(false);
      },
      t,
    );

    it(
      "compareAndSet() whose signal fires mid-flight rejects with KVKIT_ABORTED only when it wrote nothing",
      async () => {
        const backend = await open();
        const outcomes = await writeWithAborts((i, signal) =>
          backend.compareAndSet(`abort-${i}`, null, bytes(`v${i}`), { signal }),
        );
        const wrong: string[] = [];
        for (const [i, outcome] of outcomes.entries()) {
          const stored = await backend.has(`abort-${i}`);
          if (outcome === "applied" && !stored) wrong.push(`${i}: resolved, not stored`);
          if (outcome === "aborted" && stored) wrong.push(`${i}: KVKIT_ABORTED, stored`);
        }
        expect(wrong).toEqual([]);
      },
      t,
    );

    it.skipIf(declared.ttl)(
      "compareAndSet() rejects with KVKIT_NOT_SUPPORTED for ttlMs when ttl is not declared",
      async () => {
        const backend = await open();
        await expect(
          backend.compareAndSet("k", null, bytes("v"), { ttlMs: 60_000 }),
        ).rejects.toMatchObject(notSupported("ttl"));
        expect(await backend.has("k")).toBe(false);
      },
      t,
    );
  });

  describe("commit", () => {
    it(
      "commit() applies checks, sets and deletes together when every check holds",
      async () => {
        const backend = await open();
        await backend.set("checked", bytes("c"));
        await backend.set("gone", bytes("g"));
        await backend.commit({
          checks: [
            { key: "checked", version: await versionOf(backend, "checked") },
            { key: "absent", version: null },
          ],
          set: [
            { key: "checked", value: bytes("c2") },
            { key: "new", value: bytes("n") },
          ],
          delete: ["gone"],
        });
        expect(await backend.get("checked")).toEqual(bytes("c2"));
        expect(await backend.get("new")).toEqual(bytes("n"));
        expect(await backend.has("gone")).toBe(false);
        expect(await backend.has("absent")).toBe(false);
      },
      t,
    );

    it(
      "commit() rejects with KVKIT_CONFLICT listing every failed check, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("a", bytes("1"));
        await backend.set("b", bytes("2"));
        await backend.set("c", bytes("3"));
        const staleA = await versionOf(backend, "a");
        const currentC = await versionOf(backend, "c");
        await backend.set("a", bytes("1 again"));
        const before = await snapshot(backend);
        const error = await backend
          .commit({
            checks: [
              { key: "a", version: staleA },
              { key: "c", version: currentC },
              { key: "b", version: null },
            ],
            set: [
              { key: "c", value: bytes("changed") },
              { key: "d", value: bytes("new") },
            ],
            delete: ["a"],
          })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "KVKIT_CONFLICT" });
        expect([...(error as { keys: readonly string[] }).keys].sort()).toEqual(["a", "b"]);
        expect(await snapshot(backend)).toEqual(before);
      },
      t,
    );

    it(
      "commit() rejects with KVKIT_CONFLICT when a key checked absent exists, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        await expect(
          backend.commit({
            checks: [{ key: "k", version: null }],
            set: [{ key: "other", value: bytes("x") }],
          }),
        ).rejects.toMatchObject({ code: "KVKIT_CONFLICT", keys: ["k"] });
        expect(await backend.has("other")).toBe(false);
      },
      t,
    );

    it(
      "commit() with only checks resolves without writing when they hold",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        const version = await versionOf(backend, "k");
        const result = await backend.commit({ checks: [{ key: "k", version }] });
        expect(result.versions.size).toBe(0);
        expect(await versionOf(backend, "k")).toBe(version);
      },
      t,
    );

    it(
      "commit() with nothing in it resolves",
      async () => {
        const backend = await open();
        expect((await backend.commit({})).versions.size).toBe(0);
      },
      t,
    );

    it(
      "commit() deletes of missing keys are not errors",
      async () => {
        const backend = await open();
        await backend.commit({ delete: ["missing"], set: [{ key: "k", value: bytes("v") }] });
        expect(await backend.get("k")).toEqual(bytes("v"));
      },
      t,
    );

    it(
      "commit() rejects with KVKIT_INVALID_OPTION when a key is both set and deleted, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("k", bytes("v"));
        await expect(
          backend.commit({
            set: [
              { key: "k", value: bytes("w") },
              { key: "other", value: bytes("o") },
            ],
            delete: ["k"],
          }),
        ).rejects.toMatchObject({ code: "KVKIT_INVALID_OPTION" });
        expect(await backend.get("k")).toEqual(bytes("v"));
        expect(await backend.has("other")).toBe(false);
      },
      t,
    );

    it(
      "commit() rejects with KVKIT_INVALID_OPTION when a key is set twice, writing nothing",
      async () => {
        const backend = await open();
        await expect(
          backend.commit({
            set: [
              { key: "k", value: bytes("1") },
              { key: "other", value: bytes("o") },
              { key: "k", value: bytes("2") },
            ],
          }),
        ).rejects.toMatchObject({ code: "KVKIT_INVALID_OPTION" });
        expect(await listKeys(backend)).toEqual([]);
      },
      t,
    );

    it(
      "commit() rejects with KVKIT_INVALID_KEY for an invalid key anywhere, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("keep", bytes("v"));
        const version = await versionOf(backend, "keep");
        const attempts = [
          {
            set: [
              { key: "ok", value: bytes("1") },
              { key: "", value: bytes("2") },
            ],
          },
          { set: [{ key: "ok", value: bytes("1") }], delete: ["keep", "bad\uDC00"] },
          { checks: [{ key: "\uD800", version: null }], set: [{ key: "ok", value: bytes("1") }] },
        ];
        for (const attempt of attempts) {
          await expect(backend.commit(attempt), JSON.stringify(attempt)).rejects.toMatchObject({
            code: "KVKIT_INVALID_KEY",
          });
        }
        expect(await listKeys(backend)).toEqual(["keep"]);
        expect(await versionOf(backend, "keep")).toBe(version);
      },
      t,
    );

    it.skipIf(maxBatchSize > MAX_BATCH_TESTED)(
      "commit() rejects with KVKIT_TOO_LARGE when checks, sets and deletes exceed maxBatchSize, writing nothing",
      async () => {
        const backend = await open();
        // One check plus maxBatchSize sets: only the total is over the limit.
        const set = Array.from({ length: maxBatchSize }, (_, i) => ({
          key: `k${i}`,
          value: bytes("v"),
        }));
        await expect(
          backend.commit({ checks: [{ key: "absent", version: null }], set }),
        ).rejects.toMatchObject(tooLarge("batch", maxBatchSize + 1, maxBatchSize));
        expect(await listKeys(backend, { limit: 1 })).toEqual([]);
      },
      t,
    );

    it.skipIf(maxBatchSize > MAX_BATCH_TESTED)(
      "commit() accepts exactly maxBatchSize operations",
      async () => {
        const backend = await open();
        const set = Array.from({ length: maxBatchSize - 1 }, (_, i) => ({
          key: `k${i}`,
          value: bytes("v"),
        }));
        await backend.commit({ checks: [{ key: "absent", version: null }], set });
        expect(await backend.get(`k${maxBatchSize - 2}`)).toEqual(bytes("v"));
      },
      t,
    );

    it.skipIf(!valueLimitTested)(
      "commit() rejects with KVKIT_TOO_LARGE for a set whose value is over maxValueBytes, writing nothing",
      async () => {
        const backend = await open();
        await backend.set("keep", bytes("v"));
        const version = await versionOf(backend, "keep");
        const before = await snapshot(backend);
        await expect(
          backend.commit({
            checks: [{ key: "keep", version }],
            set: [
              { key: "small", value: bytes("1") },
              { key: "big", value: new Uint8Array(maxValueBytes + 1) },
            ],
            delete: ["keep"],
          }),
        ).rejects.toMatchObject(valueTooLarge);
        expect(await snapshot(backend)).toEqual(before);
        expect(await versionOf(backend, "keep")).toBe(version);
      },
      t,
    );

    it(
      "commit() stores copies: mutating the inputs afterwards changes nothing",
      async () => {
        const backend = await open();
        const input = bytes("original");
        await backend.commit({ set: [{ key: "k", value: input }] });
        input.fill(0x21);
        expect(await backend.get("k")).toEqual(bytes("original"));
      },
      t,
    );

    it(
      "commit() rejects with KVKIT_ABORTED when its signal has fired, writing nothing",
      async () => {
        const backend = await open();
        const { signal } = abortedSignal();
        await expect(
          backend.commit({ set: [{ key: "k", value: bytes("v") }] }, { signal }),
        ).rejects.toMatchObject({ code: "KVKIT_ABORTED", name: "AbortError" });
        expect(await backend.has("k")).toBe(false);
      },
      t,
    );

    it.skipIf(declared.ttl)(
      "commit() rejects with KVKIT_NOT_SUPPORTED for a ttlMs when ttl is not declared",
      async () => {
        const backend = await open();
        await expect(
          backend.commit({ set: [{ key: "k", value: bytes("v"), ttlMs: 60_000 }] }),
        ).rejects.toMatchObject(notSupported("ttl"));
        expect(await backend.has("k")).toBe(false);
      },
      t,
    );
  });
}
