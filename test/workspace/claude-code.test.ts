/**
 * The workspace inside Claude Code's sandbox, through the real binary: Claude Code works in the
 * per-evaluation workspace, reads the mounted copy, writes its report there, cannot change the
 * read-only mount, and cannot read a file planted outside — by relative path, absolute path
 * (the host original of the mount included) or a symlink made in the workspace.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { IsolationConfig } from "../../src/adapters/claude-agent-sdk/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { type ScriptedToolCall, turn } from "../../src/testing/index.js";
import { HostMount, WorkspaceSection } from "../../src/workspace/index.js";
import {
  closeServersAfterEach,
  describeClaudeCode,
  resultFor,
  setup,
} from "../adapters/claude-agent-sdk/support.js";

const tag = randomUUID().slice(0, 8);
const SECRET = `OUTSIDE-SECRET-${tag}`;
const CODE = `export const marker = "${tag}";`;
let base = "";
let parentDir = "";

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "wink-ws-claude-"));
  parentDir = join(base, "workspaces");
  mkdirSync(join(base, "repo", "src"), { recursive: true });
  mkdirSync(parentDir);
  writeFileSync(join(base, "repo", "src", "main.ts"), `${CODE}\n`);
  writeFileSync(join(base, "secret.txt"), `${SECRET}\n`);
  writeFileSync(join(parentDir, "secret.txt"), `${SECRET}\n`); // beside the workspace itself
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

closeServersAfterEach();

const bash = (id: string, command: string): ScriptedToolCall => ({
  id,
  name: "Bash",
  arguments: { command },
});

describeClaudeCode("a WorkspaceSection under Claude Code", () => {
  it("works in the workspace, writes there, and reads nothing outside it", async () => {
    let report = "";
    let mounted = "";
    let files: string[] = [];
    const collect = new Tool({
      name: "collect_report",
      description: "Test probe: read the report from the workspace.",
      handler: async (_p, context) => {
        report = (await context.filesystem?.read("review.md")) ?? "";
        mounted = (await context.filesystem?.read("repo/src/main.ts")) ?? "";
        files = (await context.filesystem?.list("repo")) ?? [];
        return ToolResult.ok("collected");
      },
    });
    const template = new PromptTemplate({
      ns: "tests/workspace",
      key: "claude",
      sections: [
        new MarkdownSection({ key: "task", title: "Task", template: "Review repo/.", tools: [collect] }),
        new WorkspaceSection({
          mounts: [new HostMount({ hostPath: join(base, "repo"), mountPath: "repo" })],
          allowedHostRoots: [base],
          parentDir,
          tools: false,
        }),
      ],
    });
    const secrets = [join(base, "secret.txt"), join(parentDir, "secret.txt")];
    const { server, adapter } = await setup(
      {
        script: [
          turn.toolCalls([bash("toolu_link", "ln -s .. up; ln -s / root")]),
          turn.toolCalls([
            bash("toolu_own", "cat repo/src/main.ts"),
            bash("toolu_rel", "cat ../secret.txt; cat ../../secret.txt"),
            bash("toolu_abs", secrets.map((p) => `cat ${p}`).join("; ")),
            bash("toolu_host_repo", `cat ${join(base, "repo", "src", "main.ts")}`),
            bash("toolu_links", `cat up/secret.txt; cat root${secrets[0]}`),
            bash("toolu_write", "printf '# Review\\nLooks fine.\\n' > review.md && echo wrote"),
            bash("toolu_change_mount", "echo pwned > repo/src/main.ts; echo pwned > repo/new.ts"),
            // Behind `sh -c` the permission layer cannot see the paths: the OS sandbox refuses.
            bash("toolu_change_mount_sh", "sh -c 'echo pwned > repo/src/main.ts; echo pwned > repo/new.ts'"),
          ]),
          turn.toolCalls([
            { id: "toolu_read_abs", name: "Read", arguments: { file_path: secrets[0] } },
            {
              id: "toolu_edit_mount",
              name: "Write",
              arguments: { file_path: "repo/src/main.ts", content: "pwned" },
            },
            { id: "toolu_collect", name: "mcp__wink__collect_report", arguments: {} },
          ]),
          turn.text("Reviewed."),
        ],
      },
      { nativeTools: ["Bash", "Read", "Write"], isolation: IsolationConfig.create({ bedrock: false }) },
    );
    const session = new Session();
    const response = await adapter.evaluate(new Prompt(template), { session });
    expect(response.text).toBe("Reviewed.");

    const everything = server.requests.map((r) => JSON.stringify(r.body)).join("\n");
    expect(everything.includes(SECRET)).toBe(false);
    expect(session.snapshot({ includeLogs: true }).serialize().includes(SECRET)).toBe(false);
    // The probes ran: the mounted copy is readable, the host original is not (outside the workspace).
    expect(resultFor(server.requests, "toolu_own")).toContain(CODE);
    expect(resultFor(server.requests, "toolu_host_repo")).not.toContain(CODE);
    expect(resultFor(server.requests, "toolu_write")).toContain("wrote");
    expect(report).toBe("# Review\nLooks fine.\n");
    // The read-only mount kept its content, by shell and by Claude Code's Write tool.
    expect(resultFor(server.requests, "toolu_edit_mount")).toMatch(
      /denied|permission|not allowed|read-only/i,
    );
    expect(resultFor(server.requests, "toolu_change_mount")).toMatch(/denied/i);
    expect(resultFor(server.requests, "toolu_change_mount_sh")).toMatch(
      /read-only file system|permission denied/i,
    );
    expect(mounted).toBe(`${CODE}\n`);
    expect(files).toEqual(["repo/src/main.ts"]);
    expect(readFileSync(join(base, "repo", "src", "main.ts"), "utf8")).toBe(`${CODE}\n`);
    const rendered = JSON.stringify(server.requests[0]?.body);
    expect(rendered).toMatch(/Content fingerprint: sha256:[0-9a-f]{64}/);
    expect(readdirSync(parentDir)).toEqual(["secret.txt"]); // the workspace was deleted
  }, 60_000);
});
