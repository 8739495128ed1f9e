import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Cluster, Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { Outcome } from "./fixtures/rediss-child.ts";
import { startTlsCluster, startTlsRedis } from "./helpers/redis-server.ts";

// The README promises that `rediss://` turns TLS on. These tests open a bare `rediss://` URL,
// with no `tls` option, against servers that listen on TLS only. Node reads the extra CAs it
// trusts (NODE_EXTRA_CA_CERTS) once, at process start, so the client runs in a child process
// started with the test CA in that variable: it then trusts the CA through Node's default store,
// as it would a CA installed on the system. The same child without the variable is refused by
// the certificate check, which shows the success came from that store and that the certificate
// is checked at all.
const server = await startTlsRedis();
const cluster = await startTlsCluster(3);
const control = new Redis(server.url, { tls: { ca: server.ca } });
const clusterControl = new Cluster(
  cluster.nodes.map((node) => ({ host: node.host, port: node.port })),
  { redisOptions: { tls: { ca: cluster.ca } } },
);
const caDirectory = mkdtempSync(join(tmpdir(), "kvkit-redis-extra-ca-"));
const serverCaFile = join(caDirectory, "server-ca.pem");
const clusterCaFile = join(caDirectory, "cluster-ca.pem");
writeFileSync(serverCaFile, server.ca);
writeFileSync(clusterCaFile, cluster.ca);
afterAll(async () => {
  control.disconnect();
  clusterControl.disconnect();
  rmSync(caDirectory, { recursive: true, force: true });
  await Promise.allSettled([server.stop(), cluster.stop()]);
});

const CHILD = fileURLToPath(new URL("./fixtures/rediss-child.ts", import.meta.url));
// tsx as resolved from this package, so the child does not depend on the working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** How long a child may run before it is killed: tsx's start plus two short connections. */
const CHILD_TIMEOUT_MS = 20_000;

/** Node's codes for a certificate chain that does not end at a trusted root. */
const UNTRUSTED_CODES = [
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
];

interface ChildReport {
  readonly direct: Outcome;
  readonly plugin: Outcome;
}

interface Run {
  readonly report: ChildReport;
  readonly directKeyspace: string;
  readonly pluginKeyspace: string;
  readonly value: string;
}

/**
 * Runs the child on `url` with NODE_EXTRA_CA_CERTS set to `caFile` (unset without it), and
 * returns the JSON line it printed. Rejects, with the child's stderr, when it prints none, exits
 * with an error or runs longer than {@link CHILD_TIMEOUT_MS}.
 */
async function runChild(url: string, isCluster: boolean, caFile?: string): Promise<Run> {
  const directKeyspace = randomUUID();
  const pluginKeyspace = randomUUID();
  const value = `v-${randomUUID()}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (caFile !== undefined) env.NODE_EXTRA_CA_CERTS = caFile;
  const args = [
    "--conditions=@kvkit/source",
    "--import",
    TSX,
    CHILD,
    url,
    String(isCluster),
    directKeyspace,
    pluginKeyspace,
    value,
  ];
  const { code, signal, stdout, stderr } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: CHILD_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      err = (err + chunk).slice(-20_000);
    });
    child.on("error", reject);
    child.on("close", (exitCode, exitSignal) =>
      resolve({ code: exitCode, signal: exitSignal, stdout: out, stderr: err }),
    );
  });
  const line = stdout.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !line.startsWith("{")) {
    throw new Error(
      `the child exited with ${signal ?? code} (SIGKILL: it ran past ${CHILD_TIMEOUT_MS} ms) and printed ${JSON.stringify(stdout)}; stderr:\n${stderr}`,
    );
  }
  return { report: JSON.parse(line) as ChildReport, directKeyspace, pluginKeyspace, value };
}

describe("a rediss:// URL with no tls option, the CA trusted through Node's default store", () => {
  describe("standalone server (TLS only)", () => {
    it("new RedisBackend() and connect() both connect over TLS: set/get round-trip, health ok, values on the server", async () => {
      const run = await runChild(server.url, false, serverCaFile);
      for (const outcome of [run.report.direct, run.report.plugin]) {
        expect(outcome).toEqual({ got: run.value, health: "ok" });
      }
      expect(await control.exists(`{${run.directKeyspace}}dk`)).toBe(1);
      expect(await control.exists(`{${run.pluginKeyspace}}dk`)).toBe(1);
    }, 30_000);

    it("without the CA in NODE_EXTRA_CA_CERTS both reject with KVKIT_UNAVAILABLE, caused by the certificate check, and write nothing", async () => {
      const run = await runChild(server.url, false);
      for (const outcome of [run.report.direct, run.report.plugin]) {
        expect(outcome.got).toBeUndefined();
        expect(outcome.health).toBe("unavailable");
        expect(outcome.error?.code).toBe("KVKIT_UNAVAILABLE");
        expect(UNTRUSTED_CODES).toContain(outcome.error?.causeCode);
      }
      expect(await control.exists(`{${run.directKeyspace}}dk`)).toBe(0);
      expect(await control.exists(`{${run.pluginKeyspace}}dk`)).toBe(0);
    }, 30_000);
  });

  describe("Redis Cluster (TLS only, 3 masters), cluster: true with one rediss:// startup node", () => {
    it("new RedisBackend() and connect() both connect over TLS: set/get round-trip, health ok, values in the Cluster", async () => {
      const first = cluster.nodes[0];
      if (first === undefined) throw new Error("the cluster has no nodes");
      const run = await runChild(first.url, true, clusterCaFile);
      for (const outcome of [run.report.direct, run.report.plugin]) {
        expect(outcome).toEqual({ got: run.value, health: "ok" });
      }
      expect(await clusterControl.exists(`{${run.directKeyspace}}dk`)).toBe(1);
      expect(await clusterControl.exists(`{${run.pluginKeyspace}}dk`)).toBe(1);
    }, 30_000);

    // A Cluster's error does not carry the certificate failure: ioredis reports "Failed to
    // refresh slots cache." whose last node error is "Connection is closed.". That the client
    // tried TLS at all is shown by the case above (the nodes speak nothing else).
    it("without the CA in NODE_EXTRA_CA_CERTS both reject with KVKIT_UNAVAILABLE and write nothing", async () => {
      const first = cluster.nodes[0];
      if (first === undefined) throw new Error("the cluster has no nodes");
      const run = await runChild(first.url, true);
      for (const outcome of [run.report.direct, run.report.plugin]) {
        expect(outcome.got).toBeUndefined();
        expect(outcome.health).toBe("unavailable");
        expect(outcome.error?.code).toBe("KVKIT_UNAVAILABLE");
      }
      expect(await clusterControl.exists(`{${run.directKeyspace}}dk`)).toBe(0);
      expect(await clusterControl.exists(`{${run.pluginKeyspace}}dk`)).toBe(0);
    }, 30_000);
  });
});
