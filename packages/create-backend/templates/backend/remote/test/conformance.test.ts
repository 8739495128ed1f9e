import { runConformanceSuite } from "@kvkit/testkit";
import { afterAll } from "vitest";
import { manifest, TemplateBackend } from "../src/index.ts";
import { startKvServer } from "./support/kv-server.ts";

const server = await startKvServer();
afterAll(() => server.close());

runConformanceSuite({
  name: "__PACKAGE_NAME__",
  manifest,
  // One server for every test: each store is a namespace of its own on it.
  create: ({ storeId, prefix }) =>
    new TemplateBackend({ url: server.url, prefix: `${storeId}/${prefix}` }),
});
