import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { connect, PluginRegistry } from "@kvkit/spec";
import { describe, expect, it } from "vitest";
import { FileBackend, manifest, plugin } from "../src/index.ts";
import { LOG_FILE_NAME } from "../src/log-format.ts";
import { temporaryRoot } from "./helpers/temporary-root.ts";

const root = temporaryRoot("kvkit-file-backend-");

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

describe("FileBackend", () => {
  describe("options", () => {
    it("constructor accepts a file: URL (string or URL) for the directory", async () => {
      const directory = root.fresh();
      await using byPath = new FileBackend({ directory });
      await byPath.set("k", bytes("v"));
      await using byUrl = new FileBackend({ directory: pathToFileURL(directory) });
      await using byString = new FileBackend({ directory: pathToFileURL(directory).href });
      expect(await byUrl.get("k")).toEqual(bytes("v"));
      expect(await byString.get("k")).toEqual(bytes("v"));
    });

    it("constructor rejects with KVKIT_INVALID_OPTION for a missing directory or another URL scheme", () => {
      expect(() => new FileBackend({ directory: "" })).toThrow(
        expect.objectContaining({ code: "KVKIT_INVALID_OPTION" }),
      );
      expect(() => new FileBackend({ directory: new URL("http://example.com/x") })).toThrow(
        expect.objectContaining({ code: "KVKIT_INVALID_OPTION" }),
      );
    });

    for (const durability of ["none", "process", "power"] as const) {
      it(`manifest declares durability ${durability} when opened with it`, async () => {
        await using backend = new FileBackend({ directory: root.fresh(), durability });
        expect(backend.manifest.durability).toBe(durability);
        expect(backend.manifest.capabilities).toEqual(manifest.capabilities);
      });
    }

    it("connect() opens a file: URL through the plugin, with query options", async () => {
      const registry = new PluginRegistry();
      registry.register(plugin);
      const directory = root.fresh();
      const url = `${pathToFileURL(directory).href}?durability=process&prefix=app:`;
      await using backend = await connect(url, { registry });
      expect(backend.manifest.durability).toBe("process");
      await backend.set("k", bytes("v"));
      await using raw = new FileBackend({ directory });
      expect(await raw.get("app:k")).toEqual(bytes("v"));
      expect(plugin.schemes).toEqual(["file"]);
      expect(plugin.manifest).toEqual(manifest);
    });
  });

  describe("persistence", () => {
    it("get() returns what an earlier, closed instance wrote", async () => {
      const directory = root.fresh();
      const first = new FileBackend({ directory });
      await first.setMany([
        { key: "a", value: bytes("1") },
        { key: "b", value: bytes("2") },
      ]);
      await first.delete("a");
      await first.close();
      await using second = new FileBackend({ directory });
      expect(await second.get("a")).toBeUndefined();
      expect(await second.get("b")).toEqual(bytes("2"));
    });

    it("get() rejects with KVKIT_CORRUPTED for a log of another format version", async () => {
      const directory = root.fresh();
      const first = new FileBackend({ directory });
      await first.set("k", bytes("v"));
      await first.close();
      const header = Buffer.alloc(32);
      header.write("KVKITLOG", 0, "latin1");
      header.writeUInt32LE(99, 8);
      writeFileSync(join(directory, LOG_FILE_NAME), header);
      await using second = new FileBackend({ directory });
      await expect(second.get("k")).rejects.toMatchObject({ code: "KVKIT_CORRUPTED" });
    });
  });

  describe("lifecycle", () => {
    it("close() settles every write in flight and never hangs", async () => {
      const backend = new FileBackend({ directory: root.fresh() });
      await backend.set("warm", bytes("v"));
      const writes = Array.from({ length: 200 }, (_, i) => backend.set(`k${i}`, bytes("v")));
      await backend.close();
      const results = await Promise.allSettled(writes);
      for (const result of results) {
        if (result.status === "rejected")
          expect(result.reason).toMatchObject({ code: "KVKIT_CLOSED" });
      }
      await backend.close();
    });

    it("set() rejects with KVKIT_ABORTED and stores nothing when aborted before the append", async () => {
      await using backend = new FileBackend({ directory: root.fresh() });
      await backend.set("warm", bytes("v"));
      const controller = new AbortController();
      const write = backend.set("k", bytes("v"), { signal: controller.signal });
      controller.abort();
      await expect(write).rejects.toMatchObject({ code: "KVKIT_ABORTED", name: "AbortError" });
      expect(await backend.has("k")).toBe(false);
    });
  });

  describe("health", () => {
    it("health() reports ok with the free space of the directory's file system", async () => {
      await using backend = new FileBackend({ directory: root.fresh() });
      const report = await backend.health();
      expect(report.status).toBe("ok");
      expect(report.details.freeBytes).toBeGreaterThan(0);
      expect(report.details.writable).toBe(true);
    });

    it("health() reports degraded when free space is below minFreeBytes", async () => {
      await using backend = new FileBackend({
        directory: root.fresh(),
        minFreeBytes: Number.MAX_SAFE_INTEGER,
      });
      expect((await backend.health()).status).toBe("degraded");
    });

    it("health() reports unavailable when the directory is gone", async () => {
      const directory = root.fresh();
      await using backend = new FileBackend({ directory });
      await backend.set("k", bytes("v"));
      rmSync(directory, { recursive: true });
      const report = await backend.health();
      expect(report.status).toBe("unavailable");
      expect(typeof report.details.error).toBe("string");
    });
  });
});
