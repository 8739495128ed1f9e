import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_FILE_NAME } from "../src/log-format.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

const root = temporaryRoot("kvkit-file-security-");

/** Every path under `directory` with its size and modification time. */
function snapshot(directory: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      const stats = lstatSync(full);
      found.set(relative(directory, full), `${stats.size}:${stats.mtimeMs}`);
      if (stats.isDirectory()) walk(full);
    }
  };
  walk(directory);
  return found;
}

const traversalKey = fc
  .array(
    fc.constantFrom(
      "..",
      ".",
      "/",
      "\\",
      "../",
      "..\\",
      "%2e%2e%2f",
      "%00",
      "\u0000",
      "C:",
      "~",
      "CON",
      "nul.txt",
      LOG_FILE_NAME,
      ".kvkit-0123456789abcdef.tmp",
      "/etc/passwd",
      "A",
      "a",
      "é",
      "e\u0301",
      "\u2215",
      "\uFF0E\uFF0E",
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => parts.join(""));

describe("security", () => {
  it("set() creates no file outside the store for traversal-heavy keys (10,000 generated keys)", async () => {
    const sandbox = root.at("sandbox");
    const directory = join(sandbox, "store");
    mkdirSync(sandbox);
    await using backend = new FileBackend({ directory, durability: "process" });
    await backend.set("first", new Uint8Array([1]));
    const before = snapshot(sandbox);
    const keys = [...new Set(fc.sample(traversalKey, { numRuns: 10_000, seed: 42 }))];
    for (let at = 0; at < keys.length; at += 500) {
      const batch = keys.slice(at, at + 500);
      await backend.setMany(batch.map((key) => ({ key, value: Buffer.from(key, "utf8") })));
    }
    for (const key of keys) {
      expect(await backend.get(key), key).toEqual(new Uint8Array(Buffer.from(key, "utf8")));
    }
    const listed: string[] = [];
    for await (const entry of backend.list()) listed.push(entry.key);
    expect(listed.sort()).toEqual([...keys, "first"].sort());
    const after = snapshot(sandbox);
    // Only the log changed; nothing appeared or changed anywhere else under the sandbox.
    after.delete(join("store", LOG_FILE_NAME));
    before.delete(join("store", LOG_FILE_NAME));
    expect(after).toEqual(before);
    expect(readdirSync(directory)).toEqual([LOG_FILE_NAME]);
    expect(keys.length).toBeGreaterThan(5000);
  }, 60_000);

  it("get() keeps keys that differ only in case or Unicode normalisation apart", async () => {
    await using backend = new FileBackend({ directory: root.at("collisions") });
    const keys = ["A", "a", "é", "e\u0301", "CON", "con", "..", "."];
    for (const [index, key] of keys.entries()) await backend.set(key, new Uint8Array([index]));
    for (const [index, key] of keys.entries()) {
      expect(await backend.get(key)).toEqual(new Uint8Array([index]));
    }
  });

  it("get() rejects with KVKIT_UNAVAILABLE and writes nothing when the log is a planted symlink", async () => {
    const directory = root.at("symlink-log");
    const target = root.at("outside.txt");
    writeFileSync(target, "outside");
    mkdirSync(directory, { mode: 0o700 });
    symlinkSync(target, join(directory, LOG_FILE_NAME));
    await using backend = new FileBackend({ directory });
    await expect(backend.set("k", new Uint8Array([1]))).rejects.toMatchObject({
      code: "KVKIT_UNAVAILABLE",
    });
    expect(readFileSync(target, "utf8")).toBe("outside");
  });

  it("open removes a symlink planted under a temporary name without touching its target", async () => {
    const directory = root.at("symlink-temp");
    const target = root.at("outside-temp.txt");
    writeFileSync(target, "outside");
    mkdirSync(directory, { mode: 0o700 });
    const planted = join(directory, ".kvkit-0123456789abcdef.tmp");
    symlinkSync(target, planted);
    await using backend = new FileBackend({ directory });
    await backend.set("k", new Uint8Array([1]));
    expect(existsSync(planted)).toBe(false);
    expect(readFileSync(target, "utf8")).toBe("outside");
  });

  for (const mask of [0o000, 0o022, 0o077, 0o777]) {
    it(`set() creates the directory 0700 and the log 0600 under umask ${mask.toString(8).padStart(3, "0")}`, async () => {
      const directory = root.at(`umask-${mask.toString(8)}`, "nested");
      const previous = process.umask(mask);
      try {
        await using backend = new FileBackend({ directory });
        await backend.set("k", new Uint8Array([1]));
        await backend.health();
      } finally {
        process.umask(previous);
      }
      expect(statSync(directory).mode & 0o777).toBe(0o700);
      expect(statSync(join(directory, "..")).mode & 0o777).toBe(0o700);
      expect(statSync(join(directory, LOG_FILE_NAME)).mode & 0o777).toBe(0o600);
    });
  }
});
