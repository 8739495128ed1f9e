import { runConformanceSuite } from "@kvkit/testkit";
import { afterAll } from "vitest";
import { manifest, RedisBackend } from "../src/index.ts";
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
