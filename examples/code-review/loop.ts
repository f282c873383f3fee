/** The code-review worker loop's request, and how one request becomes a prompt. */

import { Prompt } from "weakincentives";
import { z } from "zod";
import { reviewTemplate } from "./agent.js";

/** What clients send. */
export const ReviewRequest = z.object({
  change: z.string().min(1).describe("What changed, in a sentence"),
  files: z.array(z.string()).min(1).describe("Files the change touches"),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/** Binds one request into the code-review agent: `MainLoop`'s `prepare`. */
export function prepareReview(request: ReviewRequest) {
  return new Prompt(reviewTemplate).bind({ request: { change: request.change, files: request.files } });
}
