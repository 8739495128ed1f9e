import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  type ClassDeclaration,
  type ClassMemberTypes,
  Node,
  Project,
  type SourceFile,
  SyntaxKind,
  ts,
} from "ts-morph";
import type { BackendNames } from "./backend-names.ts";
import { printClassHead, printMethodHead } from "./print-typescript.ts";
import type { SpecMember, SpecModel } from "./spec-model.ts";
import {
  ensureImport,
  organizeImports,
  removeUnusedImports,
  syncSpecTypeImport,
} from "./tidy-imports.ts";

/** The identifiers and strings template sources use for what the generator names. */
const PLACEHOLDERS = {
  className: "TemplateBackend",
  optionsName: "TemplateBackendOptions",
  packageName: "__PACKAGE_NAME__",
  scheme: "__SCHEME__",
  projectName: "__PROJECT_NAME__",
  backendFile: "template-backend.ts",
} as const;

/** What {@link generateSources} needs. */
export interface GenerateSourcesInput {
  /**
   * Directories of template sources (`src/**`, `test/**`, configs) written against the
   * placeholders; a later directory's file wins over an earlier one's.
   */
  readonly templateDirectories: readonly string[];
  /** The Vitest project name, in workspace mode. */
  readonly projectName: string;
  readonly names: BackendNames;
  /** The manifest keys of the chosen optional capabilities. */
  readonly capabilities: readonly string[];
  readonly spec: SpecModel;
}

/**
 * Turns the template's TypeScript into the package's: renames the placeholders, builds the
 * backend class so that it implements exactly `Backend` and the chosen capability interfaces
 * (signatures from the spec, bodies from the template, stubs where the template has none),
 * writes the manifest's capability flags from the spec's list, and drops imports left unused.
 *
 * @returns file contents by path relative to the package root.
 */
export function generateSources(input: GenerateSourcesInput): Map<string, string> {
  const { templateDirectories, names, spec } = input;
  const chosen = new Set(input.capabilities);
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  const backendPath = `src/${names.id}-backend.ts`;
  const sources = new Map<string, string>();
  for (const directory of templateDirectories) {
    for (const path of listTypeScript(directory)) sources.set(path, join(directory, path));
  }
  const files: SourceFile[] = [];
  for (const [path, source] of sources) {
    const target = path === `src/${PLACEHOLDERS.backendFile}` ? backendPath : path;
    const file = project.createSourceFile(`/${target}`, readFileSync(source, "utf8"));
    replacePlaceholders(file, names, input.projectName);
    files.push(file);
  }
  const backendFile = project.getSourceFile(`/${backendPath}`);
  if (backendFile !== undefined) {
    const capabilityInterfaces = spec.capabilities
      .filter((capability) => chosen.has(capability.name))
      .map((capability) => capability.interfaceName);
    buildBackendClass(backendFile, names.className, capabilityInterfaces, spec);
    removeUnusedPrivateMembers(backendFile.getClassOrThrow(names.className));
    syncSpecTypeImport(backendFile, spec);
    removeUnusedImports(backendFile);
  }
  const manifestFile = project.getSourceFile("/src/manifest.ts");
  if (manifestFile !== undefined) writeCapabilityFlags(manifestFile, spec, chosen);
  for (const file of files) organizeImports(file);
  return new Map(files.map((file) => [file.getFilePath().slice(1), file.getFullText()]));
}

