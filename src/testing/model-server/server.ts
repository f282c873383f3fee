/**
 * {@link ScriptedModelServer}: a real HTTP server on loopback that speaks the OpenAI Chat
 * Completions, OpenAI Responses and Anthropic Messages wire formats (JSON and SSE), answering
 * each request with the next scripted turn, or plausibly in policy mode.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { DeadlineExceededError, describeThrown } from "../../errors.js";
import { anthropicCodec } from "./anthropic.js";
import { flattenHeaders, readBody, redactHeaders, sendBody, sendEvents, tryParseJson } from "./http.js";
import { openAiChatCodec } from "./openai-chat.js";
import { openAiResponsesCodec } from "./openai-responses.js";
import { type PolicyOptions, policyTurn } from "./policy.js";
import {
  conversationText,
  isObject,
  type JsonObject,
  type ModelProtocol,
  type ProtocolCodec,
  type ReplyContext,
  str,
} from "./protocol.js";
import { replyContent } from "./reply.js";
import { parseTurns, type ScriptedTurn, type TurnUsage } from "./turns.js";

/** Options of {@link ScriptedModelServer.start}. */
export interface ScriptedModelServerOptions {
  /** Turns to answer with, one per request, in order. Default none. */
  script?: readonly ScriptedTurn[];
  /** Answer plausibly once the script is exhausted (see {@link PolicyOptions}). Default off. */
  policy?: boolean | PolicyOptions;
  /** `"policy"` is the same as `policy: true`. Default `"script"`. */
  mode?: "script" | "policy";
  /** Port to listen on. Default 0 (a free port). */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Clock for delays and wait timeouts. Default the system clock. */
  clock?: Clock;
}

/** One request the server received. `aborted` and `status` update as the reply progresses. */
export interface RecordedRequest {
  /** Position in {@link ScriptedModelServer.requests}, from 0. */
  readonly index: number;
  readonly method: string;
  /** Path with query string, e.g. `/v1/messages?beta=true`. */
  readonly path: string;
  readonly protocol: ModelProtocol;
  /** Lower-case headers, credentials included. */
  readonly headers: Readonly<Record<string, string>>;
  /** The same headers with credential values replaced by `[REDACTED]`. */
  readonly redactedHeaders: Readonly<Record<string, string>>;
  /** Parsed JSON body (`undefined` when it was not JSON). */
  readonly body: unknown;
  /** True when the request asked for SSE (`stream: true`). */
  readonly stream: boolean;
  /** The turn that answered (policy turns included); `undefined` for rejected requests. */
  readonly turn: ScriptedTurn | undefined;
  /** HTTP status sent; `undefined` while no reply has started. */
  readonly status: number | undefined;
  /** True when the client closed the connection before the reply finished. */
  readonly aborted: boolean;
}

/** Options of the `waitFor…` methods. */
export interface WaitOptions {
  /** Give up after this many ms (on the server's clock). Default 5000. */
  timeoutMs?: number;
}

type Recording = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

interface Exchange {
  readonly codec: ProtocolCodec;
  readonly record: Recording;
  readonly res: ServerResponse;
  readonly signal: AbortSignal;
  readonly context: ReplyContext;
  readonly requestSize: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

function policyOptions(options: ScriptedModelServerOptions): PolicyOptions | undefined {
  if (options.policy === true || options.mode === "policy") {
    return isObject(options.policy) ? options.policy : {};
  }
  if (isObject(options.policy)) return options.policy;
  return undefined;
}

/**
 * A scripted stand-in for the OpenAI and Anthropic APIs, for tests and the offline demo. Start
 * it, point a real SDK client at {@link ScriptedModelServer.openaiBaseUrl} or
 * {@link ScriptedModelServer.anthropicBaseUrl}, and each request consumes one turn.
 */
export class ScriptedModelServer implements AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  private readonly server: Server;
  private readonly clock: Clock;
  private readonly policy: PolicyOptions | undefined;
  private readonly codecs: ReadonlyMap<string, ProtocolCodec>;
  private readonly inflight = new Set<AbortController>();
  private readonly waiters = new Set<() => void>();
  private script: ScriptedTurn[];
  private records: Recording[] = [];
  private served = 0;
  private nextId = 0;
  private closing = false;
  private closed: Promise<void> | undefined;

