import { createConnection, createServer, type Server, type Socket } from "node:net";

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** The server to forward to. Default host `127.0.0.1`. */
  readonly targetHost?: string | undefined;
  readonly targetPort: number;
  /** Where the proxy listens. Default `127.0.0.1` on a free port. */
  readonly host?: string | undefined;
  readonly port?: number | undefined;
}

/** Tells which client-to-server chunk's reply {@link FaultProxy.dropNextReply} should drop. */
export type RequestFilter = (request: Buffer) => boolean;

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  /** The next server-to-client chunk is swallowed and the link cut. */
  dropReply: boolean;
  /** Forwarding stopped; the link is cut when the blackhole is healed. */
  blackholed: boolean;
}

/**
 * A TCP proxy on loopback that injects the faults a networked backend must survive, for the
 * fault tests of plugin authors. Point the client at `proxy.port` instead of the server's port.
 *
 * - {@link dropNextReply}: the request reaches the server (and is executed), its answer is
 *   swallowed and the connection cut: the "lost reply" that makes a write's outcome unknown.
 * - {@link blackhole}: nothing is forwarded either way while connections stay open, like a
 *   peer that vanished without a reset; {@link heal} then cuts those connections.
 * - {@link setDelay}: every chunk is forwarded late, in order.
 * - {@link cut}: every open connection is reset at once.
 * - {@link refuse}: new connections are closed as soon as they are accepted.
 *
 * @example
 * ```ts
 * const proxy = await FaultProxy.start({ targetPort: redis.port });
 * const client = new Redis({ port: proxy.port });
 * proxy.dropNextReply((request) => request.includes("EVALSHA"));
 * await expect(client.evalsha(sha, 0)).rejects.toThrow();
 * await proxy.close();
 * ```
 */
export class FaultProxy {
  readonly #server: Server;
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #links = new Set<Link>();
  /** When the last delayed chunk to each socket is due. */
  readonly #due = new WeakMap<Socket, number>();
  readonly #host: string;
  readonly #port: number;
  #dropFilter: RequestFilter | undefined;
  #blackholed = false;
  #refusing = false;
  #delayMs = 0;
  #accepted = 0;

  private constructor(server: Server, options: FaultProxyOptions, host: string, port: number) {
    this.#server = server;
    this.#targetHost = options.targetHost ?? "127.0.0.1";
    this.#targetPort = options.targetPort;
    this.#host = host;
    this.#port = port;
    server.on("connection", (client) => this.#accept(client));
  }

  /** Starts listening; resolves once connections are accepted. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer();
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return new FaultProxy(server, options, host, port);
  }

  /** The host the proxy listens on. */
  get host(): string {
    return this.#host;
  }

  /** The port the proxy listens on. */
  get port(): number {
    return this.#port;
  }

  /** How many client connections are open through the proxy. */
  get connections(): number {
    return this.#links.size;
  }

  /** How many client connections the proxy has accepted in total (refused ones included). */
  get accepted(): number {
    return this.#accepted;
  }

  /**
   * Arms a lost reply: the next client-to-server chunk (that `filter` accepts, when given) is
   * forwarded, and the server's next chunk on that connection is swallowed and both sockets
   * destroyed. Fires once.
   */
  dropNextReply(filter: RequestFilter = () => true): void {
    this.#dropFilter = filter;
  }

  /** Whether an armed {@link dropNextReply} has not fired yet. */
  get dropPending(): boolean {
    return this.#dropFilter !== undefined;
  }

  /** Stops forwarding in both directions; open and new connections stay open but silent. */
  blackhole(): void {
    this.#blackholed = true;
    for (const link of this.#links) link.blackholed = true;
  }

  /**
   * Ends every fault: forwarding resumes without delay, new connections are accepted, and the
   * connections that were blackholed are cut (what they held is gone, as after a dead peer).
   */
  heal(): void {
    this.#blackholed = false;
    this.#refusing = false;
    this.#delayMs = 0;
    this.#dropFilter = undefined;
    for (const link of this.#links) if (link.blackholed) this.#destroy(link);
  }

  /** Forwards every chunk `ms` milliseconds late (0: at once), keeping the order. */
  setDelay(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`setDelay() takes a non-negative duration, not ${ms}`);
    this.#delayMs = ms;
  }

  /** Closes new connections as soon as they are accepted (`true`), or accepts them again. */
  refuse(refusing = true): void {
    this.#refusing = refusing;
  }

  /** Resets every open connection. */
  cut(): void {
    for (const link of this.#links) this.#destroy(link);
  }

  /** Cuts every connection and stops listening. Idempotent. */
  async close(): Promise<void> {
    this.cut();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#accepted++;
    if (this.#refusing) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const server = createConnection({ host: this.#targetHost, port: this.#targetPort });
    server.setNoDelay(true);
    const link: Link = { client, server, dropReply: false, blackholed: this.#blackholed };
    this.#links.add(link);
    const end = (): void => this.#destroy(link);
    client.on("error", end).on("close", end);
    server.on("error", end).on("close", end);
    client.on("data", (chunk: Buffer) => {
      if (link.blackholed) return;
      const filter = this.#dropFilter;
      if (filter?.(chunk)) {
        this.#dropFilter = undefined;
        link.dropReply = true;
      }
      this.#forward(server, chunk);
    });
    server.on("data", (chunk: Buffer) => {
      if (link.blackholed) return;
      if (link.dropReply) {
        this.#destroy(link);
        return;
      }
      this.#forward(client, chunk);
    });
  }

  #forward(to: Socket, chunk: Buffer): void {
    const now = Date.now();
    // A chunk never overtakes an earlier one, even when the delay was shortened meanwhile.
    const due = Math.max(now + this.#delayMs, this.#due.get(to) ?? 0);
    if (due <= now) {
      to.write(chunk);
      return;
    }
    this.#due.set(to, due);
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, due - now);
  }

  #destroy(link: Link): void {
    if (!this.#links.delete(link)) return;
    link.client.destroy();
    link.server.destroy();
  }
}
