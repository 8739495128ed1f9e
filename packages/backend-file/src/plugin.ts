import { fileURLToPath } from "node:url";
import type { BackendPlugin, Durability } from "@kvkit/spec";
import { FileBackend, type FileBackendOptions } from "./file-backend.ts";
import { manifest } from "./manifest.ts";

/**
 * Opens `file:` URLs: `file:///var/lib/app/kv?durability=process&prefix=app:`. The URL's
 * path is the store directory.
 */
export const plugin: BackendPlugin<FileBackendOptions> = {
  name: "@kvkit/backend-file",
  schemes: ["file"],
  manifest,
  options: {
    directory: {
      type: "string",
      required: true,
      description: "The store directory (created with mode 0700 if missing).",
    },
    prefix: { type: "string", default: "", description: "Namespace for every key." },
    durability: {
      type: "string",
      default: "power" satisfies Durability,
      enum: ["none", "process", "power"],
      description: "power: fsync before a write resolves; process/none: no fsync.",
    },
    clock: {
      type: "function",
      description: "Returns the time in epoch milliseconds, for expiry. Default Date.now.",
    },
    pollIntervalMs: {
      type: "integer",
      default: 20,
      min: 1,
      description: "How often active watches look for writes of other processes, in ms.",
    },
    compactAtBytes: {
      type: "integer",
      default: 64 * 1024 * 1024,
      min: 0,
      description:
        "Compact the log past this size when it is over twice the live data; 0 never compacts.",
    },
    minFreeBytes: {
      type: "integer",
      default: 64 * 1024 * 1024,
      min: 0,
      description: "health() reports degraded below this much free space, in bytes.",
    },
  },
  optionsFromUrl: (url) => ({
    directory: fileURLToPath(new URL(url.href.split("?")[0] ?? url.href)),
  }),
  create: (options) => new FileBackend(options),
};
