import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";

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

/** A redis-server these tests started that accepts TLS connections only. */
export interface RedisTlsServer extends RedisServer {
  /** `rediss://127.0.0.1:<port>`. */
  readonly url: string;
  /** The PEM certificate of the throw-away CA that signed the server's certificate. */
  readonly ca: string;
}

/** A local Redis Cluster of masters these tests started. */
export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  stop(): Promise<void>;
}

/** A local Redis Cluster whose nodes accept TLS connections only, among themselves too. */
export interface RedisTlsCluster extends RedisCluster {
  /** The PEM certificate of the throw-away CA that signed every node's certificate. */
  readonly ca: string;
}

/** A throw-away CA and a server certificate it signed, in a directory of their own. */
interface Certificates {
  readonly dir: string;
  /** The CA's PEM certificate. */
  readonly ca: string;
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

/**
 * Fails with instructions when openssl is not installed: the TLS tests make their certificates
 * with it.
 */
function requireOpenssl(): void {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "openssl was not found on PATH. The backend-redis TLS tests make a throw-away CA with it; install it with `apt-get install openssl` (or `brew install openssl`).",
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

/**
 * Resolves once the server on `port` answers PING, rejects after `timeoutMs`. With `ca` it
 * connects over TLS and trusts that CA.
 */
async function waitForPing(port: number, timeoutMs: number, ca?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket: Socket =
        ca === undefined
          ? createConnection({ host: HOST, port })
          : tlsConnect({ host: HOST, port, ca });
      socket.setTimeout(500);
      socket.once(ca === undefined ? "connect" : "secureConnect", () => socket.write("PING\r\n"));
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
  return await startNode(options.cluster ?? false);
}

/**
 * Starts a standalone redis-server that listens on TLS only (plain TCP off), on a free loopback
 * port with persistence off. Its certificate (SAN `IP:127.0.0.1` and `DNS:localhost`) is signed
 * by a CA made for it with openssl in a temporary directory, which `stop()` deletes. Clients
 * need no certificate of their own.
 */
export async function startTlsRedis(): Promise<RedisTlsServer> {
  return await withCertificates((certificates) => startNode(false, certificates));
}

/**
 * Makes a throw-away CA and runs `start` with it. What `start` started gets the CA's PEM as
 * `ca`, and its `stop()` deletes the CA's directory too; so does a failed start.
 */
async function withCertificates<T extends { stop(): Promise<void> }>(
  start: (certificates: Certificates) => Promise<T>,
): Promise<T & { readonly ca: string }> {
  requireOpenssl();
  const dir = mkdtempSync(join(tmpdir(), "kvkit-redis-tls-"));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  let ca: string;
  let started: T;
  try {
    ca = makeCertificates(dir);
    started = await start({ dir, ca });
  } catch (error) {
    remove();
    throw error;
  }
  return {
    ...started,
    ca,
    async stop() {
      await started.stop();
      remove();
    },
  };
}

/**
 * Starts one redis-server on a free loopback port in a temporary directory of its own, as a
 * Cluster node when `cluster` is set. With `certificates` it listens on TLS only and, as a
 * Cluster node, talks TLS to the other nodes too (cluster bus and replication).
 */
async function startNode(cluster: boolean, certificates?: Certificates): Promise<RedisServer> {
  requireRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "kvkit-redis-"));
  const args = [
    ...(certificates === undefined
      ? ["--port", String(port)]
      : ["--port", "0", "--tls-port", String(port), ...tlsArgs(certificates.dir)]),
    ...(cluster
      ? [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-node-timeout",
          "2000",
          ...(certificates === undefined
            ? []
            : ["--tls-cluster", "yes", "--tls-replication", "yes"]),
        ]
      : []),
  ];
  const url = `${certificates === undefined ? "redis" : "rediss"}://${HOST}:${port}`;
  return await spawnServer(port, dir, args, url, certificates?.ca);
}

/** The redis-server options that load the certificate files in `dir`. */
function tlsArgs(dir: string): string[] {
  return [
    "--tls-cert-file",
    join(dir, "server.crt"),
    "--tls-key-file",
    join(dir, "server.key"),
    "--tls-ca-cert-file",
    join(dir, "ca.crt"),
    // Redis asks TLS clients for a certificate by default.
    "--tls-auth-clients",
    "no",
  ];
}

