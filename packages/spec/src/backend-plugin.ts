import type { Backend } from "./backend.ts";
import type { Manifest } from "./manifest.ts";
import type { OptionsSchema } from "./options-schema.ts";

/**
 * What every backend package exports (as `plugin`), so that {@link connect} and the testkit
 * can open it by URL scheme or by reference.
 *
 * @example
 * ```ts
 * export const plugin: BackendPlugin<MemoryBackendOptions> = {
 *   name: "@kvkit/backend-memory",
 *   schemes: ["memory"],
 *   manifest,
 *   options: { prefix: { type: "string", default: "", description: "Namespace for every key." } },
 *   optionsFromUrl: () => ({}),
 *   create: (options) => new MemoryBackend(options),
 * };
 * ```
 */
export interface BackendPlugin<O = Record<string, unknown>> {
  /** The npm package name, such as `"@kvkit/backend-redis"`. */
  readonly name: string;
  /** URL schemes this plugin opens, lower case and without the colon, such as `["redis", "rediss"]`. */
  readonly schemes: readonly string[];
  /**
   * The manifest of an instance opened with default options. An instance's own
   * `backend.manifest` is authoritative: options (such as a durability level) may change it.
   */
  readonly manifest: Manifest;
  /** Every option `create` accepts, with defaults and checks; `connect()` validates against it. */
  readonly options: OptionsSchema;
  /**
   * Turns a URL with one of `schemes` into options (host, path, credentials). Query parameters
   * are added by `connect()` itself, converted by the schema, and override what this returns.
   */
  optionsFromUrl(url: URL): Record<string, unknown>;
  /**
   * Creates a backend from validated options, with defaults applied. Does no I/O: a store
   * that cannot be reached shows up as rejected operations, not as a failed `create`.
   */
  create(options: O): Backend;
}
