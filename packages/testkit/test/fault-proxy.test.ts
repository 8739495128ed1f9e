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

/** An echo server: writes every byte back and records the byte stream it received. */
interface EchoServer {
  readonly server: Server;
  readonly port: number;
  received(): string;
}

async function startEchoServer(): Promise<EchoServer> {
  let received = "";
  const server = createServer((socket) => {
    socket.on("data", (chunk) => {
      received += chunk.toString();
      socket.write(chunk);
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address ? address.port : 0,
    received: () => received,
  };
}

/** Everything `socket` receives until `length` bytes have arrived or `ms` passed. */
function readStream(socket: Socket, length: number, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    let stream = "";
    const done = (): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      resolve(stream);
    };
    const onData = (chunk: Buffer): void => {
      stream += chunk.toString();
      if (stream.length >= length) done();
    };
    const timer = setTimeout(done, ms);
    socket.on("data", onData);
  });
}

/** Everything `socket` receives until the peer ends or closes it (or `ms` passed: `"…timeout"`). */
function readToEnd(socket: Socket, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    let stream = "";
    const done = (suffix: string): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onClose);
      resolve(stream + suffix);
    };
    const onData = (chunk: Buffer): void => {
      stream += chunk.toString();
    };
    const onEnd = (): void => done("|end");
    const onClose = (): void => done("|closed");
    const timer = setTimeout(() => done("|timeout"), ms);
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onClose);
  });
}

/** A server that, on every connection, writes `reply` and ends its side at once. */
async function startGoodbyeServer(reply: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.end(reply);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : 0 };
}

