import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  type InterfaceDeclaration,
  type MethodSignature,
  Node,
  Project,
  type PropertySignature,
} from "ts-morph";

/** An optional capability as the spec declares it. */
export interface SpecCapability {
  /** The manifest key, such as `"atomicWrite"`. */
  readonly name: string;
  /** The interface that carries its methods, such as `"AtomicWriteCapability"`. */
  readonly interfaceName: string;
}

/** One member of a spec interface, with its syntactic signature. */
export interface SpecMember {
  readonly kind: "method" | "property";
  /** As written: `get`, or `[Symbol.asyncDispose]`. */
  readonly name: string;
  /** The interface that declares it. */
  readonly owner: string;
  /** Parameter texts (`options?: OperationOptions`), empty for properties. */
  readonly parameters: readonly { readonly name: string; readonly text: string }[];
  /** The type parameters text, such as `<T>`, or `""`. */
  readonly typeParameters: string;
  /** The return type (methods) or the type (properties). */
  readonly type: string;
  readonly isReadonly: boolean;
}

/**
 * What the generator reads from @kvkit/spec's own declarations: the optional capabilities and
 * the members every backend must have. Nothing here is hard-coded, so a capability or a method
 * added to the spec shows up in generated backends.
 */
export interface SpecModel {
  /** The spec package's version, for the ranges written into package.json. */
  readonly version: string;
  /** Where the declarations were read from. */
  readonly source: string;
  /** The optional capabilities in the spec's order. */
  readonly capabilities: readonly SpecCapability[];
  /** Names exported as types only (interfaces and type aliases), for `import type`. */
  readonly typeNames: ReadonlySet<string>;
  /** Names exported as values (errors, helpers). */
  readonly valueNames: ReadonlySet<string>;
  /** The members every backend implements: `Backend`'s own and those of what it extends. */
  readonly requiredInterfaces: readonly string[];
  /** The members of interface `name` in declaration order (own members only). */
  members(name: string): readonly SpecMember[];
}

/**
 * Finds the installed @kvkit/spec and reads its declarations: `dist/*.d.ts` of a built or
 * published package, or `src/*.ts` inside the kvkit workspace before a build.
 */
export function loadSpecModel(specPackageJson: string = resolveSpecPackageJson()): SpecModel {
  const root = dirname(specPackageJson);
  const require = createRequire(import.meta.url);
  const { version } = require(specPackageJson) as { version: string };
  const fromDist = existsSync(join(root, "dist", "index.d.ts"));
  const directory = join(root, fromDist ? "dist" : "src");
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    skipLoadingLibFiles: true,
  });
  project.addSourceFilesAtPaths(join(directory, fromDist ? "**/*.d.ts" : "**/*.ts"));
  const index = project.getSourceFileOrThrow(join(directory, fromDist ? "index.d.ts" : "index.ts"));

  const typeNames = new Set<string>();
  const valueNames = new Set<string>();
  for (const declaration of index.getExportDeclarations()) {
    for (const specifier of declaration.getNamedExports()) {
      const name = specifier.getAliasNode()?.getText() ?? specifier.getName();
      if (declaration.isTypeOnly() || specifier.isTypeOnly()) typeNames.add(name);
      else valueNames.add(name);
    }
  }
  const interfaces = new Map<string, InterfaceDeclaration>();
  for (const file of project.getSourceFiles()) {
    for (const declaration of file.getInterfaces())
      interfaces.set(declaration.getName(), declaration);
  }
  const findInterface = (name: string): InterfaceDeclaration => {
    const found = interfaces.get(name);
    if (found === undefined)
      throw new Error(`@kvkit/spec (${directory}) declares no interface ${name}`);
    return found;
  };

  const capabilities = findInterface("OptionalCapabilities")
    .getProperties()
    .map((property) => ({
      name: property.getName(),
      interfaceName: property.getTypeNodeOrThrow().getText(),
    }));
  const backend = findInterface("Backend");
  const requiredInterfaces = [
    "Backend",
    ...backend.getExtends().map((clause) => clause.getExpression().getText()),
  ];
  return {
    version,
    source: directory,
    capabilities,
    typeNames,
    valueNames,
    requiredInterfaces,
    members: (name) =>
      findInterface(name)
        .getMembers()
        .flatMap((member) => toMember(name, member)),
  };
}

function toMember(owner: string, member: Node): SpecMember[] {
  if (Node.isMethodSignature(member)) return [methodMember(owner, member)];
  if (Node.isPropertySignature(member)) return [propertyMember(owner, member)];
  return [];
}

function methodMember(owner: string, method: MethodSignature): SpecMember {
  const typeParameters = method.getTypeParameters().map((parameter) => parameter.getText());
  return {
    kind: "method",
    name: method.getNameNode().getText(),
    owner,
    parameters: method.getParameters().map((parameter) => ({
      name: parameter.getName(),
      text: parameter.getText(),
    })),
    typeParameters: typeParameters.length === 0 ? "" : `<${typeParameters.join(", ")}>`,
    type: method.getReturnTypeNodeOrThrow().getText(),
    isReadonly: false,
  };
}

function propertyMember(owner: string, property: PropertySignature): SpecMember {
  return {
    kind: "property",
    name: property.getNameNode().getText(),
    owner,
    parameters: [],
    typeParameters: "",
    type: property.getTypeNodeOrThrow().getText(),
    isReadonly: property.isReadonly(),
  };
}

function resolveSpecPackageJson(): string {
  return createRequire(import.meta.url).resolve("@kvkit/spec/package.json");
}
