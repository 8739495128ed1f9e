import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { compareKeys } from "@kvkit/spec";

/** A running {@link startKvServer} server. */
export interface KvServer {
  /** Its base URL: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A small key-value server speaking the HTTP protocol the backend's client uses, for tests.
 * Replace it with your real store (or a container of it) when the client talks to one.
 *
 * - `GET|HEAD|PUT|DELETE /kv/<key>`: read, test, write, delete one key (404 when missing).
 * - `GET /keys?prefix&start&end&after&reverse&limit`: matching keys as a JSON array, in
 *   UTF-8 byte order, strictly after `after`.
 * - `GET /health`: 200 when the server answers.
 */
export async function startKvServer(): Promise<KvServer> {
  const data = new Map<string, Uint8Array>();
  const server = createServer((request, response) => {
    handle(data, request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  data: Map<string, Uint8Array>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname === "/health") {
    response.writeHead(200).end("ok");
    return;
  }
  if (url.pathname === "/keys") {
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify(keys(data, url)));
    return;
  }
  if (!url.pathname.startsWith("/kv/")) {
    response.writeHead(400).end();
    return;
  }
  const key = decodeURIComponent(url.pathname.slice("/kv/".length));
  const stored = data.get(key);
  switch (request.method) {
    case "GET":
    case "HEAD":
      if (stored === undefined) response.writeHead(404).end();
      else response.writeHead(200, { "content-length": stored.byteLength }).end(stored);
      return;
    case "PUT": {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      data.set(key, new Uint8Array(Buffer.concat(chunks)));
      response.writeHead(204).end();
      return;
    }
    case "DELETE":
      data.delete(key);
      response.writeHead(stored === undefined ? 404 : 204).end();
      return;
    default:
      response.writeHead(405).end();
  }
}

function keys(data: Map<string, Uint8Array>, url: URL): string[] {
  const prefix = url.searchParams.get("prefix") ?? "";
  const start = url.searchParams.get("start");
  const end = url.searchParams.get("end");
  const after = url.searchParams.get("after");
  const reverse = url.searchParams.get("reverse") === "true";
  const limit = Number(url.searchParams.get("limit") ?? "1000");
  const matching = [...data.keys()].filter(
    (key) =>
      key.startsWith(prefix) &&
      (start === null || compareKeys(key, start) >= 0) &&
      (end === null || compareKeys(key, end) < 0) &&
      (after === null || (reverse ? compareKeys(key, after) < 0 : compareKeys(key, after) > 0)),
  );
  matching.sort(reverse ? (a, b) => compareKeys(b, a) : compareKeys);
  return matching.slice(0, limit);
}
