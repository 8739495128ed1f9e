// Every package under packages/ must be referenced by tsconfig.json and tsconfig.tests.json,
// or `tsc -b` silently skips it (TS6307 shows up only for imports).
import { readdirSync, readFileSync } from "node:fs";

const packages = readdirSync("packages", { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `packages/${entry.name}`);
let failed = false;
for (const config of ["tsconfig.json", "tsconfig.tests.json"]) {
  const references = new Set(
    JSON.parse(readFileSync(config, "utf8")).references.map((reference) => reference.path),
  );
  for (const path of packages) {
    if (!references.has(path)) {
      console.error(`${config} does not reference ${path}`);
      failed = true;
    }
  }
}
if (failed) process.exit(1);
console.log(`${packages.length} packages referenced by tsconfig.json and tsconfig.tests.json`);
