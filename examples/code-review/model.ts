/**
 * Picks the model the example runs on: the one the configuration names (Bedrock, Anthropic or
 * OpenAI, in that order, as a deployed worker chooses), and otherwise the scripted model server on
 * 127.0.0.1 — so the example always runs, offline included, and says which one it used. Keys
 * come from `AgentConfig`, so `ANTHROPIC_API_KEY_FILE` / `OPENAI_API_KEY_FILE` (mounted secrets)
 * work as well as the plain variables.
 */
import type { ProviderAdapter } from "weakincentives/adapters";
import { OpenAIAdapter } from "weakincentives/adapters/openai";
import type { AgentConfig } from "weakincentives/config";
import { type PolicyOptions, ScriptedModelServer, type ScriptedTurn } from "weakincentives/testing";
import { adapterFromConfig } from "weakincentives/worker";

/** The adapter to use, a line describing it, and how to release it. */
export interface ModelChoice {
  readonly adapter: ProviderAdapter;
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Choose a model. `script` is what the scripted server answers first; after it, the server's
 * policy mode answers any prompt sensibly (calls each tool once, then returns schema-valid JSON,
 * or `policy.answer`'s value).
 */
export async function chooseModel(
  config: AgentConfig,
  script: readonly ScriptedTurn[] = [],
  policy: PolicyOptions = {},
): Promise<ModelChoice> {
  if (config.anthropicApiKey || config.openaiApiKey || config.useBedrock) {
    const chosen = await adapterFromConfig(config);
    return { ...chosen, description: `${chosen.description} (configured)`, close: async () => {} };
  }
  const server = await ScriptedModelServer.start({ script: [...script], policy: { ...policy } });
  const adapter = new OpenAIAdapter({
    model: "scripted",
    api: "chat",
    maxTurns: config.maxTurns,
    clientOptions: { apiKey: "offline", baseURL: server.openaiBaseUrl },
  });
  return {
    adapter,
    description: `the scripted model server at ${server.url} (set ANTHROPIC_API_KEY or OPENAI_API_KEY, or their _FILE forms, to use a real model)`,
    close: () => server.close(),
  };
}
