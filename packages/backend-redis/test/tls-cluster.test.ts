import { randomUUID } from "node:crypto";
import { bytes, collect } from "@kvkit/testkit";
import { Cluster } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisBackend, type RedisBackendOptions } from "../src/index.ts";
import { type RedisServer, startTlsCluster } from "./helpers/redis-server.ts";
import { settle } from "./helpers/settle.ts";

// A 3-master Cluster of our own whose nodes listen on TLS only and talk TLS among themselves,
// every certificate signed by a CA made for this run. A connection that is not TLS, or that
// does not trust the CA, reaches no node.
const cluster = await startTlsCluster(3);
const startupNodes = cluster.nodes.map((node) => ({ host: node.host, port: node.port }));
const first = cluster.nodes[0] as RedisServer;
const control = new Cluster(startupNodes, { redisOptions: { tls: { ca: cluster.ca } } });
const opened: RedisBackend[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((backend) => backend.close()));
  control.disconnect();
  await cluster.stop();
});

// Short deadlines for the failure cases; each test's own timeout (5 s) is the hang guard.
const DEADLINE_MS = 300;

function open(options: RedisBackendOptions): RedisBackend {
  const backend = new RedisBackend(options);
  opened.push(backend);
  return backend;
}

/** The index of the node that serves `key`'s slot. */
async function ownerOf(key: string): Promise<number> {
  const slot = Number(await control.call("CLUSTER", "KEYSLOT", key));
  const slots = (await control.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
  const range = slots.find(([from, to]) => slot >= from && slot <= to);
  return cluster.nodes.findIndex((node) => node.port === range?.[2][1]);
}

for (const mode of ["indexed", "plain"] as const) {
  describe(`RedisBackend on a TLS-only Redis Cluster (mode ${mode})`, () => {
    // Every startup node given, the CA in `tls`.
    function byNodes(keyspace = randomUUID()): RedisBackend {
      return open({ nodes: startupNodes, tls: { ca: cluster.ca }, keyspace, mode });
    }

    it("set(), get() and delete() round-trip over TLS, and the value lands in the Cluster", async () => {
      const keyspace = randomUUID();
      const backend = byNodes(keyspace);
      await backend.set("k", bytes("v"));
      expect(await backend.get("k")).toEqual(bytes("v"));
      expect(await control.exists(`{${keyspace}}dk`)).toBe(1);
      expect(await backend.delete("k")).toBe(true);
      expect(await backend.get("k")).toBeUndefined();
      expect(await control.exists(`{${keyspace}}dk`)).toBe(0);
    });

    it("commit() and setMany() over many keys of one store succeed (one hash tag, no CROSSSLOT)", async () => {
      const backend = byNodes();
      const keys = Array.from({ length: 20 }, (_, i) => `user:${i}`);
      await backend.setMany(keys.map((key) => ({ key, value: bytes(key) })));
      const result = await backend.commit({
        set: keys.slice(0, 5).map((key) => ({ key, value: bytes("x") })),
        delete: keys.slice(5, 10),
      });
      expect(result.versions.size).toBe(5);
      expect(await backend.getMany(keys.slice(4, 6).concat(keys.slice(10, 11)))).toEqual([
        bytes("x"),
        undefined,
        bytes("user:10"),
      ]);
    });

    it("compareAndSet() with a version that a later write replaced rejects with KVKIT_CONFLICT", async () => {
      const backend = byNodes();
      await backend.set("k", bytes("1"));
      const read = await backend.getVersioned("k");
      await backend.set("k", bytes("2"));
      await expect(
        backend.compareAndSet("k", read?.version ?? null, bytes("3")),
      ).rejects.toMatchObject({ code: "KVKIT_CONFLICT" });
      expect(await backend.get("k")).toEqual(bytes("2"));
    });

    it("list() yields the store's keys under a prefix", async () => {
      const backend = byNodes();
      await backend.setMany(["a/1", "a/2", "b/1"].map((key) => ({ key, value: bytes(key) })));
      const keys = (await collect(backend.list({ prefix: "a/" }))).map((entry) => entry.key);
      // Mode plain lists in SCAN order.
      expect(keys.sort()).toEqual(["a/1", "a/2"]);
    });

    it("health() reports ok", async () => {
      expect((await byNodes().health()).status).toBe("ok");
    });

    // One startup node, the others found through CLUSTER SLOTS: the connections ioredis opens
    // to them must be TLS with the same CA. One store per master proves every node is reached.
    it("rediss:// with cluster: true reaches the stores on every master (nodes found by slot refresh)", async () => {
      const owners = new Set<number>();
      const keyspaces: string[] = [];
      while (owners.size < cluster.nodes.length) {
        const keyspace = randomUUID();
        const owner = await ownerOf(`{${keyspace}}d`);
        if (owners.has(owner)) continue;
        owners.add(owner);
        keyspaces.push(keyspace);
      }
      for (const keyspace of keyspaces) {
        const backend = open({
          url: `rediss://${first.host}:${first.port}`,
          cluster: true,
          tls: { ca: cluster.ca },
          keyspace,
          mode,
        });
        await backend.set("k", bytes(keyspace));
        expect(await backend.get("k")).toEqual(bytes(keyspace));
        expect(await control.get(`{${keyspace}}dk`)).not.toBeNull();
      }
    });

    it("rediss:// with cluster: true takes the CA from the ioredis option's tls", async () => {
      const keyspace = randomUUID();
      const backend = open({
        url: `rediss://${first.host}:${first.port}`,
        cluster: true,
        ioredis: { tls: { ca: cluster.ca } },
        keyspace,
        mode,
      });
      await backend.set("k", bytes("v"));
      expect(await backend.get("k")).toEqual(bytes("v"));
      expect(await control.exists(`{${keyspace}}dk`)).toBe(1);
    });

    if (mode === "indexed") {
      it("watch() receives a write made through another instance (its own TLS Cluster connection)", async () => {
        const keyspace = randomUUID();
        const watcher = byNodes(keyspace);
        const writer = byNodes(keyspace);
        const stream = await watcher.watch({ key: "w" });
        try {
          await writer.set("w", bytes("1"));
          const iterator = stream[Symbol.asyncIterator]();
          expect((await iterator.next()).value).toMatchObject({ type: "set", key: "w" });
        } finally {
          await stream.close();
        }
      });
    } else {
      it("watch() rejects with KVKIT_NOT_SUPPORTED (mode plain keeps no change log)", async () => {
        await expect(byNodes().watch()).rejects.toMatchObject({ code: "KVKIT_NOT_SUPPORTED" });
      });
    }

    describe("no CA given", () => {
      // TLS is on (rediss://), but Node's default roots do not include the test CA.
      function untrusted(options: RedisBackendOptions = {}): RedisBackend {
        return open({
          url: `rediss://${first.host}:${first.port}`,
          cluster: true,
          keyspace: randomUUID(),
          commandTimeoutMs: DEADLINE_MS,
          connectTimeoutMs: DEADLINE_MS,
          mode,
          ...options,
        });
      }

      // Unlike a standalone client, the cause cannot name the certificate check: ioredis
      // refreshes the slot map through throw-away connections whose errors it drops, and
      // reports only "Failed to refresh slots cache" (last node error "Connection is closed").
      it("get() rejects with KVKIT_UNAVAILABLE", async () => {
        await expect(untrusted().get("k")).rejects.toMatchObject({ code: "KVKIT_UNAVAILABLE" });
      });

      it("set() and commit() reject with KVKIT_UNAVAILABLE and write nothing", async () => {
        const keyspace = randomUUID();
        const backend = untrusted({ keyspace });
        const set = await settle(() => backend.set("k", bytes("v")));
        const commit = await settle(() =>
          backend.commit({ set: [{ key: "c", value: bytes("v") }], delete: [] }),
        );
        expect([set.code, commit.code]).toEqual(["KVKIT_UNAVAILABLE", "KVKIT_UNAVAILABLE"]);
        expect(await control.exists(`{${keyspace}}dk`, `{${keyspace}}dc`)).toBe(0);
      });

      it("health() reports unavailable (nodes given, tls without a CA)", async () => {
        const backend = untrusted({
          url: undefined,
          cluster: undefined,
          nodes: startupNodes,
          tls: {},
        });
        expect((await backend.health()).status).toBe("unavailable");
      });

      it("health() reports unavailable (rediss:// with cluster: true)", async () => {
        expect((await untrusted().health()).status).toBe("unavailable");
      });
    });
  });
}
