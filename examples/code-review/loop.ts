/** The code-review worker loop: one request = one change to review. */

import { Prompt } from "weakincentives";
import { MainLoop, type PrepareContext } from "weakincentives/runtime";
import { z } from "zod";
import { type ReviewOutput, reviewTemplate } from "./agent.js";

/** What clients send. */
export const ReviewRequest = z.object({
  change: z.string().min(1).describe("What changed, in a sentence"),
  files: z.array(z.string()).min(1).describe("Files the change touches"),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/** Binds each request into the code-review agent. */
export class ReviewLoop extends MainLoop<ReviewRequest, z.infer<typeof ReviewOutput>> {
  prepare(request: ReviewRequest, _context: PrepareContext) {
    return new Prompt(reviewTemplate).bind({ request: { change: request.change, files: request.files } });
  }
}
