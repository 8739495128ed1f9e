import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FaultProxy } from "../src/fault-proxy/fault-proxy.ts";

/** A line server: answers every chunk with `ok:<chunk>` and records what it received. */
interface LineServer {
  readonly server: Server;
  readonly port: number;
  readonly received: string[];
}

async function startLineServer(): Promise<LineServer> {
  const received: string[] = [];
  const server = createServer((socket) => {
    socket.on("data", (chunk) => {
      received.push(chunk.toString());
      socket.write(`ok:${chunk.toString()}`);
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : 0, received };
}

async function connect(port: number): Promise<Socket> {
  const socket = createConnection({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

/** The next chunk `socket` receives, or `"closed"` / `"silent"` (nothing within `ms`). */
function nextReply(socket: Socket, ms = 300): Promise<string> {
  return new Promise((resolve) => {
    const done = (result: string): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => done(chunk.toString());
    const onClose = (): void => done("closed");
    const timer = setTimeout(() => done("silent"), ms);
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

describe("FaultProxy", () => {
  let target: LineServer;
  let proxy: FaultProxy;

  beforeEach(async () => {
    target = await startLineServer();
    proxy = await FaultProxy.start({ targetPort: target.port });
  });

  afterEach(async () => {
    await proxy.close();
    target.server.close();
  });

  it("start() forwards requests and replies unchanged", async () => {
    const socket = await connect(proxy.port);
    socket.write("a");
    expect(await nextReply(socket)).toBe("ok:a");
    expect(proxy.connections).toBe(1);
    socket.destroy();
  });

  it("dropNextReply() delivers the request, swallows its reply and cuts the connection", async () => {
    const socket = await connect(proxy.port);
    proxy.dropNextReply();
    socket.write("write-1");
    expect(await nextReply(socket)).toBe("closed");
    expect(target.received).toEqual(["write-1"]);
    expect(proxy.dropPending).toBe(false);
  });

  it("dropNextReply() with a filter fires only on a matching request", async () => {
    const socket = await connect(proxy.port);
    proxy.dropNextReply((request) => request.includes("SET"));
    socket.write("GET");
    expect(await nextReply(socket)).toBe("ok:GET");
    socket.write("SET");
    expect(await nextReply(socket)).toBe("closed");
    expect(target.received).toEqual(["GET", "SET"]);
  });

  it("blackhole() keeps connections open but silent, and heal() cuts them", async () => {
    const socket = await connect(proxy.port);
    proxy.blackhole();
    socket.write("lost");
    expect(await nextReply(socket)).toBe("silent");
    expect(target.received).toEqual([]);
    expect(socket.destroyed).toBe(false);
    proxy.heal();
    expect(await nextReply(socket)).toBe("closed");
    const fresh = await connect(proxy.port);
    fresh.write("b");
    expect(await nextReply(fresh)).toBe("ok:b");
    fresh.destroy();
  });

  it("setDelay() forwards both directions late", async () => {
    const socket = await connect(proxy.port);
    proxy.setDelay(150);
    const started = Date.now();
    socket.write("slow");
    expect(await nextReply(socket, 1000)).toBe("ok:slow");
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    socket.destroy();
  });

  it("setDelay() rejects a negative duration with a RangeError", () => {
    expect(() => proxy.setDelay(-1)).toThrow(RangeError);
  });

  it("cut() resets every open connection", async () => {
    const first = await connect(proxy.port);
    const second = await connect(proxy.port);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(proxy.connections).toBe(2);
    const closed = Promise.all([nextReply(first), nextReply(second)]);
    proxy.cut();
    expect(await closed).toEqual(["closed", "closed"]);
    expect(proxy.connections).toBe(0);
  });

  it("refuse() closes new connections until refuse(false)", async () => {
    proxy.refuse();
    const refused = await connect(proxy.port);
    expect(await nextReply(refused)).toBe("closed");
    proxy.refuse(false);
    const accepted = await connect(proxy.port);
    accepted.write("c");
    expect(await nextReply(accepted)).toBe("ok:c");
    accepted.destroy();
  });

  it("close() stops listening and is idempotent", async () => {
    await proxy.close();
    await proxy.close();
    const socket = createConnection({ host: "127.0.0.1", port: proxy.port });
    const [error] = (await once(socket, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNREFUSED");
  });
});
