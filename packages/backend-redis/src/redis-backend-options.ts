import type { ClusterOptions, RedisOptions } from "ioredis";

/** A Redis Cluster startup node. */
export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

/**
 * How a store keeps its keys (see the package README):
 * - `indexed`: every write is one script that also maintains a sorted key index and a change
 *   log, for ordered listing and resumable cross-process watches;
 * - `plain`: values only; every get, set, delete and batch is one native command, listing
 *   uses `SCAN` (unordered) and `watch` is not offered.
 *
 * A keyspace is written in one mode: keys written in `plain` mode are missing from the index
 * that `indexed` mode lists from.
 */
export type StoreMode = "indexed" | "plain";

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions {
  /** How the store keeps its keys: `"indexed"` (default) or `"plain"`. See {@link StoreMode}. */
  readonly mode?: StoreMode | undefined;
  /**
   * Where the server is: `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS.
   * Default `redis://127.0.0.1:6379`. With `cluster`, the URL's host is a startup node.
   */
  readonly url?: string | undefined;
  /**
   * Redis Cluster startup nodes, as `"host:port,host:port"` or a list. Giving nodes (or
   * `cluster: true`) opens a Cluster client.
   */
  readonly nodes?: string | readonly ClusterNode[] | undefined;
  /** Open a Cluster client with the URL's host as the startup node. Default `false`. */
  readonly cluster?: boolean | undefined;
  /**
   * The store: every key, the sorted index and the change log of one store share the hash tag
   * `{keyspace}` (one Cluster slot, so multi-key scripts never fail with `CROSSSLOT`).
   * May not contain `{` or `}`. Default `"kvkit"`.
   */
  readonly keyspace?: string | undefined;
  /**
   * A namespace inside the keyspace, prepended to every key; keys the backend reports never
   * include it. Instances on the same keyspace see each other's keys: one opened with prefix
   * `"a/"` lists as `"x"` what one opened without a prefix lists as `"a/x"`. Default `""`.
   */
  readonly prefix?: string | undefined;
  /**
   * The deadline of every command, in milliseconds, counted from when it was sent; waiting for
   * a connection counts against the same deadline. Default 2000.
   */
  readonly commandTimeoutMs?: number | undefined;
  /** How long one connection attempt may take, in milliseconds. Default 2000. */
  readonly connectTimeoutMs?: number | undefined;
  /** The longest pause between reconnection attempts, in milliseconds. Default 500. */
  readonly maxReconnectDelayMs?: number | undefined;
  /**
   * How many change log entries (writes; a batch or commit is one) the log keeps for watchers
   * to resume from. Default 10 000.
   */
  readonly changeLogLength?: number | undefined;
  /** TLS options (`ca`, `cert`, `key`, `servername`, …); a `rediss:` URL turns TLS on by itself. */
  readonly tls?: RedisOptions["tls"] | undefined;
  /**
   * Extra ioredis options, applied under the backend's own. The options the fault guarantees
   * depend on (`lazyConnect`, `enableOfflineQueue`, `autoResendUnfulfilledCommands`,
   * `maxRetriesPerRequest`, `commandTimeout`) are always the backend's.
   */
  readonly ioredis?: RedisOptions | undefined;
  /** Extra ioredis Cluster options, applied under the backend's own. */
  readonly ioredisCluster?: ClusterOptions | undefined;
}
