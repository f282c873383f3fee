/**
 * Provider credentials reach the Claude Code process and nothing it runs: sandboxed commands see
 * no key in their environment (nor in any process's), and every key the adapter is given is
 * registered for redaction, so logs, sessions and bundles never hold it.
 */

import { randomUUID } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  ClaudeAgentSDKAdapter,
  CREDENTIAL_ENV,
  commandHiddenEnv,
  IsolationConfig,
} from "../../../src/adapters/claude-agent-sdk/index.js";
import { configureLogging, getLogger, resetLogging } from "../../../src/logging/index.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../../src/prompt/index.js";
import { REDACTED, redactText } from "../../../src/secrets/index.js";
import { Session } from "../../../src/session/index.js";
import { turn } from "../../../src/testing/model-server/index.js";
import { closeServersAfterEach, describeClaudeCode, resultFor, setup } from "./support.js";

const tag = randomUUID().slice(0, 8);
// No vendor prefix: only the exact-value registry, not a pattern, can recognize these.
const KEY = `plain-provider-key-${tag}-0123456789`;
const GATEWAY_TOKEN = `plain-gateway-token-${tag}-9876543210`;
const VISIBLE = `visible-on-purpose-${tag}`;
const saved = process.env.WINK_TEST_VISIBLE;

afterAll(() => {
  if (saved === undefined) delete process.env.WINK_TEST_VISIBLE;
  else process.env.WINK_TEST_VISIBLE = saved;
});
afterEach(() => resetLogging());
closeServersAfterEach();

function textPrompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "credentials",
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "Print the environment." })],
  });
  return new Prompt(template);
}

describeClaudeCode("credentials and the agent's commands", () => {
  it("keeps every credential out of the environment of sandboxed commands", async () => {
    process.env.WINK_TEST_VISIBLE = VISIBLE;
    const commands = {
      env: "env",
      own: "tr '\\0' '\\n' < /proc/self/environ",
      every: 'sh -c \'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < $f; done 2>&1\'',
      parent: 'sh -c \'tr "\\0" "\\n" < /proc/$PPID/environ; cat /proc/1/environ\' 2>&1',
    };
    const { server, adapter } = await setup(
      {
        script: [
          turn.toolCalls(
            Object.entries(commands).map(([id, command]) => ({ id, name: "Bash", arguments: { command } })),
          ),
          turn.text(`Done ${tag}`),
        ],
      },
      {
        nativeTools: ["Bash"],
        env: { ANTHROPIC_API_KEY: KEY, GATEWAY_TOKEN },
        isolation: IsolationConfig.create({ bedrock: false, includeHostEnv: ["WINK_TEST_VISIBLE"] }),
      },
    );
    const session = new Session();
    const response = await adapter.evaluate(textPrompt(), { session });

    // The CLI itself still authenticates with the key.
    expect(server.requests[0]?.headers["x-api-key"]).toBe(KEY);
    // The probe ran: the variable passed on purpose is there.
    expect(resultFor(server.requests, "env")).toContain(VISIBLE);
    const sent = server.requests.map((r) => JSON.stringify(r.body)).join("\n");
    const recorded = session.snapshot({ includeLogs: true }).serialize();
    for (const secret of [KEY, GATEWAY_TOKEN]) {
      expect(sent).not.toContain(secret);
      expect(recorded).not.toContain(secret);
      expect(response.text ?? "").not.toContain(secret);
    }
    for (const name of ["ANTHROPIC_API_KEY", "GATEWAY_TOKEN", "ANTHROPIC_BASE_URL"]) {
      expect(resultFor(server.requests, "env")).not.toMatch(new RegExp(`^${name}=`, "m"));
    }
  }, 60_000);
});

describe("which variables commands see", () => {
  it("hides everything but the basics and includeHostEnv", () => {
    const isolation = IsolationConfig.create({ bedrock: false, includeHostEnv: ["TERM"] });
    const hidden = commandHiddenEnv(
      {
        PATH: "/usr/bin",
        HOME: "/tmp/h",
        TERM: "xterm",
        ANTHROPIC_API_KEY: "k",
        ANTHROPIC_BASE_URL: "http://gateway",
        GATEWAY_TOKEN: "t",
      },
      isolation,
    );
    expect(hidden).toEqual(
      expect.arrayContaining(["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GATEWAY_TOKEN"]),
    );
    expect(hidden).toEqual(expect.arrayContaining([...CREDENTIAL_ENV]));
    expect(hidden).not.toContain("PATH");
    expect(hidden).not.toContain("HOME");
    expect(hidden).not.toContain("TERM");
  });
});

describe("redaction of the adapter's credentials", () => {
  it("registers every secret-named variable of env, so logs redact it", () => {
    const key = `another-plain-key-${tag}-abcdef`;
    const token = `another-plain-token-${tag}-abcdef`;
    new ClaudeAgentSDKAdapter({
      env: {
        ANTHROPIC_API_KEY: key,
        SERVICE_TOKEN: token,
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
        AWS_REGION: "eu-north-1",
      },
      isolation: IsolationConfig.create({ bedrock: false }),
    });
    expect(redactText(`using ${key} and ${token}`)).toBe(`using ${REDACTED} and ${REDACTED}`);
    // Neither a base URL nor a region is a secret: redacting them would blank every mention.
    expect(redactText("http://127.0.0.1:9 in eu-north-1")).toBe("http://127.0.0.1:9 in eu-north-1");

    const lines: string[] = [];
    configureLogging({ level: "info", json: true, destination: { write: (line) => lines.push(line) } });
    getLogger("tests.credentials").info("tests.echo", "Echo.", { note: `the key is ${key}` });
    expect(lines.join("")).not.toContain(key);
    expect(lines.join("")).toContain(REDACTED);
  });

  it("registers Bedrock credentials taken from the host once they are passed on", () => {
    const bearer = `plain-bedrock-bearer-${tag}-xyz`;
    const saved = process.env.AWS_BEARER_TOKEN_BEDROCK;
    process.env.AWS_BEARER_TOKEN_BEDROCK = bearer;
    try {
      const adapter = new ClaudeAgentSDKAdapter({ isolation: IsolationConfig.forBedrock("eu-north-1") });
      expect(adapter.childEnv("/tmp/h", "/tmp/t").AWS_BEARER_TOKEN_BEDROCK).toBe(bearer);
      expect(redactText(bearer)).toBe(REDACTED);
      expect(redactText("eu-north-1")).toBe("eu-north-1");
    } finally {
      if (saved === undefined) delete process.env.AWS_BEARER_TOKEN_BEDROCK;
      else process.env.AWS_BEARER_TOKEN_BEDROCK = saved;
    }
  });
});
