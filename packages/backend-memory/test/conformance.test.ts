import { runConformanceSuite } from "@kvkit/testkit";
import { MemoryBackend, MemoryStore, manifest } from "../src/index.ts";

runConformanceSuite({
  name: "backend-memory",
  manifest,
  controllableClock: true,
  create: ({ storeId, prefix, clock }) =>
    new MemoryBackend({ store: storeId, prefix, clock: clock?.now }),
  // Named stores live until forgotten; without this every test's store would stay in memory.
  destroy: (storeId) => {
    MemoryStore.forget(storeId);
  },
});
