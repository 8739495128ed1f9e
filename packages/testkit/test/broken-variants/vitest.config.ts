import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Runs the broken-variant fixtures, and nothing else, for test/broken-variants.test.ts. The
 * testkit project never picks them up: its include pattern matches `*.test.ts` only.
 */
export default defineConfig({
  // Keep Vite's cache with the package's, not in a node_modules inside the test folder.
  cacheDir: fileURLToPath(new URL("../../node_modules/.vite-broken-variants", import.meta.url)),
  ssr: { resolve: { conditions: ["@kvkit/source"] } },
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["*.fixture.ts"],
    setupFiles: ["./cap-property-time.ts"],
    // Each fixture is one backend's whole suite; a failing case must not stop the others.
    bail: 0,
    // The fixtures are independent files: use both cores even where the default would use one.
    maxWorkers: 2,
    // The fixtures share no state but the module graph: importing the suite once per worker
    // instead of once per file halves the run.
    isolate: false,
    passWithNoTests: false,
  },
});
