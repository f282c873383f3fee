/**
 * The code-review agent used by the quick start: a guide, summarized reference docs, a workspace
 * holding a read-only copy of the repository under review (`repo/`) with the filesystem tools and
 * the read-before-write policy, and the request. The agent writes its report to `review.md` in the
 * workspace and answers with a typed verdict. Its default export is the loop a worker serves:
 * `wink worker examples/code-review/agent.ts` (the image runs the compiled `.js`).
 *
 * Its skills (`AGENT_SKILLS_DIR`, default `deploy/skills`) are listed by a `SkillsSection`; a
 * worker running Claude Code gets the same folder mounted for its `Skill` tool.
 *
 * The repository is `REVIEW_REPO` (default: `sample-repo/` beside this file); mounts must lie below
 * `REVIEW_REPOS_ROOT` (default: the repository's parent directory), the workspace's boundary.
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MarkdownSection, Prompt, PromptTemplate } from "weakincentives";
import { env, loadConfig } from "weakincentives/config";
import { LocalPromptOverridesStore } from "weakincentives/prompt";
import { getLogger } from "weakincentives/runtime";
import { loadSkills, SkillsSection } from "weakincentives/skills";
import { defineLoop } from "weakincentives/worker";
import { HostMount, WorkspaceSection } from "weakincentives/workspace";
import { z } from "zod";

/** What clients send. */
export const ReviewRequest = z.object({
  change: z.string().min(1).describe("What changed, in a sentence"),
  files: z.array(z.string()).min(1).describe("Files the change touches, relative to the repository"),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/** What the agent must answer with. */
export const ReviewOutput = z.object({
  summary: z.string(),
  issues: z.array(z.object({ file: z.string(), line: z.number().int(), message: z.string() })),
  approve: z.boolean(),
});

const settings = loadConfig({
  repository: env.string("REVIEW_REPO", { optional: true }),
  reposRoot: env.string("REVIEW_REPOS_ROOT", { optional: true }),
  // The same folder the worker gives Claude Code (AGENT_SKILLS_DIR; the image's /app/skills).
  skillsDir: env.string("AGENT_SKILLS_DIR", { optional: true }),
  // Prompt overrides by tag: an experiment (`wink eval --experiment strict`) or a feature flag
  // picks the tag per request.
  overridesDir: env.string("REVIEW_OVERRIDES_DIR", { optional: true }),
});

/** The repository under review: a real directory, copied read-only into each request's workspace. */
export const REPOSITORY = resolve(
  settings.repository ?? fileURLToPath(new URL("./sample-repo/", import.meta.url)),
);
/** The agent's skills (`deploy/skills` in this repository), offered to the model by name. */
const skills = loadSkills(
  settings.skillsDir ?? fileURLToPath(new URL("../../deploy/skills/", import.meta.url)),
);

/** Prompt text by overrides tag (`overrides/` beside this file by default). */
export const overridesStore = new LocalPromptOverridesStore({
  rootPath: resolve(settings.overridesDir ?? fileURLToPath(new URL("./overrides/", import.meta.url))),
});

/** Where the workspace wants its report. */
export const REPORT_PATH = "review.md";

const log = getLogger("examples.code_review");

/** The template: one definition that any adapter can run. */
export const reviewTemplate = new PromptTemplate({
  ns: "examples/code-review",
  key: "review",
  output: ReviewOutput,
  sections: [
    new MarkdownSection({
      key: "guide",
      title: "Guide",
      template: `You review TypeScript changes. Read the files you comment on, write your review to ${REPORT_PATH}, then answer with JSON.`,
    }),
    new MarkdownSection({
      key: "reference",
      title: "Reference",
      template: "Network calls must check the response status and time out.",
      summary: "House rules for network code.",
      visibility: "summary",
    }),
    new WorkspaceSection({
      mounts: [new HostMount({ hostPath: REPOSITORY, mountPath: "repo", maxBytes: 8 * 1024 * 1024 })],
      allowedHostRoots: [settings.reposRoot ?? dirname(REPOSITORY)],
      guidance: `The repository is in repo/ (read-only). Put your review in ${REPORT_PATH}.`,
      // The workspace is deleted when the request ends: this is where a deployment would publish
      // the report (an upload, a pull-request comment). The demo logs it.
      beforeRemove: async (workspace) => {
        if (!(await workspace.filesystem.exists(REPORT_PATH))) return;
        const report = await workspace.filesystem.read(REPORT_PATH);
        log.info("review.report", "The agent wrote its report to the workspace.", {
          path: REPORT_PATH,
          fingerprint: workspace.fingerprint,
          report,
        });
      },
    }),
    new SkillsSection({ skills }),
    new MarkdownSection({
      key: "request",
      title: "Request",
      params: z.object({ change: z.string(), files: z.array(z.string()) }),
      template: "Change under review: ${change}\n\nFiles touched (under repo/): ${files}",
    }),
  ],
});

/** The worker's loop: one request, one change to review, with the experiment's prompt text. */
const reviews = defineLoop({
  name: "reviews",
  requestSchema: ReviewRequest,
  prepare: (request, context) =>
    new Prompt(reviewTemplate, { overridesStore, overridesTag: context.experiment?.overridesTag }).bind({
      request: { change: request.change, files: request.files },
    }),
});

export default reviews;
