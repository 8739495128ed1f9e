import { runConformanceSuite } from "@kvkit/testkit";
import { dropStore, manifest, TemplateBackend } from "../src/index.ts";

runConformanceSuite({
  name: "__PACKAGE_NAME__",
  manifest,
  controllableClock: true,
  create: ({ storeId, prefix, clock }) =>
    new TemplateBackend({ store: storeId, prefix, now: clock?.now }),
  destroy: (storeId) => dropStore(storeId),
});
