import type { BackendPlugin } from "@kvkit/spec";
import { checkKeyspace } from "./key-layout.ts";
import { manifest } from "./manifest.ts";
import { RedisBackend } from "./redis-backend.ts";
import type { RedisBackendOptions } from "./redis-backend-options.ts";

/**
 * Opens {@link RedisBackend} from `redis://` and `rediss://` URLs through `connect()`:
 * `redis://user:password@host:port/db?keyspace=app&prefix=users/&commandTimeoutMs=1000`.
 * A Cluster: `redis://host:7000?cluster=true`, or `nodes=host:7000,host:7001`.
 */
export const plugin: BackendPlugin<RedisBackendOptions> = {
  name: "@kvkit/backend-redis",
  schemes: ["redis", "rediss"],
  manifest,
  options: {
    url: {
      type: "string",
      description: "The server: redis://[user:password@]host[:port][/db], or rediss:// for TLS.",
      default: "redis://127.0.0.1:6379",
      check: (value) =>
        /^rediss?:\/\//.test(String(value)) ? undefined : "must start with redis:// or rediss://",
    },
    nodes: {
      type: "string",
      description: "Redis Cluster startup nodes, host:port,host:port; opens a Cluster client.",
    },
    cluster: {
      type: "boolean",
      description: "Open a Cluster client, with the URL's host as the startup node.",
      default: false,
    },
    mode: {
      type: "string",
      description:
        "indexed: sorted index and change log (ordered list, watch); plain: values only, one native command per operation.",
      default: "indexed",
      enum: ["indexed", "plain"],
    },
    keyspace: {
      type: "string",
      description: "The store's hash tag: all its keys live in one Cluster slot. No { or }.",
      default: "kvkit",
      check: checkKeyspace,
    },
    prefix: {
      type: "string",
      description: "A namespace prepended to every key inside the keyspace.",
      default: "",
      check: (value) => (String(value).isWellFormed() ? undefined : "must be well-formed Unicode"),
    },
    commandTimeoutMs: {
      type: "integer",
      description: "Deadline of every command in milliseconds, waiting for a connection included.",
      default: 2000,
      min: 1,
    },
    connectTimeoutMs: {
      type: "integer",
      description: "How long one connection attempt may take, in milliseconds.",
      default: 2000,
      min: 1,
    },
    maxReconnectDelayMs: {
      type: "integer",
      description: "The longest pause between reconnection attempts, in milliseconds.",
      default: 500,
      min: 1,
    },
    changeLogLength: {
      type: "integer",
      description: "How many change log entries (a batch is one) watchers can resume from.",
      default: 10_000,
      min: 1,
    },
    tls: { type: "object", description: "TLS options (ca, cert, key, servername, …)." },
    ioredis: { type: "object", description: "Extra ioredis options, under the backend's own." },
    ioredisCluster: {
      type: "object",
      description: "Extra ioredis Cluster options, under the backend's own.",
    },
  },
  optionsFromUrl(url: URL): Record<string, unknown> {
    const base = new URL(url.href);
    base.search = "";
    base.hash = "";
    return { url: base.href };
  },
  create: (options) => new RedisBackend(options),
};
