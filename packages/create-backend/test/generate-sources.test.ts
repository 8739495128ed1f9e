import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendNames } from "../src/backend-names.ts";
import { generateSources } from "../src/generate-sources.ts";
import { loadSpecModel, type SpecModel } from "../src/spec-model.ts";
import { TEMPLATES_DIRECTORY } from "../src/templates-directory.ts";

// A spec from the future: one capability renamed away, one added. The generator must follow it
// without a change of its own.
const FUTURE_SPEC = `
export interface OperationOptions { readonly signal?: AbortSignal | undefined; }
export interface Manifest { readonly capabilities: Readonly<Record<string, boolean>>; }
export interface KvCapability {
  get(key: string, options?: OperationOptions): Promise<Uint8Array | undefined>;
}
export interface Resource extends AsyncDisposable {
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
export interface Backend extends KvCapability, Resource { readonly manifest: Manifest; }
export interface SearchCapability {
  search(query: string, options?: OperationOptions): Promise<string[]>;
}
export interface HealthCapability { health(options?: OperationOptions): Promise<boolean>; }
export interface OptionalCapabilities { search: SearchCapability; health: HealthCapability; }
`;
const FUTURE_INDEX = `
export type { Backend, HealthCapability, KvCapability, Manifest, OperationOptions, OptionalCapabilities, Resource, SearchCapability } from "./spec.ts";
export { NotSupportedError } from "./not-supported-error.ts";
`;

let specRoot: string;
let future: SpecModel;
beforeAll(async () => {
  specRoot = await mkdtemp(join(tmpdir(), "create-backend-spec-"));
  await mkdir(join(specRoot, "src"));
  await writeFile(
    join(specRoot, "package.json"),
    JSON.stringify({ name: "@kvkit/spec", version: "9.9.9" }),
  );
  await writeFile(join(specRoot, "src/spec.ts"), FUTURE_SPEC);
  await writeFile(join(specRoot, "src/index.ts"), FUTURE_INDEX);
  await writeFile(
    join(specRoot, "src/not-supported-error.ts"),
    "export class NotSupportedError extends Error {}\n",
  );
  future = loadSpecModel(join(specRoot, "package.json"));
});
afterAll(async () => {
  await rm(specRoot, { recursive: true, force: true });
});

const blank = [join(TEMPLATES_DIRECTORY, "standalone"), join(TEMPLATES_DIRECTORY, "blank")];

describe("generateSources", () => {
  it("loadSpecModel() reads the capabilities and required interfaces from the declarations", () => {
    expect(future.version).toBe("9.9.9");
    expect(future.capabilities).toEqual([
      { name: "search", interfaceName: "SearchCapability" },
      { name: "health", interfaceName: "HealthCapability" },
    ]);
    expect(future.requiredInterfaces).toEqual(["Backend", "KvCapability", "Resource"]);
  });

  it("loadSpecModel() finds the installed @kvkit/spec and its capabilities", () => {
    const installed = loadSpecModel();
    expect(installed.capabilities.map((capability) => capability.name)).toEqual([
      "batch",
      "health",
      "watch",
      "atomicWrite",
      "ttl",
    ]);
    expect(installed.typeNames.has("KvCapability")).toBe(true);
    expect(installed.valueNames.has("NotSupportedError")).toBe(true);
  });

  it("generateSources() implements exactly the chosen interfaces of the spec it is given", () => {
    const files = generateSources({
      templateDirectories: blank,
      names: backendNames("kvkit-backend-future"),
      capabilities: ["search"],
      spec: future,
      projectName: "future",
    });
    const backend = files.get("src/future-backend.ts") ?? "";
    expect(backend).toContain("export class FutureBackend implements Backend, SearchCapability {");
    expect(backend).toContain(
      "async search(_query: string, _options?: OperationOptions): Promise<string[]> {",
    );
    expect(backend).toContain(
      "async get(_key: string, _options?: OperationOptions): Promise<Uint8Array | undefined> {",
    );
    expect(backend).not.toContain("health(");
    expect(backend).toContain(
      'import type { Backend, Manifest, OperationOptions, SearchCapability } from "@kvkit/spec";',
    );
    expect(backend).toContain('import { NotSupportedError } from "@kvkit/spec";');
    const manifest = files.get("src/manifest.ts") ?? "";
    expect(manifest).toContain("capabilities: {\n    search: true,\n    health: false,\n  },");
  });

  it("generateSources() renames the template's placeholders everywhere", () => {
    const files = generateSources({
      templateDirectories: blank,
      names: backendNames("@acme/kvkit-backend-blob"),
      capabilities: [],
      spec: future,
      projectName: "blob",
    });
    expect([...files.keys()].sort()).toEqual([
      "src/blob-backend.ts",
      "src/index.ts",
      "src/manifest.ts",
      "src/options.ts",
      "src/plugin.ts",
      "test/conformance.test.ts",
      "test/plugin.test.ts",
      "vitest.config.ts",
    ]);
    const all = [...files.values()].join("\n");
    expect(all).not.toMatch(/TemplateBackend|__PACKAGE_NAME__|__SCHEME__|template-backend/);
    expect(files.get("src/plugin.ts")).toContain('name: "@acme/kvkit-backend-blob",');
    expect(files.get("src/plugin.ts")).toContain('schemes: ["blob"],');
    expect(files.get("src/index.ts")).toContain('export { BlobBackend } from "./blob-backend.ts";');
  });

  it("generateSources() drops the memory template's methods and helpers of capabilities left out", () => {
    const files = generateSources({
      templateDirectories: [
        join(TEMPLATES_DIRECTORY, "standalone"),
        join(TEMPLATES_DIRECTORY, "memory"),
      ],
      names: backendNames("kvkit-backend-lean"),
      capabilities: [],
      spec: loadSpecModel(),
      projectName: "lean",
    });
    const backend = files.get("src/lean-backend.ts") ?? "";
    expect(backend).toContain("export class LeanBackend implements Backend {");
    for (const method of [
      "getMany(",
      "setMany(",
      "health(",
      "commit(",
      "expiresAt(",
      "#checkBatch(",
    ]) {
      expect(backend).not.toContain(method);
    }
    for (const unused of ["TooLargeError", "ConflictError", "BatchEntry", "HealthReport"]) {
      expect(backend).not.toContain(unused);
    }
  });
});
