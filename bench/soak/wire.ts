/**
 * An in-process `fetch` for the real SDK clients: no sockets, no server. Replies are encoded by
 * the scripted model server's own codecs (so the SDKs parse exactly what they parse in tests) and
 * cached per turn, so the fetch itself costs the same for the adapter and for the baseline loops.
 *
 * Evaluations run one after another, so the n-th request of a conversation is turn n mod 11.
 */

import { anthropicCodec } from "../../src/testing/model-server/anthropic.js";
import { openAiChatCodec } from "../../src/testing/model-server/openai-chat.js";
import { openAiResponsesCodec } from "../../src/testing/model-server/openai-responses.js";
import type {
  JsonObject,
  ModelProtocol,
  ProtocolCodec,
  ReplyCall,
  ReplyContent,
} from "../../src/testing/model-server/protocol.js";
import { FINAL_OUTPUT, TOOL_TURNS, TURN_USAGE, TURNS, toolCall } from "./scenario.js";

/** A fetch that answers the soak script in-process, how many requests it served and their bytes. */
export interface InProcessFetch {
  readonly fetch: typeof fetch;
  requests(): number;
  /** Characters of request body received so far. */
  requestBytes(): number;
}

function replyCall(call: { id: string; name: string; arguments: unknown }): ReplyCall {
  return {
    id: call.id,
    name: call.name,
    argumentsText: JSON.stringify(call.arguments),
    input: call.arguments,
  };
}

/** Turn `t` of the script in protocol-independent form. */
function content(protocol: ModelProtocol, t: number): ReplyContent {
  if (t < TOOL_TURNS) return { text: undefined, calls: [replyCall(toolCall(t))], usage: TURN_USAGE };
  // Anthropic takes structured output through the adapter's final_answer tool (its default mode).
  if (protocol === "anthropic-messages") {
    return {
      text: undefined,
      calls: [replyCall({ id: "toolu_final", name: "final_answer", arguments: FINAL_OUTPUT })],
      usage: TURN_USAGE,
    };
  }
  return { text: JSON.stringify(FINAL_OUTPUT), calls: [], usage: TURN_USAGE };
}

function codecFor(protocol: ModelProtocol): ProtocolCodec {
  if (protocol === "openai-chat") return openAiChatCodec();
  if (protocol === "openai-responses") return openAiResponsesCodec();
  return anthropicCodec();
}

/** An in-process fetch speaking `protocol`. */
export function inProcessFetch(protocol: ModelProtocol): InProcessFetch {
  const codec = codecFor(protocol);
  const bodies: (string | undefined)[] = new Array(TURNS).fill(undefined);
  let served = 0;
  let received = 0;
  const headers = { "content-type": "application/json", [codec.requestIdHeader]: "req_soak" };
  const fetchImpl = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    init?.signal?.throwIfAborted();
    const t = served++ % TURNS;
    received += typeof init?.body === "string" ? init.body.length : 0;
    let body = bodies[t];
    if (body === undefined) {
      // Encoded once from the first request of each turn: the Responses API echoes request fields.
      const request = JSON.parse(String(init?.body ?? "{}")) as JsonObject;
      let id = 0;
      body = JSON.stringify(
        codec.reply(content(protocol, t), {
          body: request,
          model: typeof request.model === "string" ? request.model : "soak-model",
          created: 1_750_000_000,
          newId: (prefix) => `${prefix}soak${t}_${id++}`,
        }),
      );
      bodies[t] = body;
    }
    return new Response(body, { status: 200, headers });
  };
  return { fetch: fetchImpl as typeof fetch, requests: () => served, requestBytes: () => received };
}
