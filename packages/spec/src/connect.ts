import type { Backend, CapabilityName } from "./backend.ts";
import type { BackendPlugin } from "./backend-plugin.ts";
import { InvalidOptionError } from "./errors/invalid-option-error.ts";
import { NotSupportedError } from "./errors/not-supported-error.ts";
import { parseOptions } from "./parse-options.ts";
import { defaultRegistry, type PluginRegistry } from "./plugin-registry.ts";

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Backend options; they override the URL's query parameters. */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  /** Where to find the plugin for a URL's scheme. Default: {@link defaultRegistry}. */
  readonly registry?: PluginRegistry | undefined;
  /**
   * Capabilities the application needs. If the opened backend does not declare one, it is
   * closed again and `connect()` rejects with `KVKIT_NOT_SUPPORTED`.
   */
  readonly require?: readonly CapabilityName[] | undefined;
}

/**
 * Opens a backend from a URL (such as `"redis://127.0.0.1:6379?prefix=app:"` or
 * `"file:///var/lib/app/kv"`) whose scheme a registered plugin handles, or from a plugin
 * descriptor. Options are validated against the plugin's schema, defaults applied.
 *
 * @example
 * ```ts
 * import { connect, registerPlugin } from "@kvkit/spec";
 * import { plugin as redis } from "@kvkit/backend-redis";
 *
 * registerPlugin(redis);
 * await using kv = await connect("redis://127.0.0.1:6379", { require: ["atomicWrite"] });
 * ```
 *
 * @throws {InvalidOptionError} `KVKIT_INVALID_OPTION` for a URL that does not parse, a scheme no
 *   plugin handles, or invalid options (every problem listed).
 * @throws {NotSupportedError} `KVKIT_NOT_SUPPORTED` when a required capability is not declared.
 */
export async function connect(
  target: string | URL | BackendPlugin<never>,
  connectOptions: ConnectOptions = {},
): Promise<Backend> {
  const { options = {}, registry = defaultRegistry, require = [] } = connectOptions;
  let plugin: BackendPlugin<never>;
  let fromUrl: Record<string, unknown> = {};
  if (typeof target === "string" || target instanceof URL) {
    const url = toUrl(target);
    const scheme = url.protocol.slice(0, -1);
    const found = registry.get(scheme);
    if (found === undefined) {
      const known =
        registry
          .schemes()
          .map((s) => `${s}:`)
          .join(", ") || "none registered";
      throw new InvalidOptionError([
        `No plugin handles the scheme "${scheme}:" (known: ${known}); register one with registerPlugin()`,
      ]);
    }
    plugin = found;
    fromUrl = { ...plugin.optionsFromUrl(url), ...queryOptions(url) };
  } else {
    plugin = target;
  }
  const parsed = parseOptions<never>(plugin.options, { ...fromUrl, ...options }, plugin.name);
  const backend = plugin.create(parsed);
  const missing = require.filter((name) => !backend.manifest.capabilities[name]);
  if (missing.length > 0) {
    await backend.close();
    throw new NotSupportedError(missing.join(", "));
  }
  return backend;
}

function toUrl(target: string | URL): URL {
  if (target instanceof URL) return target;
  try {
    return new URL(target);
  } catch (cause) {
    throw new InvalidOptionError([`"${target}" is not a URL`], { cause });
  }
}

function queryOptions(url: URL): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [name, value] of url.searchParams) options[name] = value;
  return options;
}
