/**
 * HTTP endpoints for orchestrator probes and Prometheus scrapes, on `node:http`.
 *
 * | Route | Answer |
 * |---|---|
 * | `GET /health/live` | always `200 {"status":"healthy"}` while the event loop can answer |
 * | `GET /health/ready` | `200 {"status":"healthy"}` when `readiness()` is true, else `503 {"status":"unhealthy"}` |
 * | `GET /metrics` | Prometheus text exposition, when a `metrics` source is given |
 * | anything else | `404 {"error":"not found"}` |
 *
 * Query strings are ignored (`/health/ready?verbose=1` is the readiness probe). The server runs on
 * the main event loop on purpose: when that loop is blocked, liveness times out and the
 * orchestrator restarts the container, while the watchdog thread kills it from inside.
 *
 * A worker runs for weeks with this port open (on every interface by default, as kubelet probes
 * need), so connections are bounded: a connection silent for `idleTimeout` seconds (no request,
 * an unfinished request, or an idle keep-alive) is closed, and at most `maxConnections` are open
 * at once; more are closed on arrival until the count drops.
 *
 * @example
 * ```ts
 * import { HealthServer } from "weakincentives/runtime";
 *
 * const server = new HealthServer({ port: 0, readiness: () => true });
 * const { port } = await server.start(); // port 0 binds an ephemeral port
 * await fetch(`http://127.0.0.1:${port}/health/ready`); // 200 {"status":"healthy"}
 * await server.stop();
 * ```
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WinkError } from "../../errors.js";
import { getLogger } from "../../logging/index.js";

const log = getLogger("weakincentives.runtime.lifecycle.health");

/** The content type Prometheus expects for the text exposition format. */
const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Where a started {@link HealthServer} listens. */
export interface HealthAddress {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link HealthServer}. */
export interface HealthServerOptions {
  /** Interface to bind. Default `"0.0.0.0"` (every IPv4 interface, as containers need). */
  readonly host?: string;
  /** Port to bind; `0` picks a free ephemeral port. Default `8080`. */
  readonly port?: number;
  /** Answers `/health/ready`. A throwing check counts as not ready (and is logged). */
  readonly readiness: () => boolean;
  /** Serves `/metrics` when given (e.g. `() => metrics.metrics()` of a WinkMetrics). */
  readonly metrics?: () => Promise<string>;
  /**
   * Seconds a connection may stay silent (no request yet, a request still arriving, or kept alive
   * between requests) before it is closed. It also bounds how long one request may take to
   * arrive. Default 5: probes and scrapes send their request at once.
   */
  readonly idleTimeout?: number;
  /**
   * Open connections allowed at once; a connection beyond it is closed on arrival (logged as
   * `health.connections_dropped`). Default 64: probes and scrapes need a handful.
   */
  readonly maxConnections?: number;
}

/** Defaults of {@link HealthServerOptions}; see there. */
const DEFAULT_IDLE_TIMEOUT_SECONDS = 5;
const DEFAULT_MAX_CONNECTIONS = 64;

/** Liveness, readiness and metrics endpoints. `start` and `stop` are idempotent. */
export class HealthServer {
  private readonly host: string;
  private readonly port: number;
  private readonly readiness: () => boolean;
  private readonly metricsSource: (() => Promise<string>) | undefined;
  private readonly idleTimeoutMs: number;
  private readonly maxConnections: number;
  /** Connections closed on arrival since the cap was last reached; 0 while under the cap. */
  private dropped = 0;
  private server: Server | undefined;
  private starting: Promise<HealthAddress> | undefined;
  private bound: HealthAddress | undefined;

