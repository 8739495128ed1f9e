import {
  type ExportDeclaration,
  type ImportDeclaration,
  Node,
  type SourceFile,
  ts,
} from "ts-morph";
import { compareNatural } from "./compare-natural.ts";
import { printImport } from "./print-typescript.ts";
import type { SpecModel } from "./spec-model.ts";

// The import bookkeeping of generated files: after the generator adds and drops members, their
// imports must name exactly what is used, in the order Biome's organizeImports wants.

/** Every identifier in `file` outside its import declarations. */
function identifiersOutsideImports(file: SourceFile): Set<string> {
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node)) found.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file.compilerNode);
  return found;
}

export function ensureImport(file: SourceFile, name: string, source: string): void {
  const existing = file
    .getImportDeclarations()
    .find(
      (declaration) =>
        declaration.getModuleSpecifierValue() === source && !declaration.isTypeOnly(),
    );
  if (existing?.getNamedImports().some((specifier) => specifier.getName() === name)) return;
  if (existing === undefined) {
    file.insertStatements(0, printImport([name], source, false));
    return;
  }
  const names = existing.getNamedImports().map((specifier) => specifier.getText());
  existing.replaceWithText(printImport([...names, name], source, false));
}

/** Drops import specifiers (and whole imports) that nothing in the file refers to any more. */
export function removeUnusedImports(file: SourceFile): void {
  const used = identifiersOutsideImports(file);
  for (const declaration of file.getImportDeclarations()) {
    const specifiers = declaration.getNamedImports();
    if (specifiers.length === 0) continue;
    const kept = specifiers.filter((specifier) =>
      used.has(specifier.getAliasNode()?.getText() ?? specifier.getName()),
    );
    if (kept.length === specifiers.length) continue;
    if (kept.length === 0) {
      declaration.remove();
      continue;
    }
    declaration.replaceWithText(
      printImport(
        kept.map((specifier) => specifier.getText()),
        declaration.getModuleSpecifierValue(),
        declaration.isTypeOnly(),
      ),
    );
  }
}

/** Makes the file's `import type { … } from "@kvkit/spec"` name exactly the spec types it uses. */
export function syncSpecTypeImport(file: SourceFile, spec: SpecModel): void {
  const used = [...identifiersOutsideImports(file)].filter((name) => spec.typeNames.has(name));
  const existing = file
    .getImportDeclarations()
    .find(
      (declaration) =>
        declaration.getModuleSpecifierValue() === "@kvkit/spec" && declaration.isTypeOnly(),
    );
  const text = printImport(used, "@kvkit/spec", true);
  if (existing !== undefined) existing.replaceWithText(text);
  else if (used.length > 0) file.insertStatements(0, text);
}

/**
 * Sorts the leading imports (or re-exports) by source and each list of names, as Biome's
 * organizeImports does; renaming placeholders can change both orders.
 */
export function organizeImports(file: SourceFile): void {
  const statements = file.getStatements();
  const run: (ImportDeclaration | ExportDeclaration)[] = [];
  for (const statement of statements) {
    if (
      Node.isImportDeclaration(statement) ||
      (Node.isExportDeclaration(statement) && statement.hasModuleSpecifier())
    ) {
      run.push(statement);
    } else break;
  }
  if (run.length === 0) return;
  const printed = run.map((statement, index) => ({
    index,
    source: statement.getModuleSpecifierValue() ?? "",
    // Biome puts `import type` before a value import from the same source.
    kind: statement.isTypeOnly() ? 0 : 1,
    text: printDeclaration(statement),
  }));
  printed.sort(
    (a, b) =>
      sourceRank(a.source) - sourceRank(b.source) ||
      compareNatural(a.source, b.source) ||
      a.kind - b.kind ||
      a.index - b.index,
  );
  const first = run[0] as Node;
  const last = run[run.length - 1] as Node;
  const text = file.getFullText();
  file.replaceWithText(
    text.slice(0, first.getStart()) +
      printed.map((entry) => entry.text).join("\n") +
      text.slice(last.getEnd()),
  );
}

function printDeclaration(statement: ImportDeclaration | ExportDeclaration): string {
  const source = statement.getModuleSpecifierValue() ?? "";
  if (Node.isImportDeclaration(statement)) {
    const named = statement.getNamedImports();
    if (named.length === 0 || statement.getDefaultImport() !== undefined)
      return statement.getText();
    return printImport(
      named.map((specifier) => specifier.getText()),
      source,
      statement.isTypeOnly(),
    );
  }
  const named = statement.getNamedExports();
  if (named.length === 0) return statement.getText();
  return printImport(
    named.map((specifier) => specifier.getText()),
    source,
    statement.isTypeOnly(),
  ).replace(/^import/, "export");
}

function sourceRank(source: string): number {
  if (source.startsWith("node:")) return 0;
  if (source.startsWith("../")) return 2;
  if (source.startsWith("./")) return 3;
  return 1;
}
