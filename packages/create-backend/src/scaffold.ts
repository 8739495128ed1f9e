import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { applyChanges } from "./apply-changes.ts";
import { type BackendNames, backendNames } from "./backend-names.ts";
import type { PackageManager, TemplateName } from "./cli-arguments.ts";
import { findWorkspace, type KvkitWorkspace } from "./find-workspace.ts";
import { type ConflictPolicy, type PlannedFile, planChanges } from "./plan-changes.ts";
import { type FileEdit, workspaceEdits } from "./register-in-workspace.ts";
import { renderPackage } from "./render-package.ts";
import { loadSpecModel, type SpecModel } from "./spec-model.ts";
import { TEMPLATES } from "./template-catalog.ts";
import { UsageError } from "./usage-error.ts";

/** Everything {@link scaffold} needs; the CLI resolves it from flags, prompts and defaults. */
export interface ScaffoldOptions {
  /** Absolute path of the package directory. */
  readonly target: string;
  readonly packageName: string;
  readonly description: string;
  readonly template: TemplateName;
  /** Manifest keys of the optional capabilities to declare (`kv` is always there). */
  readonly capabilities: readonly string[];
  readonly packageManager: PackageManager;
  /** What to do when the target is not empty. Default `refuse`. */
  readonly conflicts?: ConflictPolicy | undefined;
  /** Compute and return the plan; write nothing. */
  readonly dryRun?: boolean | undefined;
  /** Never join the kvkit workspace, even inside its `packages/`. */
  readonly standalone?: boolean | undefined;
  /** The LICENSE holder. Default: "the <package name> authors". */
  readonly author?: string | undefined;
  /** The spec to generate against. Default: the installed @kvkit/spec. */
  readonly spec?: SpecModel | undefined;
}

/** What {@link scaffold} did, or would do in a dry run. */
export interface ScaffoldResult {
  readonly names: BackendNames;
  readonly plan: readonly PlannedFile[];
  /** Edits to existing workspace files (and files created outside the package). */
  readonly edits: readonly Pick<FileEdit, "label" | "before">[];
  readonly workspace: KvkitWorkspace | undefined;
  /** False for a dry run. */
  readonly written: boolean;
}

/** Entries that do not make a directory "not empty". */
const HARMLESS_ENTRIES = new Set([".git"]);

/**
 * Writes a new backend package into `options.target`.
 *
 * Every file is rendered into a staging directory first; only when all of them rendered are
 * they moved into place, so a failure leaves the target as it was. A non-empty target is
 * refused unless `conflicts` is `force` (colliding files are overwritten) or `merge` (only
 * missing files are added). Nothing is ever deleted.
 *
 * @throws {UsageError} for an invalid package name, an unknown capability, one the template
 *   cannot implement, or (exit code 3) a non-empty target with the `refuse` policy.
 */
export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const names = backendNames(options.packageName);
  const spec = options.spec ?? loadSpecModel();
  const capabilities = [
    ...new Set([...options.capabilities, ...TEMPLATES[options.template].required]),
  ];
  checkCapabilities(capabilities, options.template, spec);
  const policy = options.conflicts ?? "refuse";
  const entries = await listDirectory(options.target);
  const targetExists = entries !== undefined;
  const occupied = (entries ?? []).filter((entry) => !HARMLESS_ENTRIES.has(entry));
  if (occupied.length > 0 && policy === "refuse") {
    throw new UsageError(
      `${options.target} is not empty (${describeEntries(occupied)}).\n` +
        "Choose another directory, or rerun with --merge to add only the missing files, or with " +
        "--force to also overwrite files that collide. Nothing is ever deleted.",
      3,
    );
  }
  const workspace = options.standalone ? undefined : findWorkspace(options.target);
  const parent = dirname(options.target);
  if (!options.dryRun) await mkdir(parent, { recursive: true });
  // A sibling of the target, so that moving it into place is a rename on one file system.
  const staging = await mkdtemp(
    options.dryRun
      ? join(tmpdir(), "create-backend-")
      : join(parent, `.${basename(options.target)}.staging-`),
  );
  try {
    const paths = await renderPackage(staging, {
      names,
      description: options.description,
      template: options.template,
      capabilities,
      // The kvkit repository is a pnpm workspace, whatever the user runs elsewhere.
      packageManager: workspace === undefined ? options.packageManager : "pnpm",
      workspace: workspace !== undefined,
      projectName: basename(options.target),
      spec,
      year: new Date().getFullYear(),
      author: options.author ?? `the ${names.packageName} authors`,
    });
    const plan = await planChanges(staging, options.target, paths, policy);
    const edits = workspace === undefined ? [] : workspaceEdits(workspace, names.packageName);
    if (!options.dryRun) await applyChanges(staging, options.target, plan, targetExists, edits);
    return {
      names,
      plan,
      edits: edits.map(({ label, before }) => ({ label, before })),
      workspace,
      written: !options.dryRun,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function checkCapabilities(
  capabilities: readonly string[],
  template: TemplateName,
  spec: SpecModel,
): void {
  const known = spec.capabilities.map((capability) => capability.name);
  const unknown = capabilities.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown capabilit${unknown.length === 1 ? "y" : "ies"} ${unknown.join(", ")}; @kvkit/spec ${spec.version} defines ${known.join(", ")}.`,
    );
  }
  const offered = TEMPLATES[template].implements;
  if (offered === "all") return;
  const missing = capabilities.filter((name) => !offered.includes(name));
  if (missing.length > 0) {
    throw new UsageError(
      `The ${template} template has no implementation of ${missing.join(", ")} (it implements ${offered.join(", ")}).\n` +
        "Leave it out, or use --template blank and write it yourself.",
    );
  }
}

async function listDirectory(path: string): Promise<string[] | undefined> {
  try {
    return await readdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw new UsageError(`${path} exists and is not a directory.`);
    throw error;
  }
}

function describeEntries(entries: readonly string[]): string {
  const shown = entries.slice(0, 3).join(", ");
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}
