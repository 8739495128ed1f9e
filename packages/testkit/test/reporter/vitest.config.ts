import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Runs the reporter fixture, and nothing else, for test/conformance-reporter.test.ts. The
 * testkit project never picks it up: its include pattern matches `*.test.ts` only.
 */
export default defineConfig({
  cacheDir: fileURLToPath(new URL("../../node_modules/.vite-reporter", import.meta.url)),
  ssr: { resolve: { conditions: ["@kvkit/source"] } },
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["*.fixture.ts"],
    bail: 0,
    passWithNoTests: false,
  },
});
