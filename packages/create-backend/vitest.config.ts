import { defineProject } from "vitest/config";

export default defineProject({
  // Node-side tests resolve through `ssr.resolve`; plain `resolve.conditions` was not enough.
  ssr: { resolve: { conditions: ["@kvkit/source"] } },
  test: {
    name: "create-backend",
    // Not templates/**/test nor test/fixtures/generated/**: those are the tests of generated
    // packages, which the generated-*.test.ts files run once rendered.
    include: ["test/*.test.ts"],
  },
});
