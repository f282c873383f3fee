/**
 * WorkspaceSection end to end: a real OpenAI client against the scripted model server; the agent
 * lists, reads and writes in a per-evaluation workspace holding a read-only copy of a host
 * directory; the prompt shows the fingerprint; failed writes roll back; the directory is deleted.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import { writeBundle } from "../../src/debug/index.js";
import { PromptValidationError } from "../../src/errors.js";
import { ToolInvoked } from "../../src/events/index.js";
import { FilesystemKey } from "../../src/filesystem/index.js";
import {
  type AnyTool,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  Tool,
  ToolResult,
} from "../../src/prompt/index.js";
import { Binding, ResourceRegistry } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/index.js";
import { HostMount, Workspace, WorkspaceKey, WorkspaceSection } from "../../src/workspace/index.js";

let base: string;
let repo: string;
let parentDir: string;
let server: ScriptedModelServer | undefined;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "wink-section-"));
  repo = join(base, "repo");
  parentDir = join(base, "ws");
  mkdirSync(join(repo, "src"), { recursive: true });
  mkdirSync(parentDir);
  writeFileSync(
    join(repo, "src", "http.ts"),
    "export async function get(url: string) {\n  return fetch(url);\n}\n",
  );
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(base, { recursive: true, force: true });
});

const failAfterWrite = new Tool({
  name: "write_then_fail",
  description: "Writes a scratch file, then fails.",
  handler: async (_params, context) => {
    await context.filesystem?.write("scratch.md", "half-done");
    throw new Error("disk on fire");
  },
});

function template(section: WorkspaceSection, tools: readonly AnyTool[] = []) {
  return new PromptTemplate({
    ns: "tests/workspace",
    key: "review",
    output: z.object({ approve: z.boolean() }),
    sections: [
      new MarkdownSection({
        key: "task",
        title: "Task",
        template: "Review repo/ and write review.md.",
        tools: [...tools, failAfterWrite],
      }),
      section,
    ],
  });
}

const adapter = (s: ScriptedModelServer) =>
  new OpenAIAdapter({
    model: "scripted",
    api: "chat",
    clientOptions: { apiKey: "test", baseURL: s.openaiBaseUrl },
  });

describe("WorkspaceSection", () => {
  it("gives the agent a read-only copy of the mount, a place to write, and the fingerprint", async () => {
    let seen: string[] = [];
    let workspaceRoot = "";
    const check = new Tool({
      name: "peek",
      description: "Test probe: what the workspace holds now.",
      handler: async (_p, context) => {
        seen = await (context.filesystem?.list() ?? Promise.resolve([]));
        workspaceRoot = context.resources.get(WorkspaceKey).root;
        return ToolResult.ok("ok");
      },
    });
    let copiedOut = "";
    const section = new WorkspaceSection({
      mounts: [new HostMount({ hostPath: repo, mountPath: "repo" })],
      allowedHostRoots: [base],
      parentDir,
      beforeRemove: async (workspace) => {
        copiedOut = await workspace.filesystem.read("review.md");
      },
    });
    const tpl = template(section, [check]);
    server = await ScriptedModelServer.start({
      script: [
        turn.toolCalls([
          { name: "list_files", arguments: {}, id: "c1" },
          { name: "read_file", arguments: { path: "repo/src/http.ts" }, id: "c2" },
        ]),
        turn.toolCalls([
          { name: "write_file", arguments: { path: "repo/src/http.ts", content: "x" }, id: "c3" },
          {
            name: "write_file",
            arguments: { path: "review.md", content: "# Review\nNo timeout in get().\n" },
            id: "c4",
          },
          { name: "write_then_fail", arguments: {}, id: "c5" },
          { name: "peek", arguments: {}, id: "c6" },
        ]),
        turn.json({ approve: false }),
      ],
    });
    const session = new Session();
    const response = await adapter(server).evaluate(new Prompt(tpl), { session });
    expect(response.output).toEqual({ approve: false });

    const system = JSON.stringify(server.requests[0]?.body);
    expect(system).toMatch(/Content fingerprint: sha256:[0-9a-f]{64} \(1 files/);
    expect(system).toContain("`repo` (read-only: write elsewhere): 1 file");
    const calls = session
      .slice(ToolInvoked)
      .all()
      .map((e) => [e.name, e.success]);
    expect(calls).toEqual([
      ["list_files", true],
      ["read_file", true],
      ["write_file", false], // the read-only mount
      ["write_file", true],
      ["write_then_fail", false],
      ["peek", true],
    ]);
    const readOnly = session.slice(ToolInvoked).all()[2];
    expect(readOnly?.message).toMatch(/read-only directory "repo"/);
    expect(seen).toEqual(["repo/src/http.ts", "review.md"]); // scratch.md rolled back
    // The fingerprint travels with the request's debug bundle (the rendered prompt in the session).
    const bundle = await writeBundle(
      { target: join(base, "bundles") },
      { requestId: "r1", runId: "run1", attempt: 1, input: {}, session },
    );
    const fingerprint = /sha256:[0-9a-f]{64}/.exec(system)?.[0] ?? "missing";
    expect(readFileSync(join(bundle, "session", "after.jsonl"), "utf8")).toContain(fingerprint);
    expect(copiedOut).toBe("# Review\nNo timeout in get().\n"); // beforeRemove saw the report
    expect(existsSync(workspaceRoot)).toBe(false); // deleted when the evaluation ended
    expect(readdirSync(parentDir)).toEqual([]);
  });

  it("serves a workspace the caller built and bound, and leaves it open for the caller", async () => {
    const workspace = Workspace.create({
      mounts: [new HostMount({ hostPath: repo, mountPath: "repo" })],
      allowedHostRoots: [base],
      parentDir,
    });
    try {
      server = await ScriptedModelServer.start({
        script: [
          turn.toolCalls([
            { name: "write_file", arguments: { path: "review.md", content: "done" }, id: "c1" },
          ]),
          turn.json({ approve: true }),
        ],
      });
      const section = new WorkspaceSection({ allowedHostRoots: [base], parentDir });
      const prompt = new Prompt(template(section)).bind(
        {},
        { resources: ResourceRegistry.of(Binding.instance(WorkspaceKey, workspace)) },
      );
      await adapter(server).evaluate(prompt, { session: new Session() });
      expect(JSON.stringify(server.requests[0]?.body)).toContain(workspace.fingerprint);
      expect(await workspace.filesystem.read("review.md")).toBe("done");
    } finally {
      await workspace.close();
    }
  });

  it("renders the mounts without a workspace when rendered outside an evaluation", () => {
    const section = new WorkspaceSection({
      mounts: [{ hostPath: repo, mountPath: "repo" }],
      allowedHostRoots: [base],
    });
    const text = new Prompt(template(section)).render().text;
    expect(text).toContain("created when the prompt is evaluated");
    expect(text).toContain("- `repo` (read-only)");
  });

  it("fails the evaluation with the escape named when a mount is outside the allowed roots", async () => {
    server = await ScriptedModelServer.start({ script: [turn.json({ approve: true })] });
    const section = new WorkspaceSection({
      mounts: [{ hostPath: repo }],
      allowedHostRoots: [parentDir],
      parentDir,
    });
    await expect(
      adapter(server).evaluate(new Prompt(template(section)), { session: new Session() }),
    ).rejects.toThrow(/is outside allowedHostRoots/);
    expect(server.requests).toHaveLength(0);
  });

  it("deletes the workspace and keeps the result when beforeRemove fails", async () => {
    server = await ScriptedModelServer.start({ script: [turn.json({ approve: true })] });
    const section = new WorkspaceSection({
      parentDir,
      beforeRemove: () => {
        throw new Error("upload failed");
      },
    });
    const response = await adapter(server).evaluate(new Prompt(template(section)), {
      session: new Session(),
    });
    expect(response.output).toEqual({ approve: true });
    expect(readdirSync(parentDir)).toEqual([]);
  });

  it("refuses two sections binding the same resource", () => {
    expect(
      () =>
        new PromptTemplate({
          ns: "tests/workspace",
          key: "twice",
          sections: [new WorkspaceSection({ key: "a" }), new WorkspaceSection({ key: "b", tools: false })],
        }),
    ).toThrow(PromptValidationError);
  });

  it("binds FilesystemKey to the workspace's filesystem", async () => {
    const section = new WorkspaceSection({ tools: false, parentDir });
    const context = new Prompt(template(section)).resourceRegistry().open();
    try {
      expect(context.get(FilesystemKey)).toBe(context.get(WorkspaceKey).filesystem);
    } finally {
      await context.close();
    }
    expect(readdirSync(parentDir)).toEqual([]);
  });
});
