/**
 * Picks the model the example runs on: OpenAI when `OPENAI_API_KEY` is set, Anthropic when
 * `ANTHROPIC_API_KEY` is set, and otherwise the scripted model server on 127.0.0.1 — so the
 * example always runs, offline included, and says which one it used.
 */
import type { ProviderAdapter } from "weakincentives/adapters";
import { AnthropicAdapter } from "weakincentives/adapters/anthropic";
import { OpenAIAdapter } from "weakincentives/adapters/openai";
import { ScriptedModelServer, type ScriptedTurn } from "weakincentives/testing";

/** The adapter to use, a line describing it, and how to release it. */
export interface ModelChoice {
  readonly adapter: ProviderAdapter;
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Choose a model. `script` is what the scripted server answers first; after it, the server's
 * policy mode answers any prompt sensibly (calls each tool once, then returns schema-valid JSON).
 */
export async function chooseModel(
  env: NodeJS.ProcessEnv,
  script: readonly ScriptedTurn[] = [],
): Promise<ModelChoice> {
  if (env.OPENAI_API_KEY) {
    const model = env.OPENAI_MODEL ?? "gpt-4.1-mini";
    return {
      adapter: new OpenAIAdapter({ model }),
      description: `OpenAI ${model} (OPENAI_API_KEY is set)`,
      close: async () => {},
    };
  }
  if (env.ANTHROPIC_API_KEY) {
    const adapter = new AnthropicAdapter({ ...(env.ANTHROPIC_MODEL ? { model: env.ANTHROPIC_MODEL } : {}) });
    return {
      adapter,
      description: `Anthropic ${adapter.model} (ANTHROPIC_API_KEY is set)`,
      close: async () => {},
    };
  }
  const server = await ScriptedModelServer.start({ script: [...script], policy: true });
  const adapter = new OpenAIAdapter({
    model: "scripted",
    api: "chat",
    clientOptions: { apiKey: "offline", baseURL: server.openaiBaseUrl },
  });
  return {
    adapter,
    description: `the scripted model server at ${server.url} (set OPENAI_API_KEY or ANTHROPIC_API_KEY to use a real model)`,
    close: () => server.close(),
  };
}
