/**
 * How Anthropic failures are judged and described.
 *
 * The SDK's errors carry the HTTP `status`, the response `headers` (for `Retry-After`) and the
 * parsed error body (`type`, `message`). We read them by shape rather than with `instanceof`,
 * so errors from the Bedrock client — which bundles its own copy of the SDK — are handled alike.
 */

import { describeThrown } from "../../errors.js";
import { redactText } from "../../secrets/index.js";
import { classifyHttpError, type ErrorClass } from "../throttle.js";

/** HTTP status Anthropic uses when the API is overloaded. */
export const OVERLOADED_STATUS = 529;

interface ApiErrorShape {
  readonly status?: unknown;
  readonly type?: unknown;
  readonly apiMessage?: unknown;
  readonly requestID?: unknown;
  readonly error?: unknown;
  readonly message?: unknown;
}

/**
 * Transient failures: 408, 409, 429 (with `Retry-After`), 5xx including 529 `overloaded_error`,
 * timeouts and dropped connections (`APIConnectionError`). An `overloaded_error` body is
 * transient whatever the status a proxy put on it. Everything else surfaces at once.
 */
export function classifyAnthropicError(error: unknown, now: number): ErrorClass {
  const verdict = classifyHttpError(error, now);
  if (verdict.retry) return verdict;
  if (errorType(error) === "overloaded_error") {
    const status = (error as ApiErrorShape).status;
    return {
      retry: true,
      kind: "server_error",
      status: typeof status === "number" ? status : OVERLOADED_STATUS,
    };
  }
  return verdict;
}

/**
 * The provider's own words for a failure — `"<error type>: <message>"` plus the request id
 * when there is one — with the HTTP status, redacted so no credential can leak.
 */
export function describeAnthropicError(error: unknown): { message: string; status?: number | undefined } {
  if (typeof error !== "object" || error === null) return { message: redactText(describeThrown(error)) };
  const shape = error as ApiErrorShape;
  const status = typeof shape.status === "number" ? shape.status : undefined;
  const type = errorType(error);
  const providerMessage =
    text(shape.apiMessage) ?? text(bodyError(shape.error)?.message) ?? describeThrown(error);
  const requestId = text(shape.requestID);
  const message = `${type ? `${type}: ` : ""}${providerMessage}${requestId ? ` (request id ${requestId})` : ""}`;
  return { message: redactText(message), ...(status === undefined ? {} : { status }) };
}

function errorType(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const shape = error as ApiErrorShape;
  return text(shape.type) ?? text(bodyError(shape.error)?.type);
}

/** The `error` object of an Anthropic error body (`{ type: "error", error: { type, message } }`). */
function bodyError(body: unknown): { type?: unknown; message?: unknown } | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  return typeof inner === "object" && inner !== null
    ? (inner as { type?: unknown; message?: unknown })
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
