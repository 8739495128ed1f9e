import { runConformanceSuite } from "@kvkit/testkit";
import { afterAll } from "vitest";
import { manifest, manifestFor, RedisBackend } from "../src/index.ts";
import { startCluster, startRedis } from "./helpers/redis-server.ts";

// Servers of our own on free loopback ports; stopped (and their data dropped) afterwards.
const server = await startRedis();
const cluster = await startCluster(3);
afterAll(async () => {
  await Promise.all([server.stop(), cluster.stop()]);
});

// One keyspace per store: instances opened with the same storeId share it (sharedStore), and
// the suite's namespace becomes the backend's `prefix` inside it.
runConformanceSuite({
  name: "backend-redis",
  manifest,
  create: ({ storeId, prefix }) =>
    new RedisBackend({ url: server.url, keyspace: `test:${storeId}`, prefix }),
});

runConformanceSuite({
  name: "backend-redis-cluster",
  manifest,
  create: ({ storeId, prefix }) =>
    new RedisBackend({
      nodes: cluster.nodes.map((node) => ({ host: node.host, port: node.port })),
      keyspace: `test:${storeId}`,
      prefix,
    }),
});

// Mode plain: values only, one native command per operation; no watch, unordered listing.
const plainManifest = manifestFor("plain");

runConformanceSuite({
  name: "backend-redis-plain",
  manifest: plainManifest,
  create: ({ storeId, prefix }) =>
    new RedisBackend({ url: server.url, mode: "plain", keyspace: `test:${storeId}`, prefix }),
});

runConformanceSuite({
  name: "backend-redis-plain-cluster",
  manifest: plainManifest,
  create: ({ storeId, prefix }) =>
    new RedisBackend({
      mode: "plain",
      nodes: cluster.nodes.map((node) => ({ host: node.host, port: node.port })),
      keyspace: `test:${storeId}`,
      prefix,
    }),
});
