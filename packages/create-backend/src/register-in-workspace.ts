import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyEdits,
  type FormattingOptions,
  findNodeAtLocation,
  modify,
  type Node,
  parse,
  parseTree,
} from "jsonc-parser";
import type { KvkitWorkspace } from "./find-workspace.ts";

/** A change to a file that already exists, computed before anything is written. */
export interface FileEdit {
  /** Absolute path. */
  readonly path: string;
  /** Its path for messages, relative to the workspace root. */
  readonly label: string;
  /** The current content, or `undefined` for a file the edit creates. */
  readonly before: string | undefined;
  readonly after: string;
}

const FORMATTING: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: "\n" };

/**
 * The edits that register a new package in the workspace: a reference in `tsconfig.json` (so
 * `tsc -b` builds it) and in `tsconfig.tests.json` (so its tests are type-checked), edited with
 * jsonc-parser, which keeps comments and formatting; and an initial changeset. A reference or
 * changeset already there is left alone.
 */
export function workspaceEdits(workspace: KvkitWorkspace, packageName: string): FileEdit[] {
  const edits: FileEdit[] = [];
  const changeset = join(
    workspace.root,
    ".changeset",
    `${workspace.packagePath.split("/").pop()}.md`,
  );
  if (existsSync(join(workspace.root, ".changeset")) && !existsSync(changeset)) {
    edits.push({
      path: changeset,
      label: changeset.slice(workspace.root.length + 1),
      before: undefined,
      after: `---\n"${packageName}": minor\n---\n\nInitial release of ${packageName}, a kvkit backend.\n`,
    });
  }
  for (const file of ["tsconfig.json", "tsconfig.tests.json"]) {
    const path = join(workspace.root, file);
    const before = readFileSync(path, "utf8");
    const after = addReference(before, workspace.packagePath);
    if (after !== before) edits.push({ path, label: file, before, after });
  }
  return edits;
}

function addReference(text: string, packagePath: string): string {
  const config = parse(text) as { references?: { path?: unknown }[] } | undefined;
  const references = config?.references ?? [];
  if (references.some((reference) => reference.path === packagePath)) return text;
  const entry = `{ "path": ${JSON.stringify(packagePath)} }`;
  const list = findNodeAtLocation(parseTree(text) ?? emptyTree, ["references"]);
  const items = list?.children ?? [];
  const last = items.at(-1);
  if (list === undefined || last === undefined) {
    const edits = modify(
      text,
      ["references", 0],
      { path: packagePath },
      {
        formattingOptions: FORMATTING,
        isArrayInsertion: true,
      },
    );
    return applyEdits(text, edits);
  }
  // Insert as a line of its own, indented like its neighbours, leaving them as they are.
  // `tsconfig.tests.json` stays last: it references every package.
  const testsAt = references.findIndex((reference) => reference.path === "tsconfig.tests.json");
  const before = testsAt === -1 ? undefined : items[testsAt];
  const anchor = before ?? last;
  const lineStart = text.lastIndexOf("\n", anchor.offset) + 1;
  const indent = text.slice(lineStart, anchor.offset);
  if (before !== undefined) {
    return `${text.slice(0, before.offset)}${entry},\n${indent}${text.slice(before.offset)}`;
  }
  const end = last.offset + last.length;
  return `${text.slice(0, end)},\n${indent}${entry}${text.slice(end)}`;
}

const emptyTree: Node = { type: "object", offset: 0, length: 0 };
