import { randomUUID } from "node:crypto";
import type { WatchEvent } from "@kvkit/spec";
import { bytes, FaultProxy } from "@kvkit/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RedisBackend } from "../src/index.ts";
import { type RedisServer, startRedis } from "./helpers/redis-server.ts";
import { settle, sleep, waitUntil } from "./helpers/settle.ts";

// Catalogue items F1–F5, F7, F9, C10, R7 (shared/reference/reliability.md §7.3): every test
// runs against its own redis-server, through a fault-injecting proxy where it needs one.

const TIMEOUT_MS = 500;
const server = await startRedis();
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((item) => item.close()));
  await server.stop();
});

function open(port: number, keyspace = randomUUID()): RedisBackend {
  const backend = new RedisBackend({
    url: `redis://127.0.0.1:${port}`,
    keyspace,
    commandTimeoutMs: TIMEOUT_MS,
    connectTimeoutMs: TIMEOUT_MS,
  });
  opened.push(backend);
  return backend;
}

async function proxyTo(target: RedisServer): Promise<FaultProxy> {
  const proxy = await FaultProxy.start({ targetPort: target.port });
  opened.push(proxy);
  return proxy;
}

function admin(target: RedisServer): Redis {
  const client = new Redis(target.port, "127.0.0.1", {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  client.on("error", () => {});
  opened.push({ close: async () => client.disconnect() });
  return client;
}

/** How many entries the keyspace's log holds: one per applied write call, so a double write shows. */
async function logLength(client: Redis, keyspace: string): Promise<number> {
  return await client.xlen(`{${keyspace}}x`);
}

/** Every call a backend offers, with the codes a failing store may give each. */
const calls: [string, (backend: RedisBackend) => Promise<unknown>][] = [
  ["get", (b) => b.get("k")],
  ["set", (b) => b.set("k", bytes("v"))],
  ["delete", (b) => b.delete("k")],
  ["has", (b) => b.has("k")],
  ["list", async (b) => (await b.list()[Symbol.asyncIterator]().next()).value],
  ["getMany", (b) => b.getMany(["a", "b"])],
  ["setMany", (b) => b.setMany([{ key: "a", value: bytes("1") }])],
  ["deleteMany", (b) => b.deleteMany(["a"])],
  ["getVersioned", (b) => b.getVersioned("k")],
  ["compareAndSet", (b) => b.compareAndSet("k", null, bytes("v"))],
  ["commit", (b) => b.commit({ set: [{ key: "k", value: bytes("v") }] })],
  ["expiresAt", (b) => b.expiresAt("k")],
  ["watch", (b) => b.watch()],
];

/** A request that runs one of the backend's scripts (EVAL the first time on a connection, then EVALSHA). */
function isScriptCall(request: Buffer): boolean {
  return /\beval(sha)?\b/i.test(request.toString("latin1"));
}

const FAILURE_CODES = ["KVKIT_UNAVAILABLE", "KVKIT_TIMEOUT", "KVKIT_OUTCOME_UNKNOWN"];

describe("backend-redis faults", () => {
  describe("server down (F3)", () => {
    let down: RedisServer;
    let backend: RedisBackend;

    beforeEach(async () => {
      down = await startRedis();
      backend = open(down.port);
      await backend.set("k", bytes("v"));
      await down.kill();
      return () => down.stop();
    });

    for (const [method, run] of calls) {
      it(`${method}() rejects with a typed error within commandTimeout + 250 ms when the server is down`, async () => {
        const result = await settle(() => run(backend));
        expect(FAILURE_CODES).toContain(result.code);
        expect(result.ms).toBeLessThan(TIMEOUT_MS + 250);
      });
    }

    it("health() reports unavailable within 1 s when the server is down", async () => {
      const result = await settle(() => backend.health());
      expect(result.value?.status).toBe("unavailable");
      expect(result.ms).toBeLessThan(1000);
    });

    it("close() settles at once when the server is down", async () => {
      const result = await settle(() => backend.close());
      expect(result.code).toBe("ok");
      expect(result.ms).toBeLessThan(TIMEOUT_MS);
    });
  });

  it("get() rejects with KVKIT_UNAVAILABLE within commandTimeout when nothing listens on the port", async () => {
    const proxy = await proxyTo(server);
    proxy.refuse();
    const backend = open(proxy.port);
    const result = await settle(() => backend.get("k"));
    expect(result.code).toBe("KVKIT_UNAVAILABLE");
    expect(result.ms).toBeLessThan(TIMEOUT_MS + 250);
  });

  describe("server killed and restarted (F2)", () => {
    it("set() gives typed errors while the server is down and succeeds within 2 s of its restart", async () => {
      const restarting = await startRedis();
      try {
        const backend = open(restarting.port);
        await backend.set("k", bytes("before"));
        await restarting.kill();
        const during = await settle(() => backend.set("k", bytes("during")));
        expect(FAILURE_CODES).toContain(during.code);
        await restarting.restart();
        const recovery = await waitUntil(async () => {
          await backend.set("k", bytes("after"));
          return true;
        }, 5000);
        expect(recovery).toBeLessThan(2000);
        expect(await backend.get("k")).toEqual(bytes("after"));
      } finally {
        await restarting.stop();
      }
    });

    it("health() turns unavailable within 1 s of a crash and ok within 2 s of the restart", async () => {
      const restarting = await startRedis();
      try {
        const backend = open(restarting.port);
        expect((await backend.health()).status).toBe("ok");
        await restarting.kill();
        const down = await waitUntil(
          async () => (await backend.health()).status === "unavailable",
          5000,
        );
        expect(down).toBeLessThan(1000);
        await restarting.restart();
        const up = await waitUntil(async () => (await backend.health()).status === "ok", 5000);
        expect(up).toBeLessThan(2000);
      } finally {
        await restarting.stop();
      }
    });

    it("compareAndSet() increments under a kill and restart lose no acknowledged update (C2 + F2)", async () => {
      const restarting = await startRedis();
      try {
        const keyspace = randomUUID();
        const backend = open(restarting.port, keyspace);
        let acknowledged = 0;
        let unknown = 0;
        let stop = false;
        const contender = async (): Promise<void> => {
          while (!stop) {
            const current = await settle(() => backend.getVersioned("counter"));
            if (current.code !== "ok") {
              await sleep(20);
              continue;
            }
            const value = current.value;
            const next =
              (value === undefined ? 0 : Number(new TextDecoder().decode(value.value))) + 1;
            const result = await settle(() =>
              backend.compareAndSet("counter", value?.version ?? null, bytes(String(next))),
            );
            if (result.code === "ok") acknowledged++;
            else if (result.code === "KVKIT_OUTCOME_UNKNOWN") unknown++;
            else if (result.code !== "KVKIT_CONFLICT") await sleep(20);
          }
        };
        const running = Array.from({ length: 8 }, contender);
        await sleep(300);
        await restarting.kill();
        await sleep(200);
        await restarting.restart();
        const resetAt = acknowledged;
        await sleep(500);
        stop = true;
        await Promise.all(running);
        // The restarted server is empty (persistence off): count what was acknowledged since.
        const final = await backend.get("counter");
        const stored = final === undefined ? 0 : Number(new TextDecoder().decode(final));
        const since = acknowledged - resetAt;
        expect(stored).toBeGreaterThanOrEqual(since);
        expect(stored).toBeLessThanOrEqual(since + unknown + 8);
        expect(since).toBeGreaterThan(0);
      } finally {
        await restarting.stop();
      }
    });
  });

  describe("lost replies (F1, F7, C10)", () => {
    const writes: [string, (backend: RedisBackend) => Promise<unknown>][] = [
      ["set", (b) => b.set("k", bytes("new"))],
      ["delete", (b) => b.delete("k")],
      [
        "setMany",
        (b) =>
          b.setMany([
            { key: "k", value: bytes("new") },
            { key: "other", value: bytes("o") },
          ]),
      ],
      ["deleteMany", (b) => b.deleteMany(["k"])],
      ["commit", (b) => b.commit({ set: [{ key: "k", value: bytes("new") }] })],
    ];

    for (const [method, run] of writes) {
      it(`${method}() rejects with KVKIT_OUTCOME_UNKNOWN at once when its reply is lost, applied exactly once`, async () => {
        const proxy = await proxyTo(server);
        const keyspace = randomUUID();
        const backend = open(proxy.port, keyspace);
        const control = admin(server);
        await backend.set("k", bytes("old"));
        const before = await logLength(control, keyspace);
        proxy.dropNextReply(isScriptCall);
        const result = await settle(() => run(backend));
        expect(result.code).toBe("KVKIT_OUTCOME_UNKNOWN");
        // Rejected when the connection dropped, not at the deadline.
        expect(result.ms).toBeLessThan(TIMEOUT_MS);
        await sleep(150);
        // The script ran once on the server (one change log entry per call), never re-sent.
        const entries = (await logLength(control, keyspace)) - before;
        expect(entries).toBe(1);
        // The backend reconnected and works.
        await backend.set("after", bytes("x"));
        expect(await backend.get("after")).toEqual(bytes("x"));
      });
    }

    it("compareAndSet() never reports a false conflict or applies twice when replies are lost (40 injections)", async () => {
      const proxy = await proxyTo(server);
      const keyspace = randomUUID();
      const backend = open(proxy.port, keyspace);
      const control = admin(server);
      let version = await backend.compareAndSet("counter", null, bytes("0"));
      let expected = 0;
      const codes: string[] = [];
      for (let i = 0; i < 40; i++) {
        proxy.dropNextReply(isScriptCall);
        const result = await settle(() =>
          backend.compareAndSet("counter", version, bytes(String(expected + 1))),
        );
        codes.push(result.code);
        // The request reached the server: the increment happened exactly once.
        const current = await waitUntil(
          async () => (await backend.get("counter")) !== undefined,
          2000,
        ).then(() => backend.getVersioned("counter"));
        expect(current?.value).toEqual(bytes(String(expected + 1)));
        expected++;
        version = current?.version ?? version;
      }
      expect(new Set(codes)).toEqual(new Set(["KVKIT_OUTCOME_UNKNOWN"]));
      expect(await logLength(control, keyspace)).toBe(41);
    });

    it("get() rejects with KVKIT_UNAVAILABLE (not a hang) when its reply is lost", async () => {
      const proxy = await proxyTo(server);
      const backend = open(proxy.port);
      await backend.set("k", bytes("v"));
      proxy.dropNextReply();
      const result = await settle(() => backend.get("k"));
      expect(result.code).toBe("KVKIT_UNAVAILABLE");
      expect(result.ms).toBeLessThan(TIMEOUT_MS);
    });
  });

  describe("blackholed connection (F4)", () => {
    it("get() rejects with KVKIT_TIMEOUT within commandTimeout + 100 ms, and works within 2 s of healing", async () => {
      const proxy = await proxyTo(server);
      const backend = open(proxy.port);
      await backend.set("k", bytes("v"));
      proxy.blackhole();
      const result = await settle(() => backend.get("k"));
      expect(result.code).toBe("KVKIT_TIMEOUT");
      expect(result.ms).toBeLessThan(TIMEOUT_MS + 100);
      proxy.heal();
      const recovery = await waitUntil(async () => (await backend.get("k")) !== undefined, 5000);
      expect(recovery).toBeLessThan(2000);
    });

    it("set() rejects with KVKIT_OUTCOME_UNKNOWN within commandTimeout + 100 ms", async () => {
      const proxy = await proxyTo(server);
      const backend = open(proxy.port);
      await backend.set("k", bytes("v"));
      proxy.blackhole();
      const result = await settle(() => backend.set("k", bytes("w")));
      expect(result.code).toBe("KVKIT_OUTCOME_UNKNOWN");
      expect(result.ms).toBeLessThan(TIMEOUT_MS + 100);
      proxy.heal();
    });

    it("get() rejects with KVKIT_ABORTED as soon as its signal fires", async () => {
      const proxy = await proxyTo(server);
      const backend = open(proxy.port);
      await backend.set("k", bytes("v"));
      proxy.blackhole();
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("enough")), 50);
      const result = await settle(() => backend.get("k", { signal: controller.signal }));
      expect(result.code).toBe("KVKIT_ABORTED");
      expect(result.ms).toBeLessThan(TIMEOUT_MS);
      proxy.heal();
    });

    it("set() whose signal fires after it was sent rejects with KVKIT_OUTCOME_UNKNOWN (the abort as cause) at once: it is applied later", async () => {
      const proxy = await proxyTo(server);
      const keyspace = randomUUID();
      const backend = open(proxy.port, keyspace);
      const direct = open(server.port, keyspace);
      await backend.set("k", bytes("v"));
      proxy.setDelay(300);
      const controller = new AbortController();
      const reason = new Error("enough");
      setTimeout(() => controller.abort(reason), 50);
      const started = performance.now();
      const error = await backend.set("k", bytes("w"), { signal: controller.signal }).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(performance.now() - started).toBeLessThan(250);
      expect(error).toMatchObject({
        code: "KVKIT_OUTCOME_UNKNOWN",
        cause: { code: "KVKIT_ABORTED", cause: reason },
      });
      // The command left before the abort: it reaches the server later, and is applied.
      expect(await direct.get("k")).toEqual(bytes("v"));
      await waitUntil(async () => new TextDecoder().decode(await direct.get("k")) === "w", 2000);
      expect(await direct.get("k")).toEqual(bytes("w"));
    });

    it("close() with gets and sets in flight settles within commandTimeout + 100 ms, and so does each of them", async () => {
      const proxy = await proxyTo(server);
      const backend = open(proxy.port);
      await backend.set("k", bytes("v"));
      proxy.blackhole();
      const operations = Array.from({ length: 20 }, (_, i) =>
        settle<unknown>(() => (i % 2 === 0 ? backend.get("k") : backend.set("k", bytes("w")))),
      );
      const closed = await settle(() => backend.close());
      expect(closed.code).toBe("ok");
      expect(closed.ms).toBeLessThan(TIMEOUT_MS + 100);
      const outcomes = await Promise.all(operations);
      expect(new Set(outcomes.map((outcome) => outcome.code))).toEqual(
        new Set(["KVKIT_TIMEOUT", "KVKIT_OUTCOME_UNKNOWN"]),
      );
      proxy.heal();
    });

    it("health() reports unavailable within 1 s", async () => {
      const proxy = await proxyTo(server);
      const backend = open(proxy.port);
      expect((await backend.health()).status).toBe("ok");
      proxy.blackhole();
      const result = await settle(() => backend.health());
      expect(result.value?.status).toBe("unavailable");
      expect(result.ms).toBeLessThan(1000);
      proxy.heal();
    });
  });

  it("set() rejects with KVKIT_OUTCOME_UNKNOWN when the server is paused past the deadline, and the write lands later (F5)", async () => {
    const keyspace = randomUUID();
    const backend = open(server.port, keyspace);
    const control = admin(server);
    await backend.set("k", bytes("old"));
    await control.call("CLIENT", "PAUSE", String(TIMEOUT_MS + 300), "WRITE");
    const result = await settle(() => backend.set("k", bytes("new")));
    expect(result.code).toBe("KVKIT_OUTCOME_UNKNOWN");
    const text = async (): Promise<string> => new TextDecoder().decode(await backend.get("k"));
    await waitUntil(async () => (await text()) === "new", 3000);
    expect(await backend.get("k")).toEqual(bytes("new"));
  });

  it("set() that waited for the connection settles within commandTimeout of its call, the wait included", async () => {
    const own = await startRedis();
    try {
      const proxy = await FaultProxy.start({ targetPort: own.port });
      opened.push(proxy);
      const backend = new RedisBackend({
        url: `redis://127.0.0.1:${proxy.port}`,
        keyspace: randomUUID(),
        commandTimeoutMs: TIMEOUT_MS,
        connectTimeoutMs: TIMEOUT_MS,
        maxReconnectDelayMs: 20,
      });
      opened.push(backend);
      await backend.set("k", bytes("old"));
      proxy.refuse();
      proxy.cut();
      await waitUntil(async () => (await backend.health()).status === "unavailable", 1000);
      const write = settle(() => backend.set("k", bytes("new")));
      await sleep(TIMEOUT_MS / 2);
      // The connection comes back (INFO, the ready check, is answered) but writes are held.
      await admin(own).call("CLIENT", "PAUSE", String(TIMEOUT_MS * 3), "WRITE");
      proxy.refuse(false);
      const result = await write;
      expect(result.code).toBe("KVKIT_OUTCOME_UNKNOWN");
      expect(result.ms).toBeLessThan(TIMEOUT_MS + 100);
    } finally {
      await own.stop();
    }
  });

  it("get() and set() reject with KVKIT_UNAVAILABLE while a long script keeps the server BUSY (F6)", async () => {
    const backend = open(server.port);
    const control = admin(server);
    const blocker = admin(server);
    await backend.set("k", bytes("old"));
    await control.config("SET", "busy-reply-threshold", "100");
    try {
      const busy = blocker.eval(
        "local s = redis.call('TIME') while true do local n = redis.call('TIME') if (n[1] - s[1]) * 1000000 + n[2] - s[2] > 800000 then break end end return 1",
        0,
      );
      await sleep(200);
      const read = await settle(() => backend.get("k"));
      const write = await settle(() => backend.set("k", bytes("new")));
      await busy;
      expect(read.code).toBe("KVKIT_UNAVAILABLE");
      // BUSY means the server refused the command: the write did not happen.
      expect(write.code).toBe("KVKIT_UNAVAILABLE");
      expect(await backend.get("k")).toEqual(bytes("old"));
    } finally {
      await control.config("SET", "busy-reply-threshold", "5000");
    }
  });

  describe("watch across faults (F9, C9)", () => {
    async function take(stream: AsyncIterable<WatchEvent>, count: number): Promise<WatchEvent[]> {
      const events: WatchEvent[] = [];
      for await (const event of stream) {
        events.push(event);
        if (events.length === count) break;
      }
      return events;
    }

    it("watch() delivers every write made while its connection was cut, in order, without a gap", async () => {
      const proxy = await proxyTo(server);
      const keyspace = randomUUID();
      const watcher = open(proxy.port, keyspace);
      const writer = open(server.port, keyspace);
      const stream = await watcher.watch();
      await writer.set("a", bytes("1"));
      await sleep(50);
      proxy.cut();
      for (let i = 0; i < 5; i++) await writer.set(`b${i}`, bytes("2"));
      const events = await take(stream, 6);
      expect(events.map((event) => (event.type === "gap" ? "gap" : event.key))).toEqual([
        "a",
        "b0",
        "b1",
        "b2",
        "b3",
        "b4",
      ]);
      await stream.close();
    });

    it("watch() delivers 1000 writes from 4 writers exactly once and in order across 5 forced disconnects (C9)", async () => {
      const proxy = await proxyTo(server);
      const keyspace = randomUUID();
      const watcher = open(proxy.port, keyspace);
      const writer = open(server.port, keyspace);
      const stream = await watcher.watch();
      const seen = new Map<string, number[]>();
      let delivered = 0;
      const reading = (async () => {
        for await (const event of stream) {
          expect(event.type, "no gap: the log still holds every entry").toBe("set");
          if (event.type !== "set") continue;
          const [key, sequence] = event.key.split("#") as [string, string];
          const list = seen.get(key) ?? [];
          list.push(Number(sequence));
          seen.set(key, list);
          if (++delivered === 1000) return;
        }
      })();
      const writing = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 250; i++) await writer.set(`w${w}#${i}`, bytes("v"));
      });
      for (let cut = 0; cut < 5; cut++) {
        await sleep(30);
        proxy.cut();
      }
      await Promise.all(writing);
      await reading;
      // The watcher's connection really was re-established in between.
      expect(proxy.accepted).toBeGreaterThan(2);
      for (let w = 0; w < 4; w++) {
        expect(seen.get(`w${w}`), `writer ${w}`).toEqual(Array.from({ length: 250 }, (_, i) => i));
      }
      await stream.close();
    });

    it("watch() yields a reconnect gap when the server restarts empty, then later events", async () => {
      const restarting = await startRedis();
      try {
        const keyspace = randomUUID();
        const watcher = open(restarting.port, keyspace);
        const writer = open(restarting.port, keyspace);
        const stream = await watcher.watch();
        await writer.set("a", bytes("1"));
        const iterator = stream[Symbol.asyncIterator]();
        expect((await iterator.next()).value).toMatchObject({ type: "set", key: "a" });
        await restarting.kill();
        await restarting.restart();
        await waitUntil(async () => {
          await writer.set("b", bytes("2"));
          return true;
        }, 5000);
        const next = (await iterator.next()).value as WatchEvent;
        expect(next).toMatchObject({ type: "gap", reason: "reconnect" });
        const after = (await iterator.next()).value as WatchEvent;
        expect(after).toMatchObject({ type: "set", key: "b" });
        await stream.close();
      } finally {
        await restarting.stop();
      }
    });

    it("watch() from a cursor the trimmed log no longer holds yields a cursor-expired gap first", async () => {
      const keyspace = randomUUID();
      const backend = new RedisBackend({
        url: server.url,
        keyspace,
        changeLogLength: 1,
        commandTimeoutMs: TIMEOUT_MS,
      });
      opened.push(backend);
      const first = await backend.watch();
      await backend.set("a", bytes("1"));
      const [event] = await take(first, 1);
      await first.close();
      // MAXLEN ~ trims whole blocks: write past one so the entry is gone for sure.
      for (let i = 0; i < 300; i++) await backend.set(`x${i}`, bytes("v"));
      const resumed = await backend.watch({ cursor: (event as { cursor: string }).cursor });
      const [gap] = await take(resumed, 1);
      expect(gap).toMatchObject({ type: "gap", reason: "cursor-expired" });
      await resumed.close();
    });
  });
});