/** A server that, on every connection, writes `bytes` bytes; `sockets` are its connections. */
async function startFloodServer(
  bytes: number,
): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    socket.write(Buffer.alloc(bytes, 0x78));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : 0, sockets };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

  // Regression: setDelay() scheduled each delayed chunk with its own timer, of a shorter length
  // after the delay was shortened; timers due in the same millisecond do not fire in the order
  // they were set, so later chunks overtook earlier ones (false KVKIT_CORRUPTED reads).
  it("setDelay() keeps byte order both ways however the delay changes while chunks are pending", async () => {
    const echo = await startEchoServer();
    const echoProxy = await FaultProxy.start({ targetPort: echo.port });
    try {
      const socket = await connect(echoProxy.port);
      const chunks: string[] = [];
      const send = (): void => {
        const chunk = `${String(chunks.length).padStart(2, "0")},`;
        chunks.push(chunk);
        socket.write(chunk);
      };
      const stream = readStream(socket, 40 * 3);
      echoProxy.setDelay(300);
      send();
      await sleep(5);
      echoProxy.setDelay(0); // shortened to zero while the first chunk is pending
      for (let i = 0; i < 12; i++) {
        send();
        await sleep(3);
      }
      echoProxy.setDelay(400); // lengthened
      send();
      await sleep(5);
      echoProxy.setDelay(50); // shortened, not to zero
      for (let i = 0; i < 12; i++) {
        send();
        await sleep(3);
      }
      echoProxy.setDelay(0);
      while (chunks.length < 40) send();
      const expected = chunks.join("");
      const received = await stream;
      expect(echo.received()).toBe(expected);
      expect(received).toBe(expected);
      socket.destroy();
    } finally {
      await echoProxy.close();
      echo.server.close();
    }
  });

  it("blackhole() holds delayed chunks that are still pending, and heal() cuts them", async () => {
    const socket = await connect(proxy.port);
    proxy.setDelay(100);
    socket.write("held");
    await sleep(20);
    proxy.blackhole();
    expect(await nextReply(socket, 300)).toBe("silent");
    expect(target.received).toEqual([]);
    proxy.heal();
    expect(await nextReply(socket)).toBe("closed");
    expect(target.received).toEqual([]);
  });

  it("cut() discards delayed chunks that are still pending", async () => {
    const socket = await connect(proxy.port);
    proxy.setDelay(100);
    socket.write("gone");
    await sleep(20);
    proxy.cut();
    expect(await nextReply(socket)).toBe("closed");
    await sleep(150);
    expect(target.received).toEqual([]);
  });

  it("dropNextReply() under a delay drops the reply of the matching request, not an earlier one", async () => {
    const socket = await connect(proxy.port);
    proxy.setDelay(100);
    socket.write("a");
    await sleep(20);
    proxy.dropNextReply();
    socket.write("b");
    expect(await nextReply(socket, 1000)).toBe("ok:a");
    expect(await nextReply(socket, 1000)).toBe("closed");
    expect(target.received).toEqual(["a", "b"]);
  });

  // Regression: the filter was consumed when the matching request reached the proxy; when cut()
  // then discarded that delayed request, no reply was ever lost, yet dropPending said it fired.
  it("dropNextReply() stays armed when the matching request is discarded before reaching the server", async () => {
    const socket = await connect(proxy.port);
    proxy.setDelay(100);
    proxy.dropNextReply();
    socket.write("discarded");
    await sleep(20);
    proxy.cut();
    expect(await nextReply(socket)).toBe("closed");
    expect(proxy.dropPending).toBe(true);
    proxy.setDelay(0);
    const next = await connect(proxy.port);
    next.write("lost");
    expect(await nextReply(next)).toBe("closed");
    expect(target.received).toEqual(["lost"]);
    expect(proxy.dropPending).toBe(false);
  });

  it("dropNextReply() rejects a filter that is not a function with a TypeError", () => {
    expect(() => proxy.dropNextReply("EVALSHA" as never)).toThrow(TypeError);
    expect(proxy.dropPending).toBe(false);
  });

  it("setDelay() rejects a negative duration with a RangeError", () => {
    expect(() => proxy.setDelay(-1)).toThrow(RangeError);
  });

  it("setDelay() rejects a duration a timer cannot wait (Infinity, NaN, over 2^31 - 1 ms) with a RangeError", () => {
    expect(() => proxy.setDelay(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => proxy.setDelay(Number.NaN)).toThrow(RangeError);
    expect(() => proxy.setDelay(2 ** 31)).toThrow(RangeError);
    expect(() => proxy.setDelay(2 ** 31 - 1)).not.toThrow();
    proxy.setDelay(0);
  });

  // Regression: the proxy sockets did not allow half-open connections, so the client's end
  // closed the proxy's client socket at once and the link was destroyed: the reply to the
  // request sent just before the end never came back, and under a delay the request itself
  // was discarded before it reached the server.
  it("forwards a client's end after the chunks before it, and the replies still come back", async () => {
    for (const delay of [0, 100]) {
      proxy.setDelay(delay);
      const received = target.received.length;
      const socket = await connect(proxy.port);
      const reply = readToEnd(socket);
      socket.end("last");
      expect(await reply).toBe("ok:last|end");
      expect(target.received.slice(received)).toEqual(["last"]);
    }
  });

  it("forwards a server's end only after the delayed chunks before it", async () => {
    const goodbye = await startGoodbyeServer("bye");
    const goodbyeProxy = await FaultProxy.start({ targetPort: goodbye.port });
    try {
      goodbyeProxy.setDelay(100);
      const socket = await connect(goodbyeProxy.port);
      expect(await readToEnd(socket)).toBe("bye|end");
      socket.destroy();
    } finally {
      await goodbyeProxy.close();
      goodbye.server.close();
    }
  });

  it("delivers every byte a server wrote before it ended, to a client that reads slowly", async () => {
    const big = "x".repeat(16 * 1024 * 1024);
    const goodbye = await startGoodbyeServer(big);
    const goodbyeProxy = await FaultProxy.start({ targetPort: goodbye.port });
    try {
      const socket = await connect(goodbyeProxy.port);
      socket.pause();
      await sleep(300);
      const stream = readToEnd(socket, 5000);
      socket.resume();
      const result = await stream;
      expect(result.length - "|end".length).toBe(big.length);
      expect(result.endsWith("|end")).toBe(true);
      socket.destroy();
    } finally {
      await goodbyeProxy.close();
      goodbye.server.close();
    }
  });

  it("holds a server back while its client does not read, as TCP would, then delivers every byte", async () => {
    const bytes = 64 * 1024 * 1024;
    const flood = await startFloodServer(bytes);
    const floodProxy = await FaultProxy.start({ targetPort: flood.port });
    try {
      const socket = await connect(floodProxy.port);
      socket.pause();
      await sleep(500);
      // Without backpressure the proxy read all 64 MB off the server into its own memory; with
      // it, most stays queued at the server (the socket buffers hold a few MB at most).
      expect(flood.sockets[0]?.writableLength ?? 0).toBeGreaterThan(bytes / 2);
      const stream = readStream(socket, bytes, 10_000);
      socket.resume();
      expect((await stream).length).toBe(bytes);
      socket.destroy();
    } finally {
      await floodProxy.close();
      flood.server.close();
    }
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
