import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HOST = "127.0.0.1";

/**
 * Runs redis-server under a shell that kills it (SIGKILL) as soon as its stdin closes. This
 * process holds the other end of that pipe, so however it ends (a failed `afterAll`, a worker
 * the runner had to kill), the pipe closes and no server outlives the tests that started it.
 */
const GUARD = 'redis-server "$@" & pid=$!; cat >/dev/null; kill -9 "$pid" 2>/dev/null; wait "$pid"';

/** A redis-server process these tests started, on a free loopback port. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Kills the server with SIGKILL (a crash) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts the process again on the same port (empty: persistence is off). */
  restart(): Promise<void>;
  /** Stops the process and removes its directory. */
  stop(): Promise<void>;
}

/** A local Redis Cluster of masters these tests started. */
export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  stop(): Promise<void>;
}

/**
 * Fails with instructions when redis-server is not installed: a missing server is a failure,
 * never a silent skip.
 */
function requireRedisServer(): void {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "redis-server was not found on PATH. The backend-redis tests start their own servers; install Redis 7 with `apt-get install redis-server` (or `brew install redis`).",
    );
  }
}

/** A port that was free on the loopback interface a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server on `port` answers PING, rejects after `timeoutMs`. */
async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: HOST, port });
      socket.setTimeout(500);
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
      socket.once("timeout", () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts a redis-server on a free loopback port with persistence off, in a temporary
 * directory. `cluster` starts it as a Cluster node.
 */
export async function startRedis(options: { cluster?: boolean } = {}): Promise<RedisServer> {
  requireRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "kvkit-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    HOST,
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--enable-debug-command",
    "local",
    "--loglevel",
    "warning",
    ...(options.cluster
      ? [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-node-timeout",
          "2000",
        ]
      : []),
  ];
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = spawn("sh", ["-c", GUARD, "redis-server", ...args], {
      stdio: ["pipe", "ignore", "ignore"],
    });
    await waitForPing(port, 10_000);
  };
  const kill = async (): Promise<void> => {
    const target = child;
    child = undefined;
    if (target === undefined || target.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      target.once("exit", () => resolve());
      target.stdin?.end();
    });
  };
  await launch();
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `masters` Cluster nodes and joins them with `redis-cli --cluster create`. */
export async function startCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) nodes.push(await startRedis({ cluster: true }));
    execFileSync(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...nodes.map((node) => `${HOST}:${node.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      { stdio: "ignore" },
    );
    await waitForClusterOk(nodes);
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    nodes,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

async function waitForClusterOk(nodes: readonly RedisServer[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = nodes.every((node) =>
      execFileSync("redis-cli", ["-h", HOST, "-p", String(node.port), "cluster", "info"])
        .toString()
        .includes("cluster_state:ok"),
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error("the local Redis Cluster did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
