import type { Backend, ListEntry, ListOptions } from "@kvkit/spec";
import { expect, it } from "vitest";
import { bytes } from "../bytes.ts";
import { collect } from "../collect.ts";
import type { SuiteContext } from "../suite-context.ts";
import { expectKeys } from "../traits/expect-keys.ts";
import { listKeys } from "../traits/list-keys.ts";
import { sortByBytes } from "../traits/sort-by-bytes.ts";

/** Keys whose prefixes contain glob and LIKE metacharacters. */
const PREFIX_KEYS = [
  "use",
  "user",
  "user:1",
  "user:2",
  "users",
  "user*",
  "user*x",
  "user?",
  "user?x",
  "user[1]",
  "user[",
  "user]",
  "user%",
  "user%x",
  "user_",
  "user_x",
  "user\\",
  "user\\x",
  "user{a}",
  "usex",
  "USER",
  "a",
];

/**
 * Keys whose UTF-8 byte order differs from JavaScript's UTF-16 string order: supplementary
 * characters (4 UTF-8 bytes, surrogate pairs in UTF-16) sort after U+E000–U+FFFF in bytes,
 * before them in UTF-16.
 */
const ORDER_KEYS = [
  "\u0000",
  "\u0001",
  " ",
  "A",
  "Z",
  "a",
  "ab",
  "abc",
  "b",
  "z",
  "\u007f",
  "\u0080",
  "é",
  "\u07ff",
  "\u0800",
  "\ud7ff",
  "\ue000",
  "\uf8ff",
  "\ufb01",
  "\uffef",
  "\uffff",
  "\u{10000}",
  "😀",
  "\u{10ffff}",
];

const RANGE_KEYS = Array.from({ length: 10 }, (_, i) => `k${i}`);

