import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileBackend } from "../src/index.ts";
import { LOG_FILE_NAME } from "../src/log-format.ts";
import { flipMiddleByte } from "./helpers/flip-byte.ts";
import { inspectLog } from "./helpers/inspect-log.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

const root = temporaryRoot("kvkit-file-damaged-read-");

/** A value that occurs once in the log, so the test can find its bytes there. */
const distinct = (name: string): Uint8Array =>
  new Uint8Array(Buffer.from(`${name}:${name.repeat(40)}`, "utf8"));

describe("reads of values damaged on disk", () => {
  it("get() rejects with KVKIT_CORRUPTED for a value whose single-set record rotted after it was replayed, and other keys read normally", async () => {
    // Regression: reads pread only the value's bytes and checked nothing, so an instance that
    // replayed a record before it rotted returned the damaged bytes as the value.
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const damaged = distinct("single");
    await using backend = new FileBackend({ directory });
    await backend.set("before", distinct("before"));
    await backend.set("damaged", damaged);
    await backend.set("after", distinct("after"));
    expect(await backend.get("damaged")).toEqual(damaged);
    flipMiddleByte(path, damaged, { unique: true });
    const onDisk = readFileSync(path);

    await expect(backend.get("damaged")).rejects.toMatchObject({ code: "KVKIT_CORRUPTED" });
    await expect(backend.getVersioned("damaged")).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
    await expect(backend.getMany(["before", "damaged"])).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });

    expect(await backend.get("before")).toEqual(distinct("before"));
    expect(await backend.getMany(["after", "before"])).toEqual([
      distinct("after"),
      distinct("before"),
    ]);
    // The key is still listed and reported as present: only its bytes are refused.
    expect(await backend.has("damaged")).toBe(true);
    // Nothing was written or repaired.
    expect(readFileSync(path).equals(onDisk)).toBe(true);
  });

  it("get() rejects with KVKIT_CORRUPTED for a value inside a setMany batch record that rotted, while the batch's intact values still read", async () => {
    // Each value is checked on its own against a checksum taken from its bytes when the whole
    // record was verified at replay, so a neighbour's bytes are proven intact: they read.
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const names = ["first", "damaged", "last"];
    await using backend = new FileBackend({ directory });
    await backend.setMany(names.map((name) => ({ key: name, value: distinct(name) })));
    await backend.set("other", distinct("other"));
    expect(await backend.getMany(names)).toEqual(names.map(distinct));
    flipMiddleByte(path, distinct("damaged"), { unique: true });
    const onDisk = readFileSync(path);
    // The batch is one record, and it now fails its checksum as a whole.
    expect(inspectLog(path).records).toBe(1);

    await expect(backend.get("damaged")).rejects.toMatchObject({ code: "KVKIT_CORRUPTED" });
    await expect(backend.getMany(names)).rejects.toMatchObject({ code: "KVKIT_CORRUPTED" });

    expect(await backend.get("first")).toEqual(distinct("first"));
    expect(await backend.getMany(["last", "first", "other"])).toEqual([
      distinct("last"),
      distinct("first"),
      distinct("other"),
    ]);
    expect(readFileSync(path).equals(onDisk)).toBe(true);
  });

  it("getMany() rejects with KVKIT_CORRUPTED when the damage is in a batch value it reads along with others of the same record", async () => {
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const entries = Array.from({ length: 50 }, (_, i) => ({
      key: `k${i}`,
      value: distinct(`v${String(i).padStart(2, "0")}`),
    }));
    await using backend = new FileBackend({ directory });
    await backend.setMany(entries);
    flipMiddleByte(path, distinct("v49"), { unique: true });

    await expect(backend.getMany(entries.map((entry) => entry.key))).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
    expect(await backend.getMany(entries.slice(0, 49).map((entry) => entry.key))).toEqual(
      entries.slice(0, 49).map((entry) => entry.value),
    );
  });

  it("get() and getMany() check large values (over 1 KiB) the same way", async () => {
    const directory = root.fresh();
    const path = join(directory, LOG_FILE_NAME);
    const large = (name: string): Uint8Array =>
      new Uint8Array(Buffer.from(`${name}:${name.repeat(20_000)}`, "utf8"));
    await using backend = new FileBackend({ directory });
    await backend.setMany([
      { key: "intact", value: large("intact") },
      { key: "damaged", value: large("damaged") },
    ]);
    flipMiddleByte(path, large("damaged"), { unique: true });

    await expect(backend.get("damaged")).rejects.toMatchObject({ code: "KVKIT_CORRUPTED" });
    await expect(backend.getMany(["intact", "damaged"])).rejects.toMatchObject({
      code: "KVKIT_CORRUPTED",
    });
    expect(await backend.get("intact")).toEqual(large("intact"));
  });
});
