import { randomUUID } from "node:crypto";
import { type Backend, connect, isBackendError, PluginRegistry } from "@kvkit/spec";
import { bytes, runConformanceSuite } from "@kvkit/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { manifest, plugin, RedisBackend } from "../src/index.ts";
import { startTlsRedis } from "./helpers/redis-server.ts";

// A server of our own that listens on TLS only, with a certificate from a CA made for this run.
const server = await startTlsRedis();
const control = new Redis(server.url, { tls: { ca: server.ca } });
const opened: Backend[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((backend) => backend.close()));
  control.disconnect();
  await server.stop();
});

// Short deadlines for the failure cases; each test's own timeout (5 s) is the hang guard.
const DEADLINE_MS = 300;

/** Node's codes for a certificate chain that does not end at a trusted root. */
const UNTRUSTED_CODES = [
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
];

function track<B extends Backend>(backend: B): B {
  opened.push(backend);
  return backend;
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error & { cause?: unknown }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a rejection, got ${String(outcome)}`);
  return outcome;
}

// One keyspace per store, the suite's namespace as the prefix, as in conformance.test.ts; every
// connection (the watch connections included) is TLS, verified against the test CA.
runConformanceSuite({
  name: "backend-redis-tls",
  manifest,
  create: ({ storeId, prefix }) =>
    new RedisBackend({
      url: server.url,
      tls: { ca: server.ca },
      keyspace: `test:${storeId}`,
      prefix,
    }),
});

describe("RedisBackend over TLS", () => {
  describe("plugin", () => {
    const registry = new PluginRegistry();
    registry.register(plugin);

    // A URL cannot carry a CA: the `tls` option is an object, so it comes through
    // connect()'s `options`, which override the URL's query.
    it("connect() opens a rediss:// URL with the CA given in options.tls", async () => {
      const keyspace = randomUUID();
      const backend = track(
        await connect(`${server.url}?keyspace=${keyspace}&prefix=p/`, {
          registry,
          options: { tls: { ca: server.ca } },
        }),
      );
      await backend.set("k", bytes("v"));
      expect(await backend.get("k")).toEqual(bytes("v"));
      expect(await control.exists(`{${keyspace}}dp/k`)).toBe(1);
    });

    it("connect() rejects with KVKIT_INVALID_OPTION for a tls query parameter (not an object)", async () => {
      await expect(connect(`${server.url}?tls=true`, { registry })).rejects.toMatchObject({
        code: "KVKIT_INVALID_OPTION",
      });
    });

    it("connect() opens a rediss:// URL whose operations reject with KVKIT_UNAVAILABLE without a trusted CA", async () => {
      const backend = track(
        await connect(`${server.url}?keyspace=${randomUUID()}&commandTimeoutMs=${DEADLINE_MS}`, {
          registry,
        }),
      );
      const error = await rejection(backend.get("k"));
      expect(isBackendError(error, "KVKIT_UNAVAILABLE")).toBe(true);
    });
  });

  describe("untrusted certificate", () => {
    function untrusted(keyspace = randomUUID()): RedisBackend {
      return track(new RedisBackend({ url: server.url, keyspace, commandTimeoutMs: DEADLINE_MS }));
    }

    it("get() rejects with KVKIT_UNAVAILABLE, caused by the certificate check, when no ca is given", async () => {
      const error = await rejection(untrusted().get("k"));
      expect(isBackendError(error, "KVKIT_UNAVAILABLE")).toBe(true);
      // Node's certificate verification failed: the test CA is not among its default roots.
      expect(UNTRUSTED_CODES).toContain((error.cause as { code?: unknown } | undefined)?.code);
    });

    it("set() rejects with KVKIT_UNAVAILABLE (never sent) and writes nothing when no ca is given", async () => {
      const keyspace = randomUUID();
      const error = await rejection(untrusted(keyspace).set("k", bytes("v")));
      expect(isBackendError(error, "KVKIT_UNAVAILABLE")).toBe(true);
      expect(await control.exists(`{${keyspace}}dk`)).toBe(0);
    });

    it("health() reports unavailable when no ca is given", async () => {
      const report = await untrusted().health();
      expect(report.status).toBe("unavailable");
    });

    it("health() reports ok with the server's CA (control for the cases above)", async () => {
      const backend = track(new RedisBackend({ url: server.url, tls: { ca: server.ca } }));
      expect((await backend.health()).status).toBe("ok");
    });

    it("get() rejects with KVKIT_UNAVAILABLE when the certificate does not name the host", async () => {
      const backend = track(
        new RedisBackend({
          url: `rediss://localhost:${server.port}`,
          tls: { ca: server.ca, servername: "kvkit.invalid" },
          commandTimeoutMs: DEADLINE_MS,
        }),
      );
      const error = await rejection(backend.get("k"));
      expect(isBackendError(error, "KVKIT_UNAVAILABLE")).toBe(true);
      expect(error.cause).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
      expect((await backend.health()).status).toBe("unavailable");
    });

    it("get() reads back a set() through rediss://localhost: the certificate's DNS name matches", async () => {
      const backend = track(
        new RedisBackend({
          url: `rediss://localhost:${server.port}`,
          tls: { ca: server.ca },
          keyspace: randomUUID(),
        }),
      );
      await backend.set("k", bytes("v"));
      expect(await backend.get("k")).toEqual(bytes("v"));
    });

    it("get() reads back a set() with the CA in the ioredis option's tls (tls-cluster.test.ts checks the same on a Cluster)", async () => {
      const backend = track(
        new RedisBackend({
          url: server.url,
          ioredis: { tls: { ca: server.ca } },
          keyspace: randomUUID(),
        }),
      );
      await backend.set("k", bytes("v"));
      expect(await backend.get("k")).toEqual(bytes("v"));
    });
  });

  describe("reconnect", () => {
    it("get() resolves again over TLS after the server restarts (the TLS options are kept)", async () => {
      const restarting = await startTlsRedis();
      try {
        const backend = track(
          new RedisBackend({
            url: restarting.url,
            tls: { ca: restarting.ca },
            commandTimeoutMs: 1000,
          }),
        );
        await backend.set("k", bytes("v"));
        await restarting.kill();
        const error = await rejection(backend.get("k"));
        expect(isBackendError(error)).toBe(true);
        await restarting.restart();
        // Persistence is off: the restarted server is empty.
        await expect
          .poll(() => backend.health().then((report) => report.status), { timeout: 5000 })
          .toBe("ok");
        expect(await backend.get("k")).toBeUndefined();
      } finally {
        await restarting.stop();
      }
    }, 15_000);
  });

  describe("plain client on the TLS port", () => {
    function plain(keyspace = randomUUID()): RedisBackend {
      return track(
        new RedisBackend({
          url: `redis://${server.host}:${server.port}`,
          keyspace,
          commandTimeoutMs: DEADLINE_MS,
        }),
      );
    }

    it("get() rejects with KVKIT_UNAVAILABLE when a redis:// client reaches a TLS-only port", async () => {
      const error = await rejection(plain().get("k"));
      expect(isBackendError(error, "KVKIT_UNAVAILABLE")).toBe(true);
    });

    it("set() rejects with KVKIT_UNAVAILABLE (never sent) and writes nothing when a redis:// client reaches a TLS-only port", async () => {
      const keyspace = randomUUID();
      const error = await rejection(plain(keyspace).set("k", bytes("v")));
      expect(isBackendError(error, "KVKIT_UNAVAILABLE")).toBe(true);
      expect(await control.exists(`{${keyspace}}dk`)).toBe(0);
    });

    it("health() reports unavailable when a redis:// client reaches a TLS-only port", async () => {
      expect((await plain().health()).status).toBe("unavailable");
    });
  });
});
