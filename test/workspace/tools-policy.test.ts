/** The read-before-write policy and rollback around the workspace tools, through the executor. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PolicyDecision, Tool, type ToolPolicy, ToolResult } from "../../src/prompt/index.js";
import { filesystemToolPolicies } from "../../src/workspace/tools.js";
import { failure, harness, success } from "./tools-harness.js";

const files = { "src/a.ts": "const a = 1;\n", "bin/blob": "\0" };

describe("the read-before-write policy over the workspace tools", () => {
  it("denies editing an existing file that was not read, and leaves it unchanged", async () => {
    const { call, fs } = harness(files, { policies: filesystemToolPolicies() });
    const output = failure(await call("edit_file", { path: "src/a.ts", old_string: "1", new_string: "2" }));
    expect(output).toBe(
      '"src/a.ts" already exists and has not been read in this session. Call read_file on it first, then write.',
    );
    expect(await fs?.read("src/a.ts")).toBe("const a = 1;\n");
  });

  it("allows the edit once the file was read, under any spelling of its path", async () => {
    const { call, fs } = harness(files, { policies: filesystemToolPolicies() });
    success(await call("read_file", { path: "./src//a.ts" }));
    success(await call("edit_file", { path: "src/a.ts", old_string: "1", new_string: "2" }));
    expect(await fs?.read("src/a.ts")).toBe("const a = 2;\n");
  });

  it("denies replacing an unread file with write_file, but lets a new file be written and edited", async () => {
    const { call } = harness(files, { policies: filesystemToolPolicies() });
    expect(failure(await call("write_file", { path: "src/a.ts", content: "x" }))).toContain("Call read_file");
    success(await call("write_file", { path: "src/b.ts", content: "let b = 1;\n" }));
    success(await call("edit_file", { path: "src/b.ts", old_string: "1", new_string: "2" }));
  });

  it("does not count a failed read", async () => {
    const { call } = harness(files, { policies: filesystemToolPolicies() });
    failure(await call("read_file", { path: "bin/blob" }));
    expect(failure(await call("write_file", { path: "bin/blob", content: "text" }))).toContain(
      "Call read_file",
    );
  });

  it("does not govern delete_file", async () => {
    const { call, fs } = harness(files, { policies: filesystemToolPolicies() });
    success(await call("delete_file", { path: "src/a.ts" }));
    expect(await fs?.exists("src/a.ts")).toBe(false);
  });
});

describe("rollback", () => {
  it("undoes a successful write when a policy fails while recording it", async () => {
    const breaksAfterwards: ToolPolicy = {
      name: "breaks_afterwards",
      check: () => PolicyDecision.allow(),
      onResult: () => {
        throw new Error("audit log unavailable");
      },
    };
    const { call, fs } = harness(files, { policies: [breaksAfterwards] });
    const output = failure(await call("write_file", { path: "src/a.ts", content: "changed" }));
    expect(output).toContain('Tool "write_file" succeeded but a policy failed afterwards');
    expect(await fs?.read("src/a.ts")).toBe("const a = 1;\n");
  });

  it("undoes the writes of a tool call that fails after writing", async () => {
    const scaffold = new Tool({
      name: "scaffold",
      description: "Write two files, then fail.",
      params: z.object({ fail: z.boolean() }),
      handler: async ({ fail }, context) => {
        await context.filesystem?.write("src/new.ts", "export {};\n");
        await context.filesystem?.write("src/a.ts", "overwritten\n");
        if (fail) throw new Error("generator crashed");
        return ToolResult.ok(undefined, "scaffolded");
      },
    });
    const { call, fs } = harness(files, { tools: [scaffold] });
    expect(failure(await call("scaffold", { fail: true }))).toContain("generator crashed");
    expect(await fs?.list()).toEqual(["bin/blob", "src/a.ts"]);
    expect(await fs?.read("src/a.ts")).toBe("const a = 1;\n");
    success(await call("scaffold", { fail: false }));
    expect(await fs?.read("src/a.ts")).toBe("overwritten\n");
  });
});
