/** A realistic code-review agent definition shared by the prompt tests. */
import { z } from "zod";
import {
  MarkdownSection,
  PromptTemplate,
  ReadBeforeWritePolicy,
  SequentialDependencyPolicy,
  Tool,
  ToolResult,
} from "../../src/prompt/index.js";

export const ReviewOutput = z.object({
  summary: z.string(),
  issues: z.array(z.object({ file: z.string(), line: z.number().int(), message: z.string() })),
  approve: z.boolean(),
});

export const readFile = new Tool({
  name: "read_file",
  description: "Read a file from the workspace.",
  params: z.object({ path: z.string().describe("Workspace-relative path") }),
  result: z.object({ path: z.string(), content: z.string() }),
  handler: ({ path }) => ToolResult.ok({ path, content: `contents of ${path}` }),
  examples: [
    {
      description: "Read the entry point",
      input: { path: "src/main.ts" },
      output: { path: "src/main.ts", content: "..." },
    },
  ],
});

export const writeFile = new Tool({
  name: "write_file",
  description: "Write a file in the workspace.",
  params: z.object({ path: z.string(), content: z.string() }),
  handler: ({ path }) => ToolResult.ok({ path }, `wrote ${path}`),
});

export const runTests = new Tool({
  name: "run_tests",
  description: "Run the test suite.",
  handler: () => ToolResult.ok({ passed: 12, failed: 0 }, "tests passed"),
});

export const postReview = new Tool({
  name: "post_review",
  description: "Post the review comment.",
  params: z.object({ body: z.string().min(1) }),
  handler: () => ToolResult.ok(undefined, "posted"),
});

export function codeReviewTemplate(guideText = "You review pull requests. Be specific and kind.") {
  return new PromptTemplate({
    ns: "examples/code-review",
    key: "review",
    name: "code_review",
    output: ReviewOutput,
    sections: [
      new MarkdownSection({ key: "guide", title: "Guide", template: guideText }),
      new MarkdownSection({
        key: "reference",
        title: "Reference",
        template: "House style lives here.",
        visibility: "summary",
        summary: "Team conventions and the API reference.",
        children: [
          new MarkdownSection({
            key: "style",
            title: "Style Guide",
            template: "- Prefer small functions.\n- Name things for the domain.",
          }),
          new MarkdownSection({
            key: "api",
            title: "API Reference",
            template: "GET /v1/reviews lists reviews.",
          }),
        ],
      }),
      new MarkdownSection({
        key: "workspace",
        title: "Workspace",
        template: "Use the tools to inspect and change files.",
        tools: [readFile, writeFile],
        policies: [new ReadBeforeWritePolicy()],
      }),
      new MarkdownSection({
        key: "planning",
        title: "Planning",
        template: "Run the tests before posting the review.",
        visibility: "summary",
        summary: "Tools to verify and publish the review.",
        tools: [runTests, postReview],
        policies: [new SequentialDependencyPolicy({ dependencies: { post_review: ["run_tests"] } })],
      }),
      new MarkdownSection({
        key: "request",
        title: "Request",
        params: z.object({ repository: z.string(), change: z.string(), focus: z.string().optional() }),
        template: "Repository: ${repository}\n\nChange:\n${change}\n\nFocus: ${focus}",
      }),
    ],
  });
}