function listTypeScript(root: string): string[] {
  const entries = readdirSync(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

/**
 * Renames identifiers, string placeholders and module specifiers in one pass. Walks the
 * compiler's nodes directly: wrapping every node in a ts-morph object costs more than the rest
 * of the generation.
 */
function replacePlaceholders(file: SourceFile, names: BackendNames, projectName: string): void {
  const edits: { start: number; end: number; text: string }[] = [];
  const source = file.compilerNode;
  const backendFile = new RegExp(`(^|/)${PLACEHOLDERS.backendFile.replace(".", "\\.")}$`);
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const replacement =
        node.text === PLACEHOLDERS.className
          ? names.className
          : node.text === PLACEHOLDERS.optionsName
            ? names.optionsName
            : undefined;
      if (replacement !== undefined) {
        edits.push({ start: node.getStart(source), end: node.end, text: replacement });
      }
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const replaced = node.text
        .replaceAll(PLACEHOLDERS.packageName, names.packageName)
        .replaceAll(PLACEHOLDERS.scheme, names.scheme)
        .replaceAll(PLACEHOLDERS.projectName, projectName)
        .replace(backendFile, `$1${names.id}-backend.ts`);
      if (replaced !== node.text) {
        edits.push({ start: node.getStart(source), end: node.end, text: JSON.stringify(replaced) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (edits.length === 0) return;
  let text = file.getFullText();
  for (const { start, end, text: replacement } of edits.sort((a, b) => b.start - a.start)) {
    text = text.slice(0, start) + replacement + text.slice(end);
  }
  file.replaceWithText(text);
}

/**
 * Rebuilds the template's class: members of interfaces that were not chosen are dropped,
 * members the chosen interfaces need get the spec's signature, and missing ones become stubs.
 */
function buildBackendClass(
  file: SourceFile,
  className: string,
  capabilityInterfaces: readonly string[],
  spec: SpecModel,
): void {
  const declaration = file.getClass(className);
  if (declaration === undefined) throw new Error(`The template declares no class ${className}`);
  const wanted = new Map<string, SpecMember>();
  for (const name of [...spec.requiredInterfaces, ...capabilityInterfaces]) {
    for (const member of spec.members(name)) wanted.set(member.name, member);
  }
  const offered = new Set<string>();
  for (const capability of spec.capabilities) {
    for (const member of spec.members(capability.interfaceName)) offered.add(member.name);
  }
  const fullStart = declaration.getStart();
  const implemented = new Set<string>();
  const parts: string[] = [];
  let stubsAt: number | undefined;
  for (const member of declaration.getMembers()) {
    const name = memberName(member);
    const specMember = name === undefined ? undefined : wanted.get(name);
    if (name !== undefined && specMember !== undefined) {
      implemented.add(name);
      parts.push(
        specMember.kind === "method" ? withSpecSignature(member, specMember) : member.getFullText(),
      );
      if (stubsAt === undefined && specMember.owner === "Resource") stubsAt = parts.length - 1;
    } else if (name !== undefined && offered.has(name)) {
      // A member of a capability that was not chosen: leave it out.
    } else {
      if (stubsAt === undefined && name?.startsWith("#")) stubsAt = parts.length;
      parts.push(member.getFullText());
    }
  }
  const stubs = [...wanted.values()]
    .filter((member) => !implemented.has(member.name))
    .map((member) => stub(member));
  parts.splice(stubsAt ?? parts.length, 0, ...stubs);
  const head = printClassHead(className, ["Backend", ...capabilityInterfaces]);
  const classText = `${head}${parts.join("")}\n}`;
  const text = file.getFullText();
  file.replaceWithText(text.slice(0, fullStart) + classText + text.slice(declaration.getEnd()));
  if (stubs.length > 0) ensureImport(file, "NotSupportedError", "@kvkit/spec");
}

function memberName(member: ClassMemberTypes): string | undefined {
  if (Node.isConstructorDeclaration(member) || Node.isClassStaticBlockDeclaration(member)) {
    return undefined;
  }
  return member.getNameNode().getText();
}

/** The template member with its head replaced by the spec's signature. */
function withSpecSignature(member: ClassMemberTypes, specMember: SpecMember): string {
  if (!Node.isMethodDeclaration(member)) {
    throw new Error(
      `The template's ${specMember.name} must be a method, as in ${specMember.owner}`,
    );
  }
  const body = member.getBodyOrThrow();
  const full = member.getFullText();
  const leading = full.slice(0, member.getStart() - member.getFullStart());
  const prefix = `${member.isAsync() ? "async " : ""}${member.isGenerator() ? "*" : ""}`;
  const parameters = specMember.parameters.map((parameter) => parameter.text);
  const head = printMethodHead(
    prefix,
    specMember.name,
    specMember.typeParameters,
    parameters,
    specMember.type,
  );
  return `${leading}${head.trimStart()}${body.getText().slice(1)}`;
}

/** A member the template does not implement: it rejects until someone writes it. */
function stub(member: SpecMember): string {
  if (member.kind === "property") {
    throw new Error(`The template must declare the property ${member.name} of ${member.owner}`);
  }
  const parameters = member.parameters.map((parameter) => `_${parameter.text}`);
  const iterable = /^AsyncIterable(Iterator)?</.test(member.type);
  const isPromise = member.type.startsWith("Promise<");
  const prefix = iterable ? "async *" : isPromise ? "async " : "";
  const head = printMethodHead(prefix, member.name, member.typeParameters, parameters, member.type);
  const ignore = iterable
    ? `  // biome-ignore lint/correctness/useYield: a stub until ${member.name}() is written\n`
    : "";
  const message = JSON.stringify(`${member.name}() (not implemented yet)`);
  return `\n\n${ignore}${head}\n    // Implement ${member.owner}.${member.name}(): its contract is in @kvkit/spec.\n    throw new NotSupportedError(${message});\n  }`;
}

/** Sets `capabilities` in the manifest to one flag per capability the spec defines. */
function writeCapabilityFlags(
  file: SourceFile,
  spec: SpecModel,
  chosen: ReadonlySet<string>,
): void {
  const property = file
    .getVariableDeclarationOrThrow("manifest")
    .getInitializerIfKindOrThrow(SyntaxKind.ObjectLiteralExpression)
    .getPropertyOrThrow("capabilities");
  if (!Node.isPropertyAssignment(property))
    throw new Error("manifest.capabilities must be a property");
  const flags = spec.capabilities.map(
    (capability) => `    ${capability.name}: ${chosen.has(capability.name)},\n`,
  );
  const initializer = property.getInitializerOrThrow();
  const text = file.getFullText();
  file.replaceWithText(
    `${text.slice(0, initializer.getStart())}{\n${flags.join("")}  }${text.slice(initializer.getEnd())}`,
  );
}

/** Removes `#private` members nothing refers to, such as helpers of a capability left out. */
function removeUnusedPrivateMembers(declaration: ClassDeclaration): void {
  for (;;) {
    const references = new Map<string, number>();
    for (const node of declaration.getDescendantsOfKind(SyntaxKind.PrivateIdentifier)) {
      references.set(node.getText(), (references.get(node.getText()) ?? 0) + 1);
    }
    const unused = declaration.getMembers().filter((member) => {
      const name = memberName(member);
      return name?.startsWith("#") === true && references.get(name) === 1;
    });
    if (unused.length === 0) return;
    for (const member of unused) member.remove();
  }
}