  private constructor(server: Server, options: ScriptedModelServerOptions, script: ScriptedTurn[]) {
    this.server = server;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.policy = policyOptions(options);
    this.script = script;
    this.codecs = new Map([
      ["/v1/chat/completions", openAiChatCodec()],
      ["/v1/responses", openAiResponsesCodec()],
      ["/v1/messages", anthropicCodec()],
    ]);
    const { port } = server.address() as AddressInfo;
    const host = options.host ?? "127.0.0.1";
    this.url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      void this.handle(req, res);
    });
  }

  /** Start listening. Resolves once the port is bound. */
  static async start(options: ScriptedModelServerOptions = {}): Promise<ScriptedModelServer> {
    const script = parseTurns(options.script ?? []);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return new ScriptedModelServer(server, options, script);
  }

  /** Base URL for the `openai` client: `${url}/v1`. */
  get openaiBaseUrl(): string {
    return `${this.url}/v1`;
  }

  /** Base URL for the `@anthropic-ai/sdk` client (and `ANTHROPIC_BASE_URL`): the bare {@link url}. */
  get anthropicBaseUrl(): string {
    return this.url;
  }

  /** Every routed request so far, in arrival order. */
  get requests(): readonly RecordedRequest[] {
    return this.records;
  }

  /** Turns not yet consumed. */
  get remainingTurns(): number {
    return this.script.length;
  }

  /** Append turns to the script (validated; a bad turn throws `invalid_argument`). */
  enqueue(...turns: ScriptedTurn[]): void {
    this.script.push(...parseTurns(turns));
  }

  /** Forget the script, the recorded requests and the served count. Open requests keep going. */
  reset(): void {
    this.script = [];
    this.records = [];
    this.served = 0;
  }

  /** Resolve with the requests once at least `count` have arrived. */
  waitForRequests(count: number, options: WaitOptions = {}): Promise<readonly RecordedRequest[]> {
    return this.waitFor(
      () => (this.records.length >= count ? [...this.records] : undefined),
      options,
      () => `${count} request(s) did not arrive (got ${this.records.length})`,
    );
  }

  /** Resolve with the first request whose client disconnected before the reply finished. */
  waitForAbort(options: WaitOptions = {}): Promise<RecordedRequest> {
    return this.waitFor(
      () => this.records.find((r) => r.aborted),
      options,
      () => `no client aborted a request (${this.records.length} request(s) seen)`,
    );
  }

  /** Stop listening and close every connection, ending hanging and delayed replies. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing = true;
      for (const controller of this.inflight) controller.abort();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private waitFor<T>(check: () => T | undefined, options: WaitOptions, failure: () => string): Promise<T> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const attempt = (): void => {
        const value = check();
        if (value === undefined) return;
        this.waiters.delete(attempt);
        timer.cancel();
        resolve(value);
      };
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.waiters.delete(attempt);
        reject(
          new DeadlineExceededError(`ScriptedModelServer: ${failure()} within ${timeoutMs} ms.`, {
            details: { timeoutMs },
          }),
        );
      });
      this.waiters.add(attempt);
      attempt();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private newId(prefix: string): string {
    this.nextId += 1;
    return `${prefix}scripted${this.nextId}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = req.url ?? "/";
      const codec = req.method === "POST" ? this.codecs.get(new URL(path, this.url).pathname) : undefined;
      const raw = await readBody(req);
      if (!codec) {
        sendBody(res, 404, {
          error: {
            message: `ScriptedModelServer: no route for ${req.method} ${path}. It serves POST /v1/chat/completions, /v1/responses and /v1/messages.`,
            type: "not_found_error",
          },
        });
        return;
      }
      await this.exchange(codec, req, res, path, raw);
    } catch (err) {
      if (!res.headersSent)
        sendBody(res, 500, { error: { message: `ScriptedModelServer: ${describeThrown(err)}` } });
      else res.destroy();
    }
  }

  private async exchange(
    codec: ProtocolCodec,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    raw: string,
  ): Promise<void> {
    const body = tryParseJson(raw);
    const headers = flattenHeaders(req.headers);
    const record: Recording = {
      index: this.records.length,
      method: req.method ?? "POST",
      path,
      protocol: codec.protocol,
      headers,
      redactedHeaders: redactHeaders(headers),
      body,
      stream: isObject(body) && body.stream === true,
      turn: undefined,
      status: undefined,
      aborted: false,
    };
    this.records.push(record);
    const controller = new AbortController();
    this.inflight.add(controller);
    res.on("close", () => {
      if (!res.writableFinished && !this.closing) record.aborted = true;
      this.inflight.delete(controller);
      controller.abort();
      this.notify();
    });
    this.notify();

    if (!isObject(body)) {
      this.reject(codec, res, record, 400, "ScriptedModelServer: the request body is not a JSON object.");
      return;
    }
    const turn = this.nextTurn(codec, body);
    if (!turn) {
      this.reject(
        codec,
        res,
        record,
        500,
        `ScriptedModelServer: script exhausted (${this.served} requests served)`,
      );
      return;
    }
    this.served += 1;
    record.turn = turn;
    const context: ReplyContext = {
      body,
      model: str(body.model) ?? "scripted-model",
      created: Math.floor(this.clock.epochMs() / 1000),
      newId: (prefix) => this.newId(prefix),
    };
    await this.play(turn, {
      codec,
      record,
      res,
      signal: controller.signal,
      context,
      requestSize: raw.length,
    });
  }

  private nextTurn(codec: ProtocolCodec, body: JsonObject): ScriptedTurn | undefined {
    const scripted = this.script.shift();
    if (scripted) return scripted;
    if (!this.policy) return undefined;
    const facts = codec.conversation(body);
    return policyTurn(this.policy.answer ? { ...facts, text: conversationText(body) } : facts, this.policy);
  }

  private reject(
    codec: ProtocolCodec,
    res: ServerResponse,
    record: Recording,
    status: number,
    message: string,
  ): void {
    record.status = status;
    sendBody(res, status, codec.errorBody(status, message), { [codec.requestIdHeader]: this.newId("req_") });
  }

  private async play(turn: ScriptedTurn, exchange: Exchange, outerUsage?: TurnUsage): Promise<void> {
    const { codec, record, res, signal, context } = exchange;
    const usage = turn.usage ?? outerUsage;
    const idHeader = { [codec.requestIdHeader]: this.newId("req_") };
    switch (turn.kind) {
      case "delay":
        try {
          await this.clock.sleep(turn.ms, signal);
        } catch {
          return; // the client left or the server is closing
        }
        return this.play(turn.then, exchange, usage);
      case "hang":
        if (!signal.aborted)
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return;
      case "error": {
        record.status = turn.status;
        const body =
          turn.body ?? codec.errorBody(turn.status, `ScriptedModelServer: scripted ${turn.status} error`);
        sendBody(res, turn.status, body, { ...idHeader, ...(turn.headers ?? {}) });
        return;
      }
      default: {
        const content = replyContent(turn, {
          requestChars: exchange.requestSize,
          usage,
          newCallId: () => this.newId(codec.callIdPrefix),
        });
        record.status = 200;
        if (record.stream) sendEvents(res, codec.events(content, context), idHeader);
        else sendBody(res, 200, codec.reply(content, context), idHeader);
      }
    }
  }
}
