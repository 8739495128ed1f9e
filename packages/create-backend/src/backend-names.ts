import validate from "validate-npm-package-name";
import { UsageError } from "./usage-error.ts";

/** Every name the generator derives from the package name; computed once, never in templates. */
export interface BackendNames {
  /** The npm package name, such as `"@acme/kvkit-backend-blob"`. */
  readonly packageName: string;
  /** The backend id in kebab case, such as `"blob"`: file names and the test name. */
  readonly id: string;
  /** The class name, such as `"BlobBackend"`. */
  readonly className: string;
  /** The options type name, such as `"BlobBackendOptions"`. */
  readonly optionsName: string;
  /** The URL scheme the plugin claims, such as `"blob"`. */
  readonly scheme: string;
}

/**
 * Checks `name` with validate-npm-package-name's rules for new packages.
 *
 * @returns every error and warning, one sentence each; empty when the name is valid.
 */
export function packageNameProblems(name: string): string[] {
  const result = validate(name);
  if (result.validForNewPackages) return [];
  return [...(result.errors ?? []), ...(result.warnings ?? [])];
}

/**
 * Derives the names of a backend from its package name.
 *
 * @throws {UsageError} when the package name is not valid for a new npm package.
 */
export function backendNames(packageName: string): BackendNames {
  const problems = packageNameProblems(packageName);
  if (problems.length > 0) {
    throw new UsageError(
      `"${packageName}" is not a valid npm package name: ${problems.join("; ")}.`,
    );
  }
  const bare = packageName.replace(/^@[^/]+\//, "");
  const words = bare
    .replace(/^(kvkit-)?backend-/, "")
    .replace(/-(kvkit-)?backend$/, "")
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
  const id = words.length === 0 ? "custom" : words.join("-");
  const pascal = id
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
  const className = `${/^[0-9]/.test(pascal) ? "Kv" : ""}${pascal}Backend`;
  return {
    packageName,
    id,
    className,
    optionsName: `${className}Options`,
    scheme: /^[a-z]/.test(id) ? id : `kv-${id}`,
  };
}

/**
 * A valid package name close to `text` (the directory's name, usually): lower case, spaces and
 * other characters npm refuses turned into dashes.
 */
export function suggestPackageName(text: string): string {
  const scoped = /^@([^/]+)\/(.+)$/.exec(text);
  const clean = (part: string) =>
    part
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._~-]+/g, "-")
      .replace(/^[._-]+/, "")
      .replace(/-+$/, "");
  if (scoped?.[1] !== undefined && scoped[2] !== undefined) {
    return `@${clean(scoped[1])}/${clean(scoped[2]) || "kvkit-backend"}`;
  }
  return clean(text) || "kvkit-backend";
}
