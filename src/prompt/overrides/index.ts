/**
 * Prompt overrides: change a prompt's section text and tool descriptions without a deploy, kept
 * safe by content hashes. Each override entry records the hash of the code text it was written
 * against; when the code changes, the entry goes stale and the code's text renders again until
 * someone re-seeds or updates it.
 *
 * @example
 * ```ts
 * import { Prompt, type PromptTemplate } from "weakincentives";
 * import { LocalPromptOverridesStore } from "weakincentives/prompt";
 *
 * declare const template: PromptTemplate; // your agent's template
 * declare const featureFlagEnabled: boolean;
 * const store = new LocalPromptOverridesStore({ rootPath: "/config/overrides" });
 * store.seed(template); // {root}/{ns}/{key}/latest.json with today's text; edit it on disk
 * const prompt = new Prompt(template, {
 *   overridesStore: store,
 *   overridesTag: featureFlagEnabled ? "v2-prompts" : undefined, // undefined → "latest"
 * });
 * ```
 */

export { checkOverrideForPrompt, seedOverrideFromPrompt } from "./authoring.js";
export { canonicalJson, describeSections, hashJson, hashText, toolContractHash } from "./descriptor.js";
export { PromptOverridesError, type PromptOverridesErrorReason } from "./errors.js";
export { OVERRIDE_FILE_VERSION, parsePromptOverride, serializePromptOverride } from "./file-format.js";
export { filterOverrideForDescriptor } from "./filter.js";
export { LocalPromptOverridesStore, type LocalPromptOverridesStoreOptions } from "./local-store.js";
export { DEFAULT_OVERRIDES_DIR } from "./paths.js";
export type { OverridableTemplate, OverridesTarget } from "./target.js";
export type {
  PromptDescriptor,
  PromptOverride,
  PromptOverridesStore,
  SectionDescriptor,
  SectionOverride,
  ToolDescriptor,
  ToolOverride,
} from "./types.js";
