import type { Backend } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import type { SuiteContext } from "../suite-context.ts";
import { ABORT_ATTEMPTS, writeWithAborts } from "../traits/abort-mid-flight.ts";
import { abortedSignal } from "../traits/aborted-signal.ts";
import { declaredKeyCalls, expectKeyRefused } from "../traits/key-calls.ts";
import { tooLarge } from "../traits/too-large.ts";

/** Values larger than this are not built in memory; the limit cases are skipped instead. */
const MAX_VALUE_TESTED = 64 * 1024 * 1024;
/** Keys larger than this are not built; the key-limit cases are skipped instead. */
const MAX_KEY_TESTED = 1024 * 1024;

/** The required core: get, set, delete, has, values and keys at the limits, types, signals. */
export function kvCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const { maxKeyBytes, maxValueBytes } = suite.manifest.limits;

  it(
    "get() resolves undefined for a missing key",
    async () => {
      const { backend } = await suite.open();
      expect(await backend.get("missing")).toBeUndefined();
    },
    t,
  );

  it(
    "set() rejects a view over a detached buffer with KVKIT_INVALID_VALUE and keeps the old value",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("old"));
      const detached = new Uint8Array(8);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      await expect(backend.set("k", detached)).rejects.toMatchObject({
        code: "KVKIT_INVALID_VALUE",
      });
      expect(await backend.get("k")).toEqual(bytes("old"));
    },
    t,
  );

  it(
    "set() then get() resolves the same bytes",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("hello"));
      expect(await backend.get("k")).toEqual(bytes("hello"));
    },
    t,
  );

  it(
    "set() replaces the value of an existing key",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("first, and longer"));
      await backend.set("k", bytes("second"));
      expect(await backend.get("k")).toEqual(bytes("second"));
    },
    t,
  );

  it(
    "set() keeps keys apart: writing one key leaves the others unchanged",
    async () => {
      const { backend } = await suite.open();
      await backend.set("a", bytes("1"));
      await backend.set("b", bytes("2"));
      expect(await backend.get("a")).toEqual(bytes("1"));
      expect(await backend.get("b")).toEqual(bytes("2"));
    },
    t,
  );

  it(
    "delete() resolves true for an existing key and removes it",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("v"));
      expect(await backend.delete("k")).toBe(true);
      expect(await backend.get("k")).toBeUndefined();
      expect(await backend.has("k")).toBe(false);
    },
    t,
  );

  it(
    "delete() resolves false for a missing key",
    async () => {
      const { backend } = await suite.open();
      expect(await backend.delete("missing")).toBe(false);
    },
    t,
  );

  it(
    "delete() resolves false the second time a key is deleted",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("v"));
      await backend.delete("k");
      expect(await backend.delete("k")).toBe(false);
    },
    t,
  );

  it(
    "has() resolves true for a stored key and false for a missing one",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("v"));
      expect(await backend.has("k")).toBe(true);
      expect(await backend.has("missing")).toBe(false);
    },
    t,
  );

  it(
    "set() stores a copy: mutating the input afterwards changes nothing",
    async () => {
      const { backend } = await suite.open();
      const input = bytes("original");
      await backend.set("k", input);
      input.fill(0x21);
      expect(await backend.get("k")).toEqual(bytes("original"));
    },
    t,
  );

  it(
    "set() stores a copy of a Buffer: mutating the Buffer afterwards changes nothing",
    async () => {
      const { backend } = await suite.open();
      const input = Buffer.from("original");
      await backend.set("k", input);
      input.fill(0x21);
      expect(toPlain(await backend.get("k"))).toEqual(bytes("original"));
    },
    t,
  );

  it(
    "set() stores exactly the bytes of a subarray view (honours byteOffset and length)",
    async () => {
      const { backend } = await suite.open();
      const whole = bytes("xxhelloyy");
      await backend.set("k", whole.subarray(2, 7));
      await backend.set("b", Buffer.from("aabbcc").subarray(2, 4));
      whole.fill(0);
      expect(await backend.get("k")).toEqual(bytes("hello"));
      expect(toPlain(await backend.get("b"))).toEqual(bytes("bb"));
    },
    t,
  );

  it(
    "get() returns a copy: mutating the result changes nothing stored",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("original"));
      const first = await backend.get("k");
      first?.fill(0x21);
      expect(await backend.get("k")).toEqual(bytes("original"));
    },
    t,
  );

  it(
    "get() returns an independent buffer on every call: mutating one result leaves the next unchanged",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("v"));
      const first = await backend.get("k");
      const second = await backend.get("k");
      expect(first).not.toBe(second);
      first?.fill(0x21);
      expect(second).toEqual(bytes("v"));
    },
    t,
  );

  it(
    "get() resolves a plain Uint8Array, not a Buffer, even when a Buffer was stored",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", Buffer.from("v"));
      const value = await backend.get("k");
      expect(value).toBeInstanceOf(Uint8Array);
      expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
    },
    t,
  );

  it(
    "set() stores the empty value as present, distinct from a missing key",
    async () => {
      const { backend } = await suite.open();
      await backend.set("empty", new Uint8Array(0));
      const value = await backend.get("empty");
      expect(value).toBeInstanceOf(Uint8Array);
      expect(value?.byteLength).toBe(0);
      expect(await backend.has("empty")).toBe(true);
      expect(await backend.delete("empty")).toBe(true);
    },
    t,
  );

  it(
    "set() stores all 256 byte values exactly",
    async () => {
      const { backend } = await suite.open();
      const all = Uint8Array.from({ length: 512 }, (_, i) => (i * 7 + 3) % 256);
      all.set(Uint8Array.from({ length: 256 }, (_, i) => i));
      await backend.set("bytes", all);
      expect(await backend.get("bytes")).toEqual(all);
    },
    t,
  );

  it(
    "set() stores text that is not valid UTF-8 byte for byte",
    async () => {
      const { backend } = await suite.open();
      const invalid = new Uint8Array([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x00]);
      await backend.set("k", invalid);
      expect(await backend.get("k")).toEqual(invalid);
    },
    t,
  );

  const valueLimitTested = maxValueBytes <= MAX_VALUE_TESTED;
  /** What a value one byte over the limit is refused with. */
  const valueTooLarge = tooLarge("value", maxValueBytes + 1, maxValueBytes);
  describe.skipIf(!valueLimitTested)("value size limit", () => {
    it(
      "set() stores a value of exactly maxValueBytes",
      async () => {
        const { backend } = await suite.open();
        const value = patterned(maxValueBytes);
        await backend.set("big", value);
        const stored = await backend.get("big");
        expect(stored?.byteLength).toBe(maxValueBytes);
        expect(Buffer.compare(toPlain(stored), value)).toBe(0);
      },
      t,
    );

    it(
      "set() rejects KVKIT_TOO_LARGE for a value one byte over maxValueBytes and stores nothing",
      async () => {
        const { backend } = await suite.open();
        await expect(backend.set("big", patterned(maxValueBytes + 1))).rejects.toMatchObject(
          valueTooLarge,
        );
        expect(await backend.has("big")).toBe(false);
      },
      t,
    );

    it(
      "set() of an oversized value leaves the previous value in place",
      async () => {
        const { backend } = await suite.open();
        await backend.set("k", bytes("before"));
        await expect(backend.set("k", patterned(maxValueBytes + 1))).rejects.toMatchObject(
          valueTooLarge,
        );
        expect(await backend.get("k")).toEqual(bytes("before"));
      },
      t,
    );
  });

  const keyLimitTested = maxKeyBytes <= MAX_KEY_TESTED;
  /** What a key one byte over the limit is refused with. */
  const keyTooLarge = tooLarge("key", maxKeyBytes + 1, maxKeyBytes);
  describe.skipIf(!keyLimitTested)("key size limit", () => {
    it(
      "set() stores a key of exactly maxKeyBytes ASCII bytes",
      async () => {
        const { backend } = await suite.open();
        const key = "k".repeat(maxKeyBytes);
        await backend.set(key, bytes("v"));
        expect(await backend.get(key)).toEqual(bytes("v"));
      },
      t,
    );

    it(
      "set() stores a key of exactly maxKeyBytes made of multi-byte characters",
      async () => {
        const { backend } = await suite.open();
        const key = keyOfBytes(maxKeyBytes);
        await backend.set(key, bytes("v"));
        expect(await backend.get(key)).toEqual(bytes("v"));
      },
      t,
    );

    it(
      "set() counts key size in UTF-8 bytes: rejects KVKIT_TOO_LARGE one byte over with multi-byte characters",
      async () => {
        const { backend } = await suite.open();
        // Fewer UTF-16 units than maxKeyBytes, but one UTF-8 byte too many.
        const key = `${"k".repeat(maxKeyBytes - 1)}é`;
        await expect(backend.set(key, bytes("v"))).rejects.toMatchObject(keyTooLarge);
        expect(await backend.has(key.slice(0, -1))).toBe(false);
      },
      t,
    );

    // Every place a key goes, in every declared capability; a refused call writes nothing.
    for (const keyCall of declaredKeyCalls(suite.manifest)) {
      it(
        `${keyCall.method}() rejects KVKIT_TOO_LARGE for a key over maxKeyBytes${keyCall.where}`,
        async () => {
          const { backend } = await suite.open();
          await expectKeyRefused(backend, keyCall, "k".repeat(maxKeyBytes + 1), keyTooLarge);
        },
        t,
      );
    }
  });

  const wrongTypes: readonly (readonly [string, (backend: Backend) => Promise<unknown>])[] = [
    ["get() rejects with a TypeError for a non-string key", (b) => b.get(42 as unknown as string)],
    [
      "set() rejects with a TypeError for a non-string key",
      (b) => b.set(undefined as unknown as string, bytes("v")),
    ],
    [
      "set() rejects with a TypeError for a string value",
      (b) => b.set("k", "text" as unknown as Uint8Array),
    ],
    [
      "set() rejects with a TypeError for an ArrayBuffer value",
      (b) => b.set("k", new ArrayBuffer(2) as unknown as Uint8Array),
    ],
    [
      "set() rejects with a TypeError for a missing value",
      (b) => b.set("k", undefined as unknown as Uint8Array),
    ],
    [
      "delete() rejects with a TypeError for a non-string key",
      (b) => b.delete(null as unknown as string),
    ],
    ["has() rejects with a TypeError for a non-string key", (b) => b.has({} as unknown as string)],
  ];
  for (const [name, call] of wrongTypes) {
    it(
      name,
      async () => {
        const { backend } = await suite.open();
        const error = await call(backend).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(TypeError);
        expect(await backend.has("k")).toBe(false);
      },
      t,
    );
  }

  it(
    "set() on one store is invisible to an instance opened on another store",
    async () => {
      const { backend } = await suite.open();
      const { backend: other } = await suite.open();
      await backend.set("k", bytes("v"));
      expect(await other.get("k")).toBeUndefined();
      expect(await other.has("k")).toBe(false);
    },
    t,
  );

  it.skipIf(!suite.manifest.sharedStore)(
    "set() through one instance is read by another instance on the same store",
    async () => {
      const { backend, openAnother } = await suite.open();
      const other = await openAnother();
      await backend.set("k", bytes("v"));
      expect(await other.get("k")).toEqual(bytes("v"));
      expect(await other.delete("k")).toBe(true);
      expect(await backend.has("k")).toBe(false);
    },
    t,
  );

  it(
    "set() with ttlMs explicitly undefined is a plain write, with or without the ttl capability",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("v"), { ttlMs: undefined, signal: undefined });
      expect(await backend.get("k", { signal: undefined })).toEqual(bytes("v"));
    },
    t,
  );

  it(
    "set() stores nothing when its signal has already fired",
    async () => {
      const { backend } = await suite.open();
      const { signal, reason } = abortedSignal();
      await expect(backend.set("k", bytes("v"), { signal })).rejects.toMatchObject({
        code: "KVKIT_ABORTED",
        name: "AbortError",
        cause: reason,
      });
      expect(await backend.has("k")).toBe(false);
    },
    t,
  );

  it(
    "delete() removes nothing when its signal has already fired",
    async () => {
      const { backend } = await suite.open();
      await backend.set("k", bytes("v"));
      const { signal } = abortedSignal();
      await expect(backend.delete("k", { signal })).rejects.toMatchObject({
        code: "KVKIT_ABORTED",
      });
      expect(await backend.get("k")).toEqual(bytes("v"));
    },
    t,
  );

  it(
    "set() whose signal fires mid-flight rejects with KVKIT_ABORTED only when it stored nothing (else it resolves, or rejects with KVKIT_OUTCOME_UNKNOWN)",
    async () => {
      const { backend } = await suite.open();
      const outcomes = await writeWithAborts((i, signal) =>
        backend.set(`abort-${i}`, bytes(`v${i}`), { signal }),
      );
      const wrong: string[] = [];
      for (const [i, outcome] of outcomes.entries()) {
        const stored = await backend.get(`abort-${i}`);
        if (outcome === "applied" && stored === undefined) wrong.push(`${i}: resolved, not stored`);
        if (outcome === "aborted" && stored !== undefined)
          wrong.push(`${i}: KVKIT_ABORTED, stored`);
      }
      expect(wrong).toEqual([]);
    },
    t,
  );

  it(
    "delete() whose signal fires mid-flight rejects with KVKIT_ABORTED only when it removed nothing",
    async () => {
      const { backend } = await suite.open();
      for (let i = 0; i < ABORT_ATTEMPTS; i++) await backend.set(`abort-${i}`, bytes(`v${i}`));
      const outcomes = await writeWithAborts((i, signal) =>
        backend.delete(`abort-${i}`, { signal }),
      );
      const wrong: string[] = [];
      for (const [i, outcome] of outcomes.entries()) {
        const present = await backend.has(`abort-${i}`);
        if (outcome === "applied" && present) wrong.push(`${i}: resolved, still there`);
        if (outcome === "aborted" && !present) wrong.push(`${i}: KVKIT_ABORTED, removed`);
      }
      expect(wrong).toEqual([]);
    },
    t,
  );

  it(
    "set() with a live signal that never fires stores the value",
    async () => {
      const { backend } = await suite.open();
      const controller = new AbortController();
      await backend.set("k", bytes("v"), { signal: controller.signal });
      expect(await backend.get("k", { signal: controller.signal })).toEqual(bytes("v"));
    },
    t,
  );
}

/** A deterministic, non-constant value of `length` bytes. */
function patterned(length: number): Uint8Array {
  const value = new Uint8Array(length);
  // A 251-byte period (prime, so it never lines up with power-of-two chunks), doubled by
  // copying: a byte-by-byte loop over 16 MiB is slow.
  const period = Math.min(length, 251);
  for (let i = 0; i < period; i++) value[i] = (i * 31 + 7) & 0xff;
  for (let filled = period; filled < length; filled *= 2) {
    value.copyWithin(filled, 0, Math.min(filled, length - filled));
  }
  return value;
}

/** A key of exactly `size` UTF-8 bytes, mostly 2-, 3- and 4-byte characters. */
function keyOfBytes(size: number): string {
  const pieces = ["😀", "€", "é"];
  let key = "";
  let used = 0;
  for (const piece of pieces) {
    const width = Buffer.byteLength(piece);
    const count = Math.floor((size - used) / width / 2);
    key += piece.repeat(count);
    used += count * width;
  }
  return key + "k".repeat(size - used);
}

function toPlain(value: Uint8Array | undefined): Uint8Array {
  if (value === undefined) throw new Error("expected a stored value, got undefined");
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
