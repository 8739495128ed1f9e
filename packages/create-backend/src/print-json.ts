import { LINE_WIDTH } from "./print-typescript.ts";

/**
 * Prints JSON the way Biome formats it, so a new package passes `biome ci` unchanged: objects
 * expanded, arrays of primitives on one line when they fit. `package.json` keeps every array
 * expanded, as npm writes it (and as Biome expects there).
 */
export function printJson(value: unknown, path: string): string {
  return `${print(value, 0, "", path.endsWith("package.json"))}\n`;
}

function print(value: unknown, indent: number, head: string, expandArrays: boolean): string {
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const primitives = value.every((item) => typeof item !== "object" || item === null);
    const inline = `[${value.map((item) => JSON.stringify(item)).join(", ")}]`;
    if (primitives && !expandArrays && indent + head.length + inline.length + 1 <= LINE_WIDTH) {
      return inline;
    }
    const items = value.map((item) => `${pad}${print(item, indent + 2, "", expandArrays)}`);
    return `[\n${items.join(",\n")}\n${" ".repeat(indent)}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const lines = entries.map(([key, item]) => {
      const keyText = `${JSON.stringify(key)}: `;
      return `${pad}${keyText}${print(item, indent + 2, keyText, expandArrays)}`;
    });
    return `{\n${lines.join(",\n")}\n${" ".repeat(indent)}}`;
  }
  return JSON.stringify(value);
}
