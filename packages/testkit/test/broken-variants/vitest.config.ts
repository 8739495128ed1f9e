import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Runs the broken-variant fixtures, and nothing else, for test/broken-variants.test.ts. The
 * testkit project never picks them up: its include pattern matches `*.test.ts` only.
 */
export default defineConfig({
  ssr: { resolve: { conditions: ["@kvkit/source"] } },
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["*.fixture.ts"],
    // Each fixture is one backend's whole suite; a failing case must not stop the others.
    bail: 0,
    passWithNoTests: false,
  },
});
