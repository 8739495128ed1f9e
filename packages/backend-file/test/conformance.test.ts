import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceSuite } from "@kvkit/testkit";
import { afterAll } from "vitest";
import { FileBackend, manifest } from "../src/index.ts";

const root = mkdtempSync(join(tmpdir(), "kvkit-file-conformance-"));
afterAll(() => rm(root, { recursive: true, force: true }));

runConformanceSuite({
  name: "backend-file",
  manifest,
  create: ({ storeId, prefix, clock }) =>
    new FileBackend({ directory: join(root, storeId), prefix, clock: clock?.now }),
  destroy: (storeId) => rm(join(root, storeId), { recursive: true, force: true }),
  controllableClock: true,
});
