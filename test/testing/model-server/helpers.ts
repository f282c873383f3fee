/**
 * Shared setup for the scripted model server tests: start a server per test, close it after,
 * and build the real SDK clients pointed at it.
 *
 * @example
 * ```ts
 * const server = await serve({ script: [turn.text("hi")] });
 * const reply = await openai(server).chat.completions.create({ model: "m", messages: [] });
 * ```
 */

import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach } from "vitest";
import {
  ScriptedModelServer,
  type ScriptedModelServerOptions,
} from "../../../src/testing/model-server/index.js";

const open: ScriptedModelServer[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** Start a server that is closed after the current test. */
export async function serve(options: ScriptedModelServerOptions = {}): Promise<ScriptedModelServer> {
  const server = await ScriptedModelServer.start(options);
  open.push(server);
  return server;
}

/** The real OpenAI client, without retries. */
export function openai(server: ScriptedModelServer): OpenAI {
  return new OpenAI({ apiKey: "test", baseURL: server.openaiBaseUrl, maxRetries: 0 });
}

/** The real Anthropic client, without retries. */
export function anthropic(server: ScriptedModelServer): Anthropic {
  return new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
}
