/**
 * The worker's settings as `AgentConfig` reads them (AGENT_ADAPTER, AGENT_NETWORK_ALLOW, Bedrock)
 * and the adapter `adapterFromConfig` builds from them, including the options Claude Code gets.
 */
import { describe, expect, it } from "vitest";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import * as claude from "../../src/adapters/claude-agent-sdk/index.js";
import { ClaudeAgentSDKAdapter } from "../../src/adapters/claude-agent-sdk/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import { AgentConfig, ConfigError, type ConfigIssue } from "../../src/config/index.js";
import { adapterFromConfig, claudeCodeOptions } from "../../src/worker/index.js";

const load = (env: Record<string, string>) => AgentConfig.fromEnv(env, { calibration: "off" });

function issuesOf(fn: () => unknown): readonly ConfigIssue[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

async function asyncIssuesOf(promise: Promise<unknown>): Promise<readonly ConfigIssue[]> {
  return promise.then(
    () => {
      throw new Error("expected a ConfigError");
    },
    (error: unknown) => {
      if (error instanceof ConfigError) return error.issues;
      throw error;
    },
  );
}

const ANTHROPIC = { ANTHROPIC_API_KEY: "sk-ant-test-0123456789" };
const BEDROCK = { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "eu-west-1" };

/** What a test can compare of Claude Code's options (isolation is a class with much inside). */
function show(options: ReturnType<typeof claudeCodeOptions>) {
  return {
    ...options,
    isolation: options.isolation && {
      allowedDomains: options.isolation.network.allowedDomains,
      sandbox: options.isolation.sandbox,
      bedrock: options.isolation.bedrock,
    },
  };
}

describe("the worker's settings in AgentConfig", () => {
  it("reads AGENT_ADAPTER (default http) and AGENT_NETWORK_ALLOW (default none), refusing bad values clearly", () => {
    const pick = (env: Record<string, string>) => {
      const c = load(env);
      return { adapter: c.adapter, networkAllow: c.networkAllow };
    };
    expect(pick({})).toEqual({ adapter: "http", networkAllow: [] });
    expect(
      pick({ AGENT_ADAPTER: "Claude-Agent-SDK", AGENT_NETWORK_ALLOW: " pypi.org, *.GitHub.com ,, pypi.org" }),
    ).toEqual({ adapter: "claude-agent-sdk", networkAllow: ["pypi.org", "*.github.com"] });
    expect(pick({ AGENT_NETWORK_ALLOW: "  " })).toEqual({ adapter: "http", networkAllow: [] });
    const [adapter] = issuesOf(() => load({ AGENT_ADAPTER: "claude" }));
    expect(adapter?.variable).toBe("AGENT_ADAPTER");
    expect(adapter?.message).toContain('"http", "claude-agent-sdk"');
    const [domains] = issuesOf(() => load({ AGENT_NETWORK_ALLOW: "pypi.org,https://github.com/x" }));
    expect(domains?.variable).toBe("AGENT_NETWORK_ALLOW");
    expect(domains?.message).toContain("comma-separated domain names");
  });

  it("reads the token budget, Bedrock switch, region and Anthropic endpoint", () => {
    const config = load({
      AGENT_MAX_TOTAL_TOKENS: "1000",
      CLAUDE_CODE_USE_BEDROCK: "true",
      AWS_REGION: "us-west-2",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9/anthropic",
    });
    expect(config).toMatchObject({
      maxTotalTokens: 1000,
      useBedrock: true,
      awsRegion: "us-west-2",
      anthropicBaseUrl: "http://127.0.0.1:9/anthropic",
      debugBundlePath: undefined,
    });
    expect(issuesOf(() => load({ AGENT_MAX_TOTAL_TOKENS: "0" }))[0]?.variable).toBe("AGENT_MAX_TOTAL_TOKENS");
  });
});

describe("adapterFromConfig", () => {
  it("prefers Bedrock, then the Anthropic API, then OpenAI, and describes what it chose", async () => {
    const anthropic = await adapterFromConfig(load({ ...ANTHROPIC, OPENAI_API_KEY: "sk-openai-test-01234" }));
    expect(anthropic.adapter).toBeInstanceOf(AnthropicAdapter);
    expect(anthropic.description).toBe("Anthropic API, claude-sonnet-4-6; $5 per request (default)");
    expect(anthropic.maxUsd).toBe(5);

    const openai = await adapterFromConfig(load({ OPENAI_API_KEY: "sk-openai-test-01234" }));
    expect(openai.adapter).toBeInstanceOf(OpenAIAdapter);
    // AGENT_MODEL's default names a Claude model: OpenAI gets its own default instead.
    expect(openai.description).toBe("OpenAI, gpt-4.1-mini; $5 per request (default)");
    const named = await adapterFromConfig(
      load({ OPENAI_API_KEY: "sk-openai-test-01234", AGENT_MODEL: "gpt-5" }),
    );
    expect(named.description).toBe("OpenAI, gpt-5; $5 per request (default)");

    const bedrock = await adapterFromConfig(load({ ...BEDROCK, ...ANTHROPIC }), { canImport: () => true });
    expect(bedrock.description).toBe(
      "Claude on Bedrock (eu-west-1), us.anthropic.claude-sonnet-4-6; $5 per request (default)",
    );
  });

  it("refuses to start without a model, or with Bedrock but no region or no SDK, naming the variable", async () => {
    const none = await asyncIssuesOf(adapterFromConfig(load({})));
    expect(none.map((i) => i.variable)).toEqual(["ANTHROPIC_API_KEY"]);
    expect(none[0]?.message).toContain("CLAUDE_CODE_USE_BEDROCK=1 with AWS_REGION");

    const noRegion = await asyncIssuesOf(adapterFromConfig(load({ CLAUDE_CODE_USE_BEDROCK: "1" })));
    expect(noRegion.map((i) => i.variable)).toEqual(["AWS_REGION"]);

    const noSdk = await asyncIssuesOf(adapterFromConfig(load(BEDROCK), { canImport: () => false }));
    expect(noSdk.map((i) => i.variable)).toEqual(["CLAUDE_CODE_USE_BEDROCK"]);
    expect(noSdk[0]?.message).toContain("EXTRA_PACKAGES=@anthropic-ai/bedrock-sdk");
  });
});

describe("AGENT_ADAPTER=claude-agent-sdk", () => {
  const sdkConfig = (env: Record<string, string>) => load({ AGENT_ADAPTER: "claude-agent-sdk", ...env });

  it("gives ClaudeAgentSDKAdapter the turn and dollar limits, the network allowlist and the credentials", async () => {
    expect(
      show(
        claudeCodeOptions(sdkConfig({ ...ANTHROPIC, AGENT_NETWORK_ALLOW: "pypi.org" }), undefined, claude),
      ),
    ).toEqual({
      model: "claude-sonnet-4-6",
      maxTurns: 25,
      maxBudgetUsd: 5,
      isolation: {
        allowedDomains: ["pypi.org"],
        sandbox: { enabled: true, allowUnsandboxedCommands: false },
        bedrock: false,
      },
      env: { ANTHROPIC_API_KEY: "sk-ant-test-0123456789" },
      description: "Claude Code on the Anthropic API, claude-sonnet-4-6",
    });
    expect(
      show(
        claudeCodeOptions(
          sdkConfig({ ...ANTHROPIC, AGENT_MAX_TURNS: "7", AGENT_MAX_BUDGET_USD: "0.5" }),
          undefined,
          claude,
        ),
      ),
    ).toMatchObject({ maxTurns: 7, maxBudgetUsd: 0.5, isolation: { allowedDomains: [] } });

    const bedrock = show(claudeCodeOptions(sdkConfig(BEDROCK), "eu-west-1", claude));
    expect(bedrock).toMatchObject({
      maxTurns: 25,
      maxBudgetUsd: 5,
      isolation: { allowedDomains: [], bedrock: { region: "eu-west-1" } },
    });
    expect(bedrock.env).toBeUndefined();
    expect(bedrock.model).toContain("claude-sonnet-4-6");

    const openaiOnly = issuesOf(() =>
      claudeCodeOptions(sdkConfig({ OPENAI_API_KEY: "sk-openai-test-01234" }), undefined, claude),
    );
    expect(openaiOnly.map((i) => i.variable)).toEqual(["ANTHROPIC_API_KEY"]);
  });

  it("refuses to start when Claude Code's sandbox cannot run here, saying why and what to do", async () => {
    const issues = await asyncIssuesOf(
      adapterFromConfig(sdkConfig(ANTHROPIC), {
        sandboxSelfTest: async () => ({ ok: false, reason: "bwrap exited with code 1: Can't mount proc" }),
      }),
    );
    expect(issues.map((i) => i.variable)).toEqual(["AGENT_ADAPTER"]);
    expect(issues[0]?.message).toContain("cannot run here: bwrap exited with code 1: Can't mount proc");
    expect(issues[0]?.message).toContain("or set AGENT_ADAPTER=http");
  });

  it("builds Claude Code with the key in its child's environment, or says the SDK is missing", async () => {
    const built = await adapterFromConfig(sdkConfig(ANTHROPIC), {
      sandboxSelfTest: async () => ({ ok: true }),
    });
    expect(built.adapter).toBeInstanceOf(ClaudeAgentSDKAdapter);
    expect(built.description).toBe("Claude Code on the Anthropic API, claude-sonnet-4-6; $5 per request");
    expect(built.maxUsd).toBe(5);
    expect((built.adapter as ClaudeAgentSDKAdapter).childEnv("/tmp/home").ANTHROPIC_API_KEY).toBe(
      "sk-ant-test-0123456789",
    );
    const missing = await asyncIssuesOf(adapterFromConfig(sdkConfig(ANTHROPIC), { canImport: () => false }));
    expect(missing.map((i) => i.variable)).toEqual(["AGENT_ADAPTER"]);
    expect(missing[0]?.message).toContain("@anthropic-ai/claude-agent-sdk");
  });

  it("gives Claude Code the skills of AGENT_SKILLS_DIR, and refuses to start on a bad skills folder", async () => {
    const built = await adapterFromConfig(sdkConfig({ ...ANTHROPIC, AGENT_SKILLS_DIR: "deploy/skills" }), {
      sandboxSelfTest: async () => ({ ok: true }),
    });
    const options = Reflect.get(built.adapter, "options") as { skills?: readonly { name: string }[] };
    expect(options.skills?.map((skill) => skill.name)).toEqual(["code-review"]);
    const issues = await asyncIssuesOf(
      adapterFromConfig(sdkConfig({ ...ANTHROPIC, AGENT_SKILLS_DIR: "deploy/no-such-skills" }), {
        sandboxSelfTest: async () => ({ ok: true }),
      }),
    );
    expect(issues.map((i) => i.variable)).toEqual(["AGENT_SKILLS_DIR"]);
    expect(issues[0]?.message).toContain('AGENT_SKILLS_DIR="deploy/no-such-skills"');
  });
});