/** `list()`: byte prefixes, byte order, bounds, limit, cursors, and releasing on break. */
export function listCases(suite: SuiteContext): void {
  const t = suite.timeoutMs;
  const ordered = suite.manifest.orderedList;

  async function store(keys: readonly string[]): Promise<Backend> {
    const { backend } = await suite.open();
    for (const key of keys) await backend.set(key, bytes(key));
    return backend;
  }

  function expected(keys: readonly string[], filter: (key: string) => boolean): string[] {
    return sortByBytes(keys.filter(filter));
  }

  it(
    "list() yields every key when no prefix is given",
    async () => {
      const backend = await store(PREFIX_KEYS);
      expectKeys(await listKeys(backend), sortByBytes(PREFIX_KEYS), ordered);
    },
    t,
  );

  it(
    "list() with an empty prefix yields every key",
    async () => {
      const backend = await store(PREFIX_KEYS);
      expectKeys(await listKeys(backend, { prefix: "" }), sortByBytes(PREFIX_KEYS), ordered);
    },
    t,
  );

  it(
    "list() yields nothing on an empty store",
    async () => {
      const { backend } = await suite.open();
      expect(await listKeys(backend)).toEqual([]);
    },
    t,
  );

  it(
    "list() yields entries with the key and a string cursor",
    async () => {
      const backend = await store(["a", "b"]);
      const entries = await collect(backend.list());
      expect(entries).toHaveLength(2);
      for (const entry of entries) {
        expect(typeof entry.key).toBe("string");
        expect(typeof entry.cursor).toBe("string");
      }
    },
    t,
  );

  for (const prefix of [
    "user",
    "user:",
    "user*",
    "user?",
    "user[",
    "user]",
    "user%",
    "user_",
    "user\\",
    "user{",
    "use",
    "u",
    "USER",
    "x",
  ]) {
    it(
      `list() matches the prefix ${JSON.stringify(prefix)} as exact bytes, never as a pattern`,
      async () => {
        const backend = await store(PREFIX_KEYS);
        expectKeys(
          await listKeys(backend, { prefix }),
          expected(PREFIX_KEYS, (key) => key.startsWith(prefix)),
          ordered,
        );
      },
      t,
    );
  }

  it(
    "list() prefix matching is case-sensitive",
    async () => {
      const backend = await store(["Key", "key", "KEY", "kEy"]);
      expectKeys(await listKeys(backend, { prefix: "k" }), sortByBytes(["key", "kEy"]), ordered);
    },
    t,
  );

  it(
    "list() with a prefix longer than every key yields nothing",
    async () => {
      const backend = await store(["ab"]);
      expect(await listKeys(backend, { prefix: "abc" })).toEqual([]);
    },
    t,
  );

  it(
    "list() yields the stored keys exactly, including characters outside the BMP",
    async () => {
      const backend = await store(ORDER_KEYS);
      expectKeys(await listKeys(backend), sortByBytes(ORDER_KEYS), ordered);
    },
    t,
  );

  it.skipIf(!ordered)(
    "list() yields keys in ascending UTF-8 byte order (supplementary characters after U+E000-U+FFFF)",
    async () => {
      const backend = await store([...ORDER_KEYS].reverse());
      const keys = await listKeys(backend);
      expect(keys).toEqual(sortByBytes(ORDER_KEYS));
      expect(keys.indexOf("\uffff")).toBeLessThan(keys.indexOf("😀"));
    },
    t,
  );

  it.skipIf(!ordered)(
    "list() with reverse yields keys in descending UTF-8 byte order",
    async () => {
      const backend = await store(ORDER_KEYS);
      expect(await listKeys(backend, { reverse: true })).toEqual(sortByBytes(ORDER_KEYS).reverse());
    },
    t,
  );

  it(
    "list() with start yields keys at or after start (inclusive)",
    async () => {
      const backend = await store(RANGE_KEYS);
      expectKeys(await listKeys(backend, { start: "k3" }), RANGE_KEYS.slice(3), ordered);
    },
    t,
  );

  it(
    "list() with end yields keys strictly before end (exclusive)",
    async () => {
      const backend = await store(RANGE_KEYS);
      expectKeys(await listKeys(backend, { end: "k3" }), RANGE_KEYS.slice(0, 3), ordered);
    },
    t,
  );

  it(
    "list() with start and end yields the half-open range [start, end)",
    async () => {
      const backend = await store(RANGE_KEYS);
      expectKeys(
        await listKeys(backend, { start: "k3", end: "k7" }),
        RANGE_KEYS.slice(3, 7),
        ordered,
      );
    },
    t,
  );

  it(
    "list() with bounds that are not stored keys compares them as bytes",
    async () => {
      const backend = await store(RANGE_KEYS);
      expectKeys(
        await listKeys(backend, { start: "k2a", end: "k5\u0000" }),
        ["k3", "k4", "k5"],
        ordered,
      );
    },
    t,
  );

  it(
    "list() with start at or after end yields nothing",
    async () => {
      const backend = await store(RANGE_KEYS);
      expect(await listKeys(backend, { start: "k5", end: "k5" })).toEqual([]);
      expect(await listKeys(backend, { start: "k7", end: "k3" })).toEqual([]);
    },
    t,
  );

  it(
    "list() combines prefix, start and end: a key is listed when it matches all of them",
    async () => {
      const backend = await store([...RANGE_KEYS, "j5", "l5", "k"]);
      expectKeys(
        await listKeys(backend, { prefix: "k", start: "k", end: "k4" }),
        ["k", "k0", "k1", "k2", "k3"],
        ordered,
      );
      expectKeys(
        await listKeys(backend, { prefix: "k", start: "a", end: "z" }),
        ["k", ...RANGE_KEYS],
        ordered,
      );
    },
    t,
  );

  it.skipIf(!ordered)(
    "list() with reverse, start and end yields [start, end) descending",
    async () => {
      const backend = await store(RANGE_KEYS);
      expect(await listKeys(backend, { start: "k3", end: "k7", reverse: true })).toEqual([
        "k6",
        "k5",
        "k4",
        "k3",
      ]);
    },
    t,
  );

  it(
    "list() with limit 0 yields nothing",
    async () => {
      const backend = await store(RANGE_KEYS);
      expect(await listKeys(backend, { limit: 0 })).toEqual([]);
    },
    t,
  );

  it(
    "list() with limit 1 yields one key (the first in order when ordered)",
    async () => {
      const backend = await store(RANGE_KEYS);
      const keys = await listKeys(backend, { limit: 1 });
      expect(keys).toHaveLength(1);
      if (ordered) expect(keys).toEqual(["k0"]);
      else expect(RANGE_KEYS).toContain(keys[0]);
    },
    t,
  );

  it(
    "list() with a limit larger than the number of keys yields them all",
    async () => {
      const backend = await store(RANGE_KEYS);
      expectKeys(await listKeys(backend, { limit: 1000 }), RANGE_KEYS, ordered);
    },
    t,
  );

  it.skipIf(!ordered)(
    "list() with limit and reverse yields the last keys",
    async () => {
      const backend = await store(RANGE_KEYS);
      expect(await listKeys(backend, { limit: 3, reverse: true })).toEqual(["k9", "k8", "k7"]);
    },
    t,
  );

  const cursorOptions: readonly (readonly [string, ListOptions, boolean])[] = [
    ["no options", {}, false],
    ["a prefix", { prefix: "p/" }, false],
    ["start and end", { start: "k2", end: "p/b" }, false],
    ["a limit", { limit: 4 }, false],
    ["reverse", { reverse: true }, true],
    ["a prefix and reverse", { prefix: "p/", reverse: true }, true],
    ["start, end, reverse and a limit", { start: "k2", end: "p/b", reverse: true, limit: 5 }, true],
  ];
  const cursorKeys = [...RANGE_KEYS, "p/a", "p/b", "p/c", "p/é", "p/😀", "q"];
  for (const [label, options, needsOrder] of cursorOptions) {
    it.skipIf(needsOrder && !ordered)(
      `list() resumed from each entry's cursor yields exactly the rest, with ${label}`,
      async () => {
        const backend = await store(cursorKeys);
        const all = await collect(backend.list({ ...options, limit: undefined }));
        const allKeys = all.map((entry) => entry.key);
        for (const [index, entry] of all.entries()) {
          const rest = await listKeys(backend, { ...options, cursor: entry.cursor });
          expectResumed(allKeys, index, rest, ordered, options.limit);
        }
      },
      t,
    );
  }

  it(
    "list() pages through every key with limit and cursor, with no duplicate or gap",
    async () => {
      const backend = await store(cursorKeys);
      const seen = await pageThrough(backend, {}, 3);
      expectKeys(seen, sortByBytes(cursorKeys), ordered);
    },
    t,
  );

  it.skipIf(!ordered)(
    "list() pages backwards with reverse, limit and cursor",
    async () => {
      const backend = await store(cursorKeys);
      expect(await pageThrough(backend, { reverse: true }, 4)).toEqual(
        sortByBytes(cursorKeys).reverse(),
      );
    },
    t,
  );

  it(
    "list() resumes after a cursor whose key was deleted meanwhile",
    async () => {
      const backend = await store(RANGE_KEYS);
      const [first, second] = await collect(backend.list({ limit: 2 }));
      if (first === undefined || second === undefined) throw new Error("expected two entries");
      await backend.delete(second.key);
      const rest = await listKeys(backend, { cursor: second.cursor });
      const expectedRest = RANGE_KEYS.filter((key) => key !== first.key && key !== second.key);
      if (ordered) expect(rest).toEqual(expectedRest);
      else {
        expect(rest).not.toContain(second.key);
        expect(rest).not.toContain(first.key);
      }
    },
    t,
  );

  for (const cursor of ["not-a-cursor", "\u0000", "{}", "999999999999"]) {
    it(
      `list() rejects KVKIT_INVALID_CURSOR for the made-up cursor ${JSON.stringify(cursor)}`,
      async () => {
        const backend = await store(RANGE_KEYS);
        const listing = backend.list({ cursor });
        await expect(collect(listing)).rejects.toMatchObject({ code: "KVKIT_INVALID_CURSOR" });
      },
      t,
    );
  }

  it(
    "list() rejects KVKIT_INVALID_CURSOR for a cursor made with another prefix, start, end or reverse",
    async () => {
      const backend = await store(cursorKeys);
      const [entry] = await collect(backend.list({ prefix: "p/", limit: 1 }));
      if (entry === undefined) throw new Error("expected an entry under p/");
      // With its own options (and any limit) the cursor resumes: it is not refused as garbage.
      expect(
        await listKeys(backend, { prefix: "p/", limit: 2, cursor: entry.cursor }),
      ).toHaveLength(2);
      const others: ListOptions[] = [
        {},
        { prefix: "p" },
        { prefix: "p/", start: "p/b" },
        { prefix: "p/", end: "p/c" },
        ...(ordered ? [{ prefix: "p/", reverse: true }] : []),
      ];
      for (const options of others) {
        await expect(
          collect(backend.list({ ...options, cursor: entry.cursor })),
          JSON.stringify(options),
        ).rejects.toMatchObject({ code: "KVKIT_INVALID_CURSOR" });
      }
    },
    t,
  );

  for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(
      `list() rejects KVKIT_INVALID_OPTION for limit ${limit}`,
      async () => {
        const backend = await store(RANGE_KEYS);
        const listing = backend.list({ limit });
        await expect(collect(listing)).rejects.toMatchObject({ code: "KVKIT_INVALID_OPTION" });
      },
      t,
    );
  }

  it(
    "list() rejects with a TypeError for a non-string prefix",
    async () => {
      const backend = await store(RANGE_KEYS);
      const listing = backend.list({ prefix: 42 as unknown as string });
      await expect(collect(listing)).rejects.toBeInstanceOf(TypeError);
    },
    t,
  );

  it(
    "list() rejects KVKIT_ABORTED from next() when its signal fires during the iteration",
    async () => {
      const backend = await store(RANGE_KEYS);
      const controller = new AbortController();
      const reason = new Error("stop listing");
      const iterator = backend.list({ signal: controller.signal })[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      controller.abort(reason);
      // Entries already fetched may still come out; the iteration must not end normally.
      let error: unknown;
      try {
        for (let step = 0; step <= RANGE_KEYS.length; step++) {
          if ((await iterator.next()).done === true) break;
        }
      } catch (rejection) {
        error = rejection;
      }
      expect(error, "the iteration ended normally after its signal fired").toMatchObject({
        code: "KVKIT_ABORTED",
        name: "AbortError",
        cause: reason,
      });
    },
    t,
  );

  it(
    "list() during concurrent writes yields every unchanged key once, no key twice, in order when ordered",
    async () => {
      const stable = Array.from({ length: 60 }, (_, i) => `s/${String(i).padStart(2, "0")}`);
      const backend = await store(stable);
      const written = new Set<string>();
      let writing = true;
      const writer = (async () => {
        for (let round = 0; writing && round < 10_000; round++) {
          const key = `${round % 2 === 0 ? "r" : "t"}/${round % 17}`;
          written.add(key);
          if (round % 3 === 2) await backend.delete(key);
          else await backend.set(key, bytes(String(round)));
        }
      })();
      try {
        for (let pass = 0; pass < 3; pass++) {
          const listed: string[] = [];
          for await (const entry of backend.list()) {
            listed.push(entry.key);
            // Give the writer a turn between entries.
            await new Promise((resolve) => setImmediate(resolve));
          }
          expect(new Set(listed).size, "a key was listed twice").toBe(listed.length);
          for (const key of stable) expect(listed, `unchanged key ${key}`).toContain(key);
          for (const key of listed) {
            expect(stable.includes(key) || written.has(key), `phantom key ${key}`).toBe(true);
          }
          if (ordered) expect(listed).toEqual(sortByBytes(listed));
        }
      } finally {
        writing = false;
        await writer;
      }
    },
    t,
  );

  it(
    "list() releases everything when the loop breaks: listing and writing work afterwards",
    async () => {
      const backend = await store(RANGE_KEYS);
      for (let round = 0; round < 3; round++) {
        for await (const entry of backend.list()) {
          expect(typeof entry.key).toBe("string");
          break;
        }
      }
      await backend.set("after", bytes("v"));
      await backend.delete("k0");
      expectKeys(await listKeys(backend), sortByBytes([...RANGE_KEYS.slice(1), "after"]), ordered);
    },
    t,
  );

  it(
    "list() calls that overlap each other yield the same keys",
    async () => {
      const backend = await store(RANGE_KEYS);
      const [a, b] = await Promise.all([listKeys(backend), listKeys(backend)]);
      expect(a).toEqual(b);
    },
    t,
  );

  it(
    "list() yields every one of 1,200 keys exactly once",
    async () => {
      const { backend } = await suite.open();
      const keys = Array.from({ length: 1200 }, (_, i) => `many/${(i * 7919) % 1200}`);
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(keys.slice(i, i + 100).map((key) => backend.set(key, bytes(key))));
      }
      expectKeys(await listKeys(backend), sortByBytes(keys), ordered);
      expectKeys(await pageThrough(backend, { prefix: "many/" }, 250), sortByBytes(keys), ordered);
    },
    t,
  );
}

function expectResumed(
  allKeys: readonly string[],
  index: number,
  rest: readonly string[],
  ordered: boolean,
  limit: number | undefined,
): void {
  const remaining = allKeys.slice(index + 1);
  const expectedRest = limit === undefined ? remaining : remaining.slice(0, limit);
  if (ordered) {
    expect(rest).toEqual(expectedRest);
    return;
  }
  const before = new Set(allKeys.slice(0, index + 1));
  for (const key of rest) {
    expect(before.has(key), `${JSON.stringify(key)} listed again after its cursor`).toBe(false);
  }
  expect(rest).toHaveLength(expectedRest.length);
  if (limit === undefined) expect(sortByBytes([...before, ...rest])).toEqual(sortByBytes(allKeys));
}

async function pageThrough(
  backend: Backend,
  options: ListOptions,
  limit: number,
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const entries: ListEntry[] = await collect(backend.list({ ...options, limit, cursor }));
    expect(entries.length).toBeLessThanOrEqual(limit);
    seen.push(...entries.map((entry) => entry.key));
    const last = entries.at(-1);
    if (last === undefined || entries.length < limit) return seen;
    cursor = last.cursor;
  }
  throw new Error("paging did not end after 10,000 pages");
}
