import type { BackendPlugin } from "@kvkit/spec";
import { manifest } from "./manifest.ts";
import { MemoryBackend, type MemoryBackendOptions } from "./memory-backend.ts";

/**
 * The descriptor `connect()` uses: `memory://<store-name>?prefix=<namespace>` opens the named
 * in-process store (`memory://` alone opens a new private one).
 *
 * @example
 * ```ts
 * import { connect, registerPlugin } from "@kvkit/spec";
 * import { plugin } from "@kvkit/backend-memory";
 *
 * registerPlugin(plugin);
 * await using kv = await connect("memory://sessions?prefix=app/");
 * ```
 */
export const plugin: BackendPlugin<MemoryBackendOptions> = {
  name: "@kvkit/backend-memory",
  schemes: ["memory"],
  manifest,
  options: {
    store: {
      type: "string",
      description:
        "Name of the in-process store to open; instances with the same name share it. Default: a new private store.",
    },
    prefix: {
      type: "string",
      default: "",
      description: "Namespace put in front of every key; reported keys never include it.",
      check: (value) =>
        typeof value === "string" && !value.isWellFormed()
          ? "must be well-formed Unicode (it has a lone surrogate)"
          : undefined,
    },
    clock: {
      type: "function",
      description: "Where TTL reads the time, as () => epoch milliseconds. Default: Date.now.",
    },
  },
  optionsFromUrl(url: URL): Record<string, unknown> {
    const name = decodeURIComponent(url.host + url.pathname).replace(/\/$/, "");
    return name === "" ? {} : { store: name };
  },
  create: (options) => new MemoryBackend(options),
};
