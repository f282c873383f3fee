/**
 * Picks the model the example runs on: OpenAI when an OpenAI key is configured, Anthropic when an
 * Anthropic key is, and otherwise the scripted model server on 127.0.0.1 — so the example always
 * runs, offline included, and says which one it used. Keys come from `AgentConfig`, so
 * `OPENAI_API_KEY_FILE` / `ANTHROPIC_API_KEY_FILE` (mounted secrets) work as well as the plain
 * variables.
 */
import type { ProviderAdapter } from "weakincentives/adapters";
import { AnthropicAdapter } from "weakincentives/adapters/anthropic";
import { OpenAIAdapter } from "weakincentives/adapters/openai";
import type { AgentConfig } from "weakincentives/config";
import { ScriptedModelServer, type ScriptedTurn } from "weakincentives/testing";

/** The adapter to use, a line describing it, and how to release it. */
export interface ModelChoice {
  readonly adapter: ProviderAdapter;
  readonly description: string;
  close(): Promise<void>;
}

/** Model settings read from the environment (a subset of `AgentConfig`). */
export type ModelSettings = Pick<AgentConfig, "openaiApiKey" | "anthropicApiKey" | "maxTurns"> & {
  /** Used for Anthropic when `AGENT_MODEL` is set; OpenAI uses `OPENAI_MODEL`. */
  readonly model?: string | undefined;
};

/**
 * Choose a model. `script` is what the scripted server answers first; after it, the server's
 * policy mode answers any prompt sensibly (calls each tool once, then returns schema-valid JSON).
 */
export async function chooseModel(
  settings: ModelSettings,
  env: NodeJS.ProcessEnv,
  script: readonly ScriptedTurn[] = [],
): Promise<ModelChoice> {
  const maxTurns = settings.maxTurns;
  if (settings.openaiApiKey) {
    const model = env.OPENAI_MODEL ?? "gpt-4.1-mini";
    const adapter = new OpenAIAdapter({
      model,
      maxTurns,
      clientOptions: { apiKey: settings.openaiApiKey.reveal() },
    });
    return { adapter, description: `OpenAI ${model} (an OpenAI key is configured)`, close: async () => {} };
  }
  if (settings.anthropicApiKey) {
    const adapter = new AnthropicAdapter({
      ...(settings.model ? { model: settings.model } : {}),
      maxTurns,
      clientOptions: { apiKey: settings.anthropicApiKey.reveal() },
    });
    return {
      adapter,
      description: `Anthropic ${adapter.model} (an Anthropic key is configured)`,
      close: async () => {},
    };
  }
  const server = await ScriptedModelServer.start({ script: [...script], policy: true });
  const adapter = new OpenAIAdapter({
    model: "scripted",
    api: "chat",
    maxTurns,
    clientOptions: { apiKey: "offline", baseURL: server.openaiBaseUrl },
  });
  return {
    adapter,
    description: `the scripted model server at ${server.url} (set OPENAI_API_KEY or ANTHROPIC_API_KEY, or their _FILE forms, to use a real model)`,
    close: () => server.close(),
  };
}