/**
 * Writes a throw-away CA (`ca.crt`) and a server certificate and key it signed (`server.crt`,
 * `server.key`, SAN `IP:127.0.0.1` and `DNS:localhost`) into `dir`; returns the CA's PEM.
 * Valid for a day: long enough for any test run, useless afterwards.
 */
function makeCertificates(dir: string): string {
  // An empty config, so the system's openssl.cnf adds nothing; every extension is given here.
  const config = join(dir, "openssl.cnf");
  writeFileSync(config, "[req]\ndistinguished_name = dn\n[dn]\n");
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = (args: string[]): void => {
    execFileSync("openssl", ["req", "-config", config, "-x509", "-days", "1", ...key, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  };
  openssl(
    [
      ["-keyout", join(dir, "ca.key")],
      ["-out", join(dir, "ca.crt")],
      ["-subj", "/CN=kvkit test CA"],
      ["-addext", "basicConstraints=critical,CA:TRUE"],
      ["-addext", "keyUsage=critical,keyCertSign"],
    ].flat(),
  );
  openssl(
    [
      ["-keyout", join(dir, "server.key")],
      ["-out", join(dir, "server.crt")],
      ["-subj", "/CN=localhost"],
      ["-CA", join(dir, "ca.crt")],
      ["-CAkey", join(dir, "ca.key")],
      ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
      ["-addext", "basicConstraints=critical,CA:FALSE"],
      // clientAuth too: Cluster nodes present it to each other on the TLS cluster bus, which
      // always asks for a client certificate.
      ["-addext", "extendedKeyUsage=serverAuth,clientAuth"],
    ].flat(),
  );
  return readFileSync(join(dir, "ca.crt"), "utf8");
}

/**
 * Runs redis-server with `serverArgs` (its listening ports, Cluster mode) plus loopback binding
 * and persistence off, in `dir`, and waits until it answers PING on `port` (over TLS when `ca`
 * is given). `stop()` removes `dir`; so does a failed start.
 */
async function spawnServer(
  port: number,
  dir: string,
  serverArgs: readonly string[],
  url: string,
  ca?: string,
): Promise<RedisServer> {
  const args = [
    ...serverArgs,
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
  ];
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = spawn("sh", ["-c", GUARD, "redis-server", ...args], {
      stdio: ["pipe", "ignore", "ignore"],
    });
    await waitForPing(port, 10_000, ca);
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
  const stop = async (): Promise<void> => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: HOST, port, url, kill, restart: launch, stop };
}

/** Starts `masters` Cluster nodes and joins them with `redis-cli --cluster create`. */
export async function startCluster(masters = 3): Promise<RedisCluster> {
  return await joinCluster(masters);
}

/**
 * Starts `masters` Cluster nodes that listen on TLS only and talk TLS among themselves
 * (`--tls-cluster`, `--tls-replication`), every certificate signed by one CA made for the
 * cluster with openssl, and joins them. `stop()` deletes the CA with the nodes.
 */
export async function startTlsCluster(masters = 3): Promise<RedisTlsCluster> {
  return await withCertificates((certificates) => joinCluster(masters, certificates));
}

/**
 * Starts `masters` Cluster nodes (TLS only with `certificates`) and joins them with
 * `redis-cli --cluster create`.
 */
async function joinCluster(masters: number, certificates?: Certificates): Promise<RedisCluster> {
  const cli =
    certificates === undefined ? [] : ["--tls", "--cacert", join(certificates.dir, "ca.crt")];
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) nodes.push(await startNode(true, certificates));
    execFileSync(
      "redis-cli",
      [
        ...cli,
        "--cluster",
        "create",
        ...nodes.map((node) => `${HOST}:${node.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      // redis-cli waits for the nodes to meet for as long as it takes; nodes that cannot (a
      // TLS handshake failing on the cluster bus) would hang the tests' start.
      { stdio: "ignore", timeout: 30_000 },
    );
    await waitForClusterOk(nodes, cli);
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

/** Resolves once every node reports `cluster_state:ok` to `redis-cli` run with `cli` first. */
async function waitForClusterOk(
  nodes: readonly RedisServer[],
  cli: readonly string[],
): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = nodes.every((node) =>
      execFileSync("redis-cli", [...cli, "-h", HOST, "-p", String(node.port), "cluster", "info"])
        .toString()
        .includes("cluster_state:ok"),
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error("the local Redis Cluster did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
