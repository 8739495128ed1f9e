import fc from "fast-check";
import { expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import { collect } from "../collect.ts";
import { HOSTILE_KEYS, LONE_SURROGATE_KEYS } from "../hostile-keys.ts";
import type { SuiteContext } from "../suite-context.ts";
import { assertProperty } from "../traits/assert-property.ts";
import { expectKeys } from "../traits/expect-keys.ts";
import { declaredKeyCalls, expectKeyRefused } from "../traits/key-calls.ts";
import { listKeys } from "../traits/list-keys.ts";
import { sortByBytes } from "../traits/sort-by-bytes.ts";

/**
 * Hostile keys and values (B1-B3, S5): round trips, distinctness, rejections (of the empty key
 * and lone surrogates wherever a method takes a key), a property.
 */
export function hostileInputCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const ordered = suite.manifest.orderedList;
  const { maxKeyBytes, maxValueBytes } = suite.manifest.limits;
  const corpus = HOSTILE_KEYS.filter((key) => Buffer.byteLength(key) <= maxKeyBytes);

  // Every place a key goes, in every declared capability; a refused call writes nothing.
  for (const keyCall of declaredKeyCalls(suite.manifest)) {
    const { method, where } = keyCall;
    it(
      `${method}() rejects KVKIT_INVALID_KEY for the empty key${where}`,
      async () => {
        const { backend } = await suite.open();
        await expectKeyRefused(backend, keyCall, "", { code: "KVKIT_INVALID_KEY" });
      },
      t,
    );

    it(
      `${method}() rejects KVKIT_INVALID_KEY for keys with lone surrogates${where}`,
      async () => {
        const { backend } = await suite.open();
        for (const key of LONE_SURROGATE_KEYS) {
          await expectKeyRefused(backend, keyCall, key, { code: "KVKIT_INVALID_KEY" });
        }
      },
      t,
    );
  }

  it(
    "set() of a key with a lone surrogate stores nothing (no U+FFFD collision)",
    async () => {
      const { backend } = await suite.open();
      await expect(backend.set("\ud800", bytes("v"))).rejects.toMatchObject({
        code: "KVKIT_INVALID_KEY",
      });
      expect(await backend.has("\ufffd")).toBe(false);
      expect(await listKeys(backend)).toEqual([]);
    },
    t,
  );

  for (const field of ["prefix", "start", "end"] as const) {
    it(
      `list() rejects KVKIT_INVALID_KEY for a lone surrogate in ${field}`,
      async () => {
        const { backend } = await suite.open();
        await backend.set("a", bytes("v"));
        const listing = backend.list({ [field]: "a\ud800" });
        await expect(collect(listing)).rejects.toMatchObject({ code: "KVKIT_INVALID_KEY" });
      },
      t,
    );
  }

  for (const key of corpus) {
    it(
      `set(), get(), has(), list() and delete() handle the key ${JSON.stringify(key)} exactly`,
      async () => {
        const { backend } = await suite.open();
        const value = bytes(`value of ${key}`);
        await backend.set(key, value);
        expect(await backend.get(key)).toEqual(value);
        expect(await backend.has(key)).toBe(true);
        expect(await listKeys(backend)).toEqual([key]);
        expect(await listKeys(backend, { prefix: key })).toEqual([key]);
        expect(await backend.delete(key)).toBe(true);
        expect(await backend.has(key)).toBe(false);
        expect(await listKeys(backend)).toEqual([]);
      },
      t,
    );
  }

  it(
    "set() keeps every hostile key distinct: case, NFC/NFD, dots and device names never collide",
    async () => {
      const { backend } = await suite.open();
      for (const [index, key] of corpus.entries()) await backend.set(key, bytes(`#${index}`));
      for (const [index, key] of corpus.entries()) {
        expect(await backend.get(key), JSON.stringify(key)).toEqual(bytes(`#${index}`));
      }
      expectKeys(await listKeys(backend), sortByBytes(corpus), ordered);
    },
    t,
  );

  it(
    "set() treats case variants as distinct keys",
    async () => {
      const { backend } = await suite.open();
      await backend.set("Key", bytes("upper"));
      await backend.set("key", bytes("lower"));
      expect(await backend.get("Key")).toEqual(bytes("upper"));
      expect(await backend.get("key")).toEqual(bytes("lower"));
      expect(await backend.get("KEY")).toBeUndefined();
    },
    t,
  );

  it(
    "set() treats NFC and NFD forms as distinct keys",
    async () => {
      const { backend } = await suite.open();
      const nfc = "caf\u00e9";
      const nfd = "cafe\u0301";
      await backend.set(nfc, bytes("nfc"));
      expect(await backend.get(nfd)).toBeUndefined();
      await backend.set(nfd, bytes("nfd"));
      expect(await backend.get(nfc)).toEqual(bytes("nfc"));
      expect(await backend.get(nfd)).toEqual(bytes("nfd"));
      expectKeys(await listKeys(backend, { prefix: "caf" }), sortByBytes([nfc, nfd]), ordered);
    },
    t,
  );

  it(
    "set() of __proto__, constructor and friends does not pollute Object.prototype",
    async () => {
      const { backend } = await suite.open();
      const specials = [
        "__proto__",
        "constructor",
        "prototype",
        "toString",
        "hasOwnProperty",
        "valueOf",
      ];
      const payload = bytes(
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      );
      const before = Object.getOwnPropertyNames(Object.prototype).sort();
      for (const key of specials) await backend.set(key, payload);
      for (const key of specials) expect(await backend.get(key)).toEqual(payload);
      expect(await backend.has("polluted")).toBe(false);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      expect({}.toString).toBe(Object.prototype.toString);
      expectKeys(await listKeys(backend), sortByBytes(specials), ordered);
    },
    t,
  );

  it(
    "get(), has() and delete() of __proto__ and constructor on an empty store find nothing",
    async () => {
      const { backend } = await suite.open();
      for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
        expect(await backend.get(key), key).toBeUndefined();
        expect(await backend.has(key), key).toBe(false);
        expect(await backend.delete(key), key).toBe(false);
      }
    },
    t,
  );

  it(
    "list() with a traversal-shaped prefix matches only keys with those bytes",
    async () => {
      const { backend } = await suite.open();
      const keys = ["../a", "../../etc/passwd", "..", "./a", "a"];
      for (const key of keys) await backend.set(key, bytes(key));
      expectKeys(
        await listKeys(backend, { prefix: "../" }),
        sortByBytes(["../a", "../../etc/passwd"]),
        ordered,
      );
      expectKeys(
        await listKeys(backend, { prefix: ".." }),
        sortByBytes(["../a", "../../etc/passwd", ".."]),
        ordered,
      );
    },
    t,
  );

  it.skipIf(maxKeyBytes > 1024 * 1024)(
    "set() stores distinct keys that differ only in their last byte at the key limit",
    async () => {
      const { backend } = await suite.open();
      const stem = "/".repeat(maxKeyBytes - 1);
      await backend.set(`${stem}a`, bytes("a"));
      await backend.set(`${stem}b`, bytes("b"));
      expect(await backend.get(`${stem}a`)).toEqual(bytes("a"));
      expect(await backend.get(`${stem}b`)).toEqual(bytes("b"));
      expectKeys(await listKeys(backend), [`${stem}a`, `${stem}b`], ordered);
    },
    t,
  );

  const keyArbitrary = fc
    .oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
      fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
      fc.constantFrom(...corpus),
    )
    .filter((key) => key.length > 0 && key.isWellFormed() && Buffer.byteLength(key) <= maxKeyBytes);
  const valueArbitrary = fc.uint8Array({ maxLength: Math.min(64, maxValueBytes) });

  it(
    "set() keeps 200 arbitrary well-formed keys distinct: each reads back its own value (property)",
    async () => {
      await assertProperty(
        suite,
        fc.asyncProperty(
          fc.uniqueArray(keyArbitrary, { minLength: 200, maxLength: 200 }),
          async (keys) => {
            const { backend } = await suite.open();
            for (const [index, key] of keys.entries()) await backend.set(key, bytes(String(index)));
            for (const [index, key] of keys.entries()) {
              expect(await backend.get(key), JSON.stringify(key)).toEqual(bytes(String(index)));
            }
            expectKeys(await listKeys(backend), sortByBytes(keys), ordered);
            await backend.close();
          },
        ),
        // 200 keys is about 20,000 pairs per run; a few runs per suite run are enough.
        Math.max(1, Math.round(suite.propertyRuns / 25)),
      );
    },
    Math.max(t, 30_000),
  );

  it(
    "set(), get(), list() and delete() round-trip arbitrary well-formed keys and byte values (property)",
    async () => {
      await assertProperty(
        suite,
        fc.asyncProperty(
          fc.uniqueArray(fc.tuple(keyArbitrary, valueArbitrary), {
            minLength: 1,
            maxLength: 8,
            selector: ([key]) => key,
          }),
          async (entries) => {
            const { backend } = await suite.open();
            for (const [key, value] of entries) await backend.set(key, value);
            for (const [key, value] of entries) {
              expect(await backend.get(key), JSON.stringify(key)).toEqual(value);
            }
            const keys = entries.map(([key]) => key);
            expectKeys(await listKeys(backend), sortByBytes(keys), ordered);
            for (const key of keys)
              expect(await backend.delete(key), JSON.stringify(key)).toBe(true);
            expect(await listKeys(backend)).toEqual([]);
            await backend.close();
          },
        ),
      );
    },
    Math.max(t, 30_000),
  );
}
