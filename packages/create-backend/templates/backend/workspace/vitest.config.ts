import { defineProject } from "vitest/config";

export default defineProject({
  // Node-side tests resolve through `ssr.resolve`; plain `resolve.conditions` was not enough.
  ssr: { resolve: { conditions: ["@kvkit/source"] } },
  test: { name: "__PROJECT_NAME__" },
});
