import { createConnection, createServer, type Server, type Socket } from "node:net";
import { DelayLine } from "./delay-line.ts";

/** The longest a Node timer can wait. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** The server to forward to. Default host `127.0.0.1`. */
  readonly targetHost?: string | undefined;
  readonly targetPort: number;
  /** Where the proxy listens. Default `127.0.0.1` on a free port. */
  readonly host?: string | undefined;
  readonly port?: number | undefined;
}

/**
 * Writes `chunk` to `to`, and stops reading `from` while `to` cannot keep up, as TCP would: a
 * peer that reads slowly holds the other side back instead of the proxy buffering every byte.
 */
function forward(chunk: Buffer, from: Socket, to: Socket): void {
  if (to.write(chunk) || from.isPaused()) return;
  from.pause();
  to.once("drain", () => from.resume());
}

/** Tells which client-to-server chunk's reply {@link FaultProxy.dropNextReply} should drop. */
export type RequestFilter = (request: Buffer) => boolean;

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  readonly toServer: DelayLine;
  readonly toClient: DelayLine;
  /**
   * The {@link FaultProxy.dropNextReply} filter taken by a request still queued towards the
   * server: armed again if the link is cut before that request reaches the server.
   */
  queuedDrop: RequestFilter | undefined;
  /** The request whose reply is to be lost has reached the server: its next chunk is swallowed. */
  dropReply: boolean;
  /** That reply was swallowed; everything after it is too, until the link is cut. */
  replyDropped: boolean;
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
 * - {@link cut}: every open connection is closed at once, both sockets destroyed (peers see the
 *   connection close, usually as a FIN rather than a reset).
 * - {@link refuse}: new connections are closed as soon as they are accepted.
 *
 * Each direction of each connection is one ordered stream, as over TCP: no fault and no change of
 * delay ever reorders its bytes, and a peer that reads slowly holds the other side back (the
 * proxy stops reading from it) rather than the proxy buffering without bound. Chunks still held back by {@link setDelay} when another fault is
 * switched on are treated like bytes on the wire: {@link cut} (and {@link close}) discards them,
 * {@link blackhole} holds them (and {@link heal} discards them with the connection), and a reply
 * lost to {@link dropNextReply} cuts the connection only after the replies queued before it.
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
    // A failed accept (EMFILE, say) loses that one connection, which its client sees as
    // refused: one more fault for the backend under test, not a reason to crash the test run.
    server.on("error", () => {});
  }

  /** Starts listening; resolves once connections are accepted. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    // Half-open: one side's end is forwarded like its bytes (after them, see #accept) instead of
    // closing the proxied connection at once.
    const server = createServer({ allowHalfOpen: true });
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
   *
   * Under {@link setDelay} the reply is lost once the request has reached the server, so a
   * reply to an earlier request is never mistaken for it; the replies delivered before the lost
   * one still arrive, then the connection is cut. If the matching request is discarded before
   * it reaches the server ({@link cut}, {@link close}, a connection closed by either side), the
   * drop stays armed for the next matching request.
   *
   * A filter that throws is a bug in the test: its exception leaves the proxy's socket handler
   * uncaught, so the test runner reports it.
   *
   * @throws {TypeError} when `filter` is not a function.
   */
  dropNextReply(filter: RequestFilter = () => true): void {
    if (typeof filter !== "function") {
      throw new TypeError(`dropNextReply() takes a function, not ${typeof filter}`);
    }
    this.#dropFilter = filter;
  }

  /** Whether an armed {@link dropNextReply} has not fired yet. */
  get dropPending(): boolean {
    return this.#dropFilter !== undefined;
  }

  /**
   * Stops forwarding in both directions; open and new connections stay open but silent. Chunks
   * that {@link setDelay} still held back are not delivered either.
   */
  blackhole(): void {
    this.#blackholed = true;
    for (const link of this.#links) {
      link.blackholed = true;
      link.toServer.hold();
      link.toClient.hold();
    }
  }

  /**
   * Ends every fault: forwarding resumes without delay, new connections are accepted, and the
   * connections that were blackholed are cut (what they held is gone, as after a dead peer).
   * Chunks already delayed on the other connections are still delivered at their due time.
   */
  heal(): void {
    this.#blackholed = false;
    this.#refusing = false;
    this.#delayMs = 0;
    for (const link of this.#links) if (link.blackholed) this.#destroy(link);
    // After the cuts, which re-arm a drop whose request they discarded.
    this.#dropFilter = undefined;
  }

  /**
   * Forwards every chunk received from now on `ms` milliseconds late (0: at once). Chunks already
   * delayed keep their due time, and a chunk never overtakes an earlier one in the same
   * direction: after a shorter delay, new chunks wait behind the pending ones.
   */
  setDelay(ms: number): void {
    // Node's timers wait at most 2^31 - 1 ms; a longer one fires after 1 ms instead.
    if (!(ms >= 0 && ms <= MAX_TIMER_MS)) {
      throw new RangeError(`setDelay() takes a duration from 0 to ${MAX_TIMER_MS} ms, not ${ms}`);
    }
    this.#delayMs = ms;
  }

  /** Closes new connections as soon as they are accepted (`true`), or accepts them again. */
  refuse(refusing = true): void {
    this.#refusing = refusing;
  }

  /** Closes every open connection at once, discarding delayed chunks still pending. */
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
    const server = createConnection({
      host: this.#targetHost,
      port: this.#targetPort,
      allowHalfOpen: true,
    });
    server.setNoDelay(true);
    const link: Link = {
      client,
      server,
      toServer: new DelayLine(),
      toClient: new DelayLine(),
      queuedDrop: undefined,
      dropReply: false,
      replyDropped: false,
      blackholed: this.#blackholed,
    };
    this.#links.add(link);
    const fail = (): void => this.#destroy(link);
    // A socket closes without an error only once both of its directions ended, and the end it
    // received is queued behind its bytes; the link is done when the other socket is closed too.
    const closed = (): void => {
      if (client.destroyed && server.destroyed) this.#destroy(link);
    };
    client.on("error", fail).on("close", closed);
    server.on("error", fail).on("close", closed);
    // An end travels like a chunk: after the bytes before it, never while blackholed, and not
    // after a lost reply (the link is cut instead).
    client.on("end", () => {
      if (link.blackholed) return;
      link.toServer.push(this.#delayMs, () => server.end());
    });
    server.on("end", () => {
      if (link.blackholed || link.replyDropped) return;
      link.toClient.push(this.#delayMs, () => client.end());
    });
    client.on("data", (chunk: Buffer) => {
      if (link.blackholed) return;
      const filter = this.#dropFilter;
      const losesReply = filter?.(chunk) === true;
      if (losesReply) {
        this.#dropFilter = undefined;
        link.queuedDrop = filter;
      }
      link.toServer.push(this.#delayMs, () => {
        // Armed only now: what the server sends before this request reaches it answers an
        // earlier request, whose reply is not the one to lose.
        if (losesReply) {
          link.queuedDrop = undefined;
          link.dropReply = true;
        }
        forward(chunk, client, server);
      });
    });
    server.on("data", (chunk: Buffer) => {
      if (link.blackholed || link.replyDropped) return;
      if (link.dropReply) {
        link.replyDropped = true;
        // Cut when the lost reply would have arrived, after the replies queued before it.
        link.toClient.push(this.#delayMs, () => this.#destroy(link));
        return;
      }
      link.toClient.push(this.#delayMs, () => forward(chunk, server, client));
    });
  }

  #destroy(link: Link): void {
    if (!this.#links.delete(link)) return;
    // The request that was to lose its reply never reached the server: nothing was lost yet.
    if (link.queuedDrop !== undefined) this.#dropFilter ??= link.queuedDrop;
    link.toServer.clear();
    link.toClient.clear();
    link.client.destroy();
    link.server.destroy();
  }
}
