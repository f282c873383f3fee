/**
 * A deterministic stand-in reviewer for offline evaluations: the scripted model server answers
 * the review prompt with this function's verdict, read off the prompt text as a model would read
 * it. It follows the house rules the prompt states — so switching the prompt's guide with an
 * overrides tag changes its verdicts, which is what an experiment measures. It is deliberately
 * imperfect (it takes "any" for the type even in "instead of using any", and the strict guide
 * makes it reject harmless network changes), so the dataset shows regressions as well as gains.
 */

import type { z } from "zod";
import type { ReviewOutput } from "../agent.js";

/** The rule the `strict` overrides tag adds to the guide (see `overrides/`). */
export const STRICT_RULE = "Reject network calls that do not set a timeout.";

const RISKY = /\b(todo|hack|skip|console\.log|any)\b|\bdisable[sd]? the tests\b/i;
const NETWORK = /\b(fetch|https?|api|requests?|download|post|poll|endpoint|network)\b/i;
const WITH_TIMEOUT = /\b(with|sets?|adds?) (a )?timeout\b/i;

/** The verdict on the request described in `promptText`. */
export function review(promptText: string): z.infer<typeof ReviewOutput> {
  const change = /Change under review: (.*)/.exec(promptText)?.[1]?.trim() ?? "";
  // The request section lists the files as JSON after this marker; the first is the one to name.
  const files = promptText.slice(promptText.indexOf("Files touched (under repo/):"));
  const file = /[\w.-]+(\/[\w.-]+)*\.(ts|md)/.exec(files)?.[0] ?? "unknown";
  const issues: { file: string; line: number; message: string }[] = [];
  const risky = RISKY.exec(change)?.[0];
  if (risky) issues.push({ file, line: 1, message: `"${risky}" does not belong in a merged change.` });
  if (promptText.includes(STRICT_RULE) && NETWORK.test(change) && !WITH_TIMEOUT.test(change)) {
    issues.push({ file, line: 1, message: "A network call without a timeout." });
  }
  return {
    summary: issues.length === 0 ? `Looks good: ${change}` : `${issues.length} issue(s) in ${file}.`,
    issues,
    approve: issues.length === 0,
  };
}
