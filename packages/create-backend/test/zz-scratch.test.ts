import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { it } from "vitest";
import { backendNames } from "../src/backend-names.ts";
import { generateSources } from "../src/generate-sources.ts";
import { loadSpecModel } from "../src/spec-model.ts";

it("scratch", () => {
  const t0 = performance.now();
  const spec = loadSpecModel();
  const t1 = performance.now();
  for (const [template, caps] of [["memory", ["batch", "health", "atomicWrite", "ttl"]], ["memory", []]] as const) {
    const out = generateSources({ templateDirectory: join(import.meta.dirname, "../templates/backend", template), names: backendNames("@acme/kvkit-backend-blob-store"), capabilities: caps, spec });
    for (const [path, text] of out) {
      const file = join("/tmp/gen", `${template}-${caps.length}`, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
  console.log(spec.capabilities, spec.requiredInterfaces, t1 - t0, performance.now() - t1);
});
