/**
 * Small node:http helpers for the scripted model server: body reading, JSON and SSE replies,
 * header normalisation and redaction. Internal to `model-server/`.
 */

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { SseEvent } from "./protocol.js";

/** Headers whose values are credentials. */
const SECRET_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "set-cookie",
]);

/** Placeholder for a redacted header value. */
export const REDACTED = "[REDACTED]";

/** Lower-case header names with single string values (repeated headers joined by `, `). */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** A copy of `headers` with credential values replaced by {@link REDACTED}. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = SECRET_HEADERS.has(name) ? REDACTED : value;
  return out;
}

/** Read the whole request body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req)
    parts.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(parts).toString("utf8");
}

/** Parse JSON, returning `undefined` instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Send a complete reply. Objects are sent as JSON; strings verbatim (as JSON when they parse). */
export function sendBody(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.destroyed) return;
  const isText = typeof body === "string";
  const text = isText ? body : JSON.stringify(body);
  const contentType =
    isText && tryParseJson(body) === undefined ? "text/plain; charset=utf-8" : "application/json";
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Send `events` as a complete `text/event-stream` reply. */
export function sendEvents(
  res: ServerResponse,
  events: readonly SseEvent[],
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...headers,
  });
  for (const { event, data } of events) {
    if (res.destroyed) return;
    res.write(event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`);
  }
  res.end();
}