  constructor(options: HealthServerOptions) {
    const port = options.port ?? 8080;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new WinkError(
        "invalid_argument",
        `HealthServer port must be an integer from 0 to 65535, got ${String(port)}. Use 0 for an ephemeral port.`,
        { details: { port } },
      );
    }
    this.host = options.host ?? "0.0.0.0";
    this.port = port;
    this.readiness = options.readiness;
    this.metricsSource = options.metrics;
    this.idleTimeoutMs = checkIdleTimeout(options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1_000;
    this.maxConnections = checkMaxConnections(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  }

  /** Where the server listens, or undefined when it is not running. */
  get address(): HealthAddress | undefined {
    return this.bound;
  }

  /**
   * Bind and listen. Resolves with the bound address (the real port when `port` was 0). Calling it
   * again while running returns the same address.
   *
   * @throws the listen error (`EADDRINUSE`, `EACCES`…) when the port cannot be bound.
   */
  start(): Promise<HealthAddress> {
    this.starting ??= this.listen().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Stop listening and close every open connection, keep-alive ones included. Safe to repeat. */
  async stop(): Promise<void> {
    const starting = this.starting;
    if (starting === undefined) return;
    this.starting = undefined;
    await starting.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    this.bound = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    log.debug("health.stop", "Health server stopped.");
  }

  private listen(): Promise<HealthAddress> {
    const idle = this.idleTimeoutMs;
    // Node checks the header and request deadlines on this period (30 s by default), so a
    // trickling client would outlive a short timeout by that much.
    const checkEvery = Math.max(50, Math.min(1_000, Math.floor(idle / 2)));
    const server = createServer(
      { connectionsCheckingInterval: checkEvery, headersTimeout: idle, requestTimeout: idle },
      (request, response) => {
        this.handle(request, response).catch((error: unknown) => {
          log.error("health.request_failed", "A health request failed.", { error, url: request.url });
          if (!response.headersSent) send(response, 500, { error: "internal error" });
          else response.destroy();
        });
      },
    );
    // Inactivity timeout on every socket: with no `timeout` listener, Node destroys the socket,
    // which is what closes a connection that never sends a byte.
    server.setTimeout(idle);
    server.keepAliveTimeout = idle;
    server.maxConnections = this.maxConnections;
    server.on("drop", () => this.onDrop());
    server.on("connection", () => this.onAccepted());
    return new Promise<HealthAddress>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.host, () => {
        server.off("error", reject);
        const info = server.address() as AddressInfo;
        this.server = server;
        this.bound = Object.freeze({ host: this.host, port: info.port });
        log.info("health.start", `Health server listening on ${this.host}:${info.port}.`, {
          host: this.host,
          port: info.port,
        });
        resolve(this.bound);
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split(/[?#]/, 1)[0];
    const method = request.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") return send(response, 404, NOT_FOUND);
    if (path === "/health/live") return send(response, 200, HEALTHY);
    if (path === "/health/ready") {
      const ready = this.checkReadiness();
      return send(response, ready ? 200 : 503, ready ? HEALTHY : UNHEALTHY);
    }
    if (path === "/metrics" && this.metricsSource !== undefined) {
      const text = await this.metricsSource();
      return write(response, 200, PROMETHEUS_CONTENT_TYPE, text);
    }
    return send(response, 404, NOT_FOUND);
  }

  /** One warning per burst of refused connections, so a flood cannot flood the logs too. */
  private onDrop(): void {
    this.dropped++;
    if (this.dropped > 1) return;
    log.warning(
      "health.connections_dropped",
      `Health server at its cap of ${this.maxConnections} open connections; closing new ones until some close.`,
      { maxConnections: this.maxConnections },
    );
  }

  private onAccepted(): void {
    if (this.dropped === 0) return;
    log.info("health.connections_recovered", `Health server accepting again after closing ${this.dropped}.`, {
      dropped: this.dropped,
      maxConnections: this.maxConnections,
    });
    this.dropped = 0;
  }

  private checkReadiness(): boolean {
    try {
      return this.readiness() === true;
    } catch (error) {
      log.error("health.readiness_failed", "The readiness check threw; answering not ready.", { error });
      return false;
    }
  }
}

function checkIdleTimeout(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new WinkError(
      "invalid_argument",
      `HealthServer idleTimeout must be a finite number of seconds > 0, got ${String(seconds)}. The default is ${DEFAULT_IDLE_TIMEOUT_SECONDS}.`,
      { details: { idleTimeout: seconds } },
    );
  }
  return seconds;
}

function checkMaxConnections(count: number): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new WinkError(
      "invalid_argument",
      `HealthServer maxConnections must be an integer >= 1, got ${String(count)}. The default is ${DEFAULT_MAX_CONNECTIONS}.`,
      { details: { maxConnections: count } },
    );
  }
  return count;
}

const HEALTHY = Object.freeze({ status: "healthy" });
const UNHEALTHY = Object.freeze({ status: "unhealthy" });
const NOT_FOUND = Object.freeze({ error: "not found" });

function send(response: ServerResponse, status: number, body: object): void {
  write(response, status, "application/json", JSON.stringify(body));
}

function write(response: ServerResponse, status: number, contentType: string, text: string): void {
  const body = Buffer.from(text, "utf8");
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": body.length,
    "cache-control": "no-store",
  });
  response.end(response.req.method === "HEAD" ? undefined : body);
}
