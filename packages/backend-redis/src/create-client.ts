import { InvalidOptionError } from "@kvkit/spec";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { CommandDeadlines } from "./command-deadlines.ts";
import type { ClusterNode, RedisBackendOptions } from "./redis-backend-options.ts";
import { rejectInFlightOnClose } from "./reject-in-flight-on-close.ts";

/** The settings derived from {@link RedisBackendOptions} that clients are made from. */
export interface ClientSettings {
  readonly options: RedisBackendOptions;
  readonly commandTimeoutMs: number;
}

/**
 * Opens an ioredis client (standalone or Cluster) configured so that no command waits without
 * a deadline and none is sent twice:
 * - `lazyConnect`: the constructor does no I/O;
 * - `enableOfflineQueue: false`: nothing queues while disconnected (operations wait in the
 *   backend's own gate, with a deadline, and fail as never sent);
 * - `autoResendUnfulfilledCommands: false`: a command whose answer was lost is not sent again
 *   after a reconnect (ioredis would otherwise apply a write twice);
 * - a deadline per command, also for a silently dead (blackholed) connection: on a standalone
 *   server {@link CommandDeadlines}, one timer per client with ioredis's `commandTimeout` rule;
 *   on Cluster ioredis's own `commandTimeout`, a timer per command, because the Cluster client
 *   holds commands outside any connection's queue (between redirections, and in the offline
 *   queue it forces on a node connection that is connecting), where only a timer of their own
 *   reaches them;
 * - a reconnect delay of at most `maxReconnectDelayMs`, so recovery after a restart is quick.
 *
 * `extraTimeoutMs` lengthens the command deadline, for connections that block (`XREAD BLOCK`).
 */
export function createClient(settings: ClientSettings, extraTimeoutMs = 0): Redis | Cluster {
  const { options } = settings;
  const maxDelay = options.maxReconnectDelayMs ?? 500;
  const timeoutMs = settings.commandTimeoutMs + extraTimeoutMs;
  const nodeOptions: RedisOptions = {
    ...options.ioredis,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: undefined,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, maxDelay),
  };
  const nodes = clusterNodes(options);
  if (nodes === undefined) {
    const client = new Redis(options.url ?? "redis://127.0.0.1:6379", nodeOptions);
    rejectInFlightOnClose(client);
    new CommandDeadlines(timeoutMs).add(client);
    return client;
  }
  const url = options.url === undefined ? undefined : new URL(options.url);
  const cluster = new Cluster(nodes, {
    ...options.ioredisCluster,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    scaleReads: "master",
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: options.connectTimeoutMs ?? 2000,
    clusterRetryStrategy: (attempt: number) => Math.min(attempt * 50, maxDelay),
    redisOptions: {
      ...nodeOptions,
      commandTimeout: timeoutMs,
      ...(url?.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url?.password ? { password: decodeURIComponent(url.password) } : {}),
      // rediss: turns TLS on, keeping TLS options given in `tls` or `ioredis.tls`.
      ...(url?.protocol === "rediss:" && nodeOptions.tls === undefined ? { tls: {} } : {}),
    },
  });
  cluster.on("+node", (node: Redis) => rejectInFlightOnClose(node));
  return cluster;
}

/** The Cluster startup nodes, or `undefined` for a standalone server. */
function clusterNodes(options: RedisBackendOptions): ClusterNode[] | undefined {
  const { nodes } = options;
  if (nodes === undefined || (typeof nodes === "string" && nodes.trim() === "")) {
    if (!options.cluster) return undefined;
    const url = new URL(options.url ?? "redis://127.0.0.1:6379");
    return [{ host: url.hostname, port: Number(url.port || 6379) }];
  }
  if (typeof nodes !== "string") return nodes.map((node) => ({ host: node.host, port: node.port }));
  return nodes.split(",").map((entry) => {
    const text = entry.trim();
    const colon = text.lastIndexOf(":");
    const port = Number(text.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new InvalidOptionError([`nodes entry "${text}" is not host:port`]);
    }
    return { host: text.slice(0, colon).replace(/^\[|\]$/g, ""), port };
  });
}
