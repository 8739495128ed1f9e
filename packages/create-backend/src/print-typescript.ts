import { compareNatural } from "./compare-natural.ts";

/** The line width of the generated package's Biome configuration. */
export const LINE_WIDTH = 100;

/**
 * Prints a named import the way Biome formats it: on one line when it fits, otherwise one
 * specifier per line with a trailing comma. Specifiers are sorted as organizeImports sorts them.
 */
export function printImport(names: readonly string[], source: string, typeOnly: boolean): string {
  const sorted = [...names].sort((a, b) =>
    compareNatural(a.replace(/^type /, ""), b.replace(/^type /, "")),
  );
  const head = typeOnly ? "import type" : "import";
  const line = `${head} { ${sorted.join(", ")} } from "${source}";`;
  if (line.length <= LINE_WIDTH) return line;
  return `${head} {\n${sorted.map((name) => `  ${name},\n`).join("")}} from "${source}";`;
}

/**
 * Prints a class method's head (`  async get(key: string): Promise<T> {`) at class-member
 * indentation, breaking the parameters onto their own lines when the head is too long.
 */
export function printMethodHead(
  prefix: string,
  name: string,
  typeParameters: string,
  parameters: readonly string[],
  returnType: string,
): string {
  const line = `  ${prefix}${name}${typeParameters}(${parameters.join(", ")}): ${returnType} {`;
  if (line.length <= LINE_WIDTH || parameters.length === 0) return line;
  const broken = parameters.map((parameter) => `    ${parameter},\n`).join("");
  return `  ${prefix}${name}${typeParameters}(\n${broken}  ): ${returnType} {`;
}

/** Prints a class head with its `implements` list, broken the way Biome breaks it. */
export function printClassHead(className: string, interfaces: readonly string[]): string {
  const line = `export class ${className} implements ${interfaces.join(", ")} {`;
  if (line.length <= LINE_WIDTH) return line;
  const clause = `  implements ${interfaces.join(", ")}`;
  if (clause.length <= LINE_WIDTH) return `export class ${className}\n${clause}\n{`;
  return `export class ${className}\n  implements\n${interfaces.map((name) => `    ${name}`).join(",\n")}\n{`;
}
