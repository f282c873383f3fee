/**
 * Writes the `strict` overrides tag of the review prompt (`overrides/` beside the agent): the
 * guide with one more house rule. Run it after changing the guide's text, which makes the stored
 * override stale (its hash no longer matches, so the code's text would render):
 * `npx tsx --conditions=wink-source examples/code-review/evals/write-overrides.ts`.
 */
import { overridesStore, reviewTemplate } from "../agent.js";
import { STRICT_RULE } from "./reviewer.js";

const seeded = overridesStore.seed(reviewTemplate, "strict-seed");
const guide = seeded.sections.guide;
overridesStore.delete(reviewTemplate.ns, reviewTemplate.key, "strict-seed");
if (!guide) throw new Error("The review prompt has no guide section.");
overridesStore.store(reviewTemplate, { ...guide, body: `${guide.body} ${STRICT_RULE}` }, "strict");
console.log(`Wrote ${overridesStore.filePath(reviewTemplate.ns, reviewTemplate.key, "strict")}`);
