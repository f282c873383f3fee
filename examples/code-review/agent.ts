/**
 * The code-review agent used by the quick start: a guide, summarized reference docs, workspace
 * tools guarded by a read-before-write policy, and the request. Its default export is the loop a
 * worker serves: `wink worker examples/code-review/agent.ts` (the image runs the compiled `.js`).
 */

import {
  defineType,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  ReadBeforeWritePolicy,
  Tool,
  ToolResult,
} from "weakincentives";
import { defineLoop } from "weakincentives/worker";
import { z } from "zod";

/** What clients send. */
export const ReviewRequest = z.object({
  change: z.string().min(1).describe("What changed, in a sentence"),
  files: z.array(z.string()).min(1).describe("Files the change touches"),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/** What the agent must answer with. */
export const ReviewOutput = z.object({
  summary: z.string(),
  issues: z.array(z.object({ file: z.string(), line: z.number().int(), message: z.string() })),
  approve: z.boolean(),
});

/** A file the agent looked at, kept in the session as state. */
export const FileRead = defineType("FileRead", z.object({ path: z.string(), lines: z.number().int() }));

/** A tiny in-memory repository standing in for a checked-out workspace. */
export const REPOSITORY: Readonly<Record<string, string>> = {
  "src/http.ts": [
    "export async function get(url: string) {",
    "  const res = await fetch(url);",
    "  return res.json();",
    "}",
  ].join("\n"),
  "src/retry.ts": "export const MAX_RETRIES = 3;",
};

const readFile = new Tool({
  name: "read_file",
  description: "Read a file from the repository under review.",
  params: z.object({ path: z.string().describe("Repository-relative path") }),
  result: z.object({ path: z.string(), content: z.string() }),
  handler: ({ path }, context) => {
    const content = REPOSITORY[path];
    if (content === undefined) {
      return ToolResult.error(`No file "${path}". Files: ${Object.keys(REPOSITORY).join(", ")}.`);
    }
    context.session.dispatch(FileRead.create({ path, lines: content.split("\n").length }));
    return ToolResult.ok({ path, content });
  },
});

const writeFile = new Tool({
  name: "write_file",
  description: "Propose new content for a file.",
  params: z.object({ path: z.string(), content: z.string() }),
  handler: ({ path }) => ToolResult.ok({ path }, `Proposed a change to ${path}.`),
});

/** The template: one definition that any adapter can run. */
export const reviewTemplate = new PromptTemplate({
  ns: "examples/code-review",
  key: "review",
  output: ReviewOutput,
  sections: [
    new MarkdownSection({
      key: "guide",
      title: "Guide",
      template: "You review TypeScript changes. Read the files you comment on, then answer with JSON.",
    }),
    new MarkdownSection({
      key: "reference",
      title: "Reference",
      template: "Network calls must check the response status and time out.",
      summary: "House rules for network code.",
      visibility: "summary",
    }),
    new MarkdownSection({
      key: "workspace",
      title: "Workspace",
      template: "Use read_file to inspect code. Never overwrite a file you have not read.",
      tools: [readFile, writeFile],
      policies: [new ReadBeforeWritePolicy({ exists: (path) => path in REPOSITORY })],
    }),
    new MarkdownSection({
      key: "request",
      title: "Request",
      params: z.object({ change: z.string(), files: z.array(z.string()) }),
      template: "Change under review: ${change}\n\nFiles touched: ${files}",
    }),
  ],
});

/** The worker's loop: one request, one change to review. */
const reviews = defineLoop({
  name: "reviews",
  requestSchema: ReviewRequest,
  prepare: (request) =>
    new Prompt(reviewTemplate).bind({ request: { change: request.change, files: request.files } }),
});

export default reviews;
