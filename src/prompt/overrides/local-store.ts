/**
 * {@link LocalPromptOverridesStore}: prompt overrides as JSON files on disk, one per prompt and
 * tag. Reads are lenient about drift (stale or unknown entries are dropped with a warning, so
 * the code's text renders) and strict about corruption (a broken file fails loudly, naming it).
 * Writes are strict: they check every entry against the prompt and replace the file atomically.
 *
 * Reads happen on every render and use synchronous file APIs, because rendering is synchronous.
 *
 * @example
 * ```ts
 * import { Prompt, type PromptTemplate } from "weakincentives";
 * import { LocalPromptOverridesStore } from "weakincentives/prompt";
 *
 * declare const template: PromptTemplate; // your agent's template
 * // In a repository: <git root>/.weakincentives/prompts/overrides. In a container: pass rootPath.
 * const store = new LocalPromptOverridesStore({ rootPath: "/config/overrides" });
 * store.seed(template, "v2-prompts"); // writes the current text, ready to edit
 * const prompt = new Prompt(template, { overridesStore: store, overridesTag: "v2-prompts" });
 * prompt.render().text; // uses the edited text while its hashes still match the code
 * ```
 */

import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { getLogger } from "../../logging/index.js";
import { checkOverrideForPrompt, seedOverrideFromPrompt } from "./authoring.js";
import { PromptOverridesError } from "./errors.js";
import { parsePromptOverride, serializePromptOverride } from "./file-format.js";
import { filterOverrideForDescriptor } from "./filter.js";
import { DEFAULT_OVERRIDES_TAG, normalizeTag, overrideFilePath, resolveOverridesRoot } from "./paths.js";
import { defaultTagOf, type OverridesTarget, templateOf } from "./target.js";
import type {
  PromptDescriptor,
  PromptOverride,
  PromptOverridesStore,
  SectionOverride,
  ToolOverride,
} from "./types.js";

const log = getLogger("weakincentives.prompt.overrides");

/** Missing (prompt, tag) files remembered so each is warned about once; cleared when full. */
const MAX_WARNED_MISSING = 1_024;

/** Options for {@link LocalPromptOverridesStore}. */
export interface LocalPromptOverridesStoreOptions {
  /**
   * The overrides directory itself (files go to `{rootPath}/{ns…}/{promptKey}/{tag}.json`).
   * Default: `<git top-level>/.weakincentives/prompts/overrides`, found by walking up from
   * `cwd`; without a repository (as in containers) the constructor throws, asking for this.
   */
  rootPath?: string | undefined;
  /** Where relative `rootPath`s and the git search start. Default `process.cwd()`. */
  cwd?: string | undefined;
}

/** A {@link PromptOverridesStore} backed by JSON files under one root directory. */
export class LocalPromptOverridesStore implements PromptOverridesStore {
  /** Absolute path of the overrides directory. */
  readonly rootPath: string;
  /** Files of a requested tag found missing and already warned about. */
  readonly #warnedMissing = new Set<string>();

  /** Resolves the root now, so a missing `rootPath` fails at start-up rather than at first render. */
  constructor(options: LocalPromptOverridesStoreOptions = {}) {
    this.rootPath = resolveOverridesRoot(options);
  }

  /** The file holding the overrides of prompt `ns`/`promptKey` under `tag` (default `"latest"`). */
  filePath(ns: string, promptKey: string, tag?: string): string {
    return overrideFilePath(this.rootPath, ns, promptKey, tag);
  }

  /**
   * The overrides that apply to `descriptor` under `tag` (undefined/empty → `"latest"`), or
   * undefined when there is no file or no entry still matches. Stale and unknown entries are
   * dropped with a warning. Throws {@link PromptOverridesError} when the file is corrupt, has
   * another version, or names another prompt or tag.
   */
  resolve(descriptor: PromptDescriptor, tag?: string): PromptOverride | undefined {
    const resolvedTag = normalizeTag(tag);
    const file = this.filePath(descriptor.ns, descriptor.key, resolvedTag);
    const stored = this.read(file, descriptor.ns, descriptor.key, resolvedTag);
    if (stored === undefined) {
      if (resolvedTag === DEFAULT_OVERRIDES_TAG) {
        log.debug("prompt_override_missing", "No override file for this prompt and tag.", {
          ns: descriptor.ns,
          promptKey: descriptor.key,
          tag: resolvedTag,
          file,
        });
      } else this.warnMissingTag(descriptor, resolvedTag, file);
      return undefined;
    }
    return filterOverrideForDescriptor(stored, descriptor, file);
  }

  /**
   * Replace the file for `override.tag` with `override`, after checking every entry against the
   * prompt (see {@link checkOverrideForPrompt}). Returns what was written.
   */
  upsert(target: OverridesTarget, override: PromptOverride): PromptOverride {
    const checked = checkOverrideForPrompt(target, override);
    this.write(checked);
    return checked;
  }

  /**
   * Add or replace one section or tool override in the file for `tag` (default: the prompt's
   * `overridesTag`, else `"latest"`), keeping the other entries. The whole file is checked, so a
   * stale entry already in it fails the write, named. Returns the full override written.
   */
  store(target: OverridesTarget, entry: SectionOverride | ToolOverride, tag?: string): PromptOverride {
    const template = templateOf(target);
    const resolvedTag = defaultTagOf(target, tag);
    const file = this.filePath(template.ns, template.key, resolvedTag);
    const existing = this.read(file, template.ns, template.key, resolvedTag);
    const sections = { ...existing?.sections };
    const tools = { ...existing?.tools };
    if ("path" in entry) sections[entry.path.join("/")] = entry;
    else tools[entry.name] = entry;
    return this.upsert(target, {
      ns: template.ns,
      promptKey: template.key,
      tag: resolvedTag,
      sections,
      tools,
    });
  }

  /** Remove the file for `ns`/`promptKey` under `tag`. Returns false when there was none. */
  delete(ns: string, promptKey: string, tag?: string): boolean {
    const resolvedTag = normalizeTag(tag);
    const file = this.filePath(ns, promptKey, resolvedTag);
    const context = { ns, promptKey, tag: resolvedTag, file };
    if (!existsSync(file)) {
      log.debug("prompt_override_delete_missing", "No override file to delete.", context);
      return false;
    }
    rmSync(file, { force: true });
    log.info("prompt_override_deleted", "Deleted the prompt override file.", context);
    return true;
  }

  /**
   * Make sure a file exists for `tag` (default: the prompt's `overridesTag`, else `"latest"`) and
   * return its override. An existing file is returned as is after a strict check (throws when it
   * is corrupt or stale, naming the entry); otherwise one is written with the code's current
   * section text and tool descriptions, ready to edit.
   */
  seed(target: OverridesTarget, tag?: string): PromptOverride {
    const template = templateOf(target);
    const resolvedTag = defaultTagOf(target, tag);
    const file = this.filePath(template.ns, template.key, resolvedTag);
    const existing = this.read(file, template.ns, template.key, resolvedTag);
    if (existing !== undefined) return checkOverrideForPrompt(target, existing);
    const seeded = seedOverrideFromPrompt(target, resolvedTag);
    this.write(seeded);
    return seeded;
  }

  /** Parse the file when it exists, checking it belongs to `ns`/`promptKey`/`tag`. */
  private read(file: string, ns: string, promptKey: string, tag: string): PromptOverride | undefined {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new PromptOverridesError(
        "unreadable_file",
        `Cannot read override file ${file}: ${(err as Error).message}. Check that it is a readable file.`,
        { cause: err, details: { file } },
      );
    }
    const override = parsePromptOverride(text, file);
    const mismatches = [
      ["ns", override.ns, ns],
      ["promptKey", override.promptKey, promptKey],
      ["tag", override.tag, tag],
    ].filter(([, found, expected]) => found !== expected);
    if (mismatches.length > 0) {
      const found = mismatches.map(
        ([field, value, expected]) => `"${field}" is "${value}" (expected "${expected}")`,
      );
      throw new PromptOverridesError(
        "identity_mismatch",
        `Override file ${file} belongs to another prompt or tag: ${found.join(", ")}. ` +
          "A file's ns, promptKey and tag must match its location; fix those fields or move the file.",
        { details: { file, ns: override.ns, promptKey: override.promptKey, tag: override.tag } },
      );
    }
    return override;
  }

  /**
   * A tag was asked for by name and this prompt has no file for it: normal for a flag that changes
   * only some prompts, and exactly what a typo in the tag looks like, so say it once per file at
   * WARNING, with the tags this prompt does have.
   */
  private warnMissingTag(descriptor: PromptDescriptor, tag: string, file: string): void {
    if (this.#warnedMissing.has(file)) return;
    if (this.#warnedMissing.size >= MAX_WARNED_MISSING) this.#warnedMissing.clear();
    this.#warnedMissing.add(file);
    const found = tagsIn(dirname(file));
    log.warning(
      "prompt_override_tag_missing",
      `Prompt "${descriptor.ns}/${descriptor.key}" has no overrides for tag "${tag}", so it renders the code's text. ` +
        `If the tag is misspelt, fix it; tags with files for this prompt: ${found.length > 0 ? found.join(", ") : "none"}.`,
      { ns: descriptor.ns, promptKey: descriptor.key, tag, file, tagsFound: found },
    );
  }

  /** Write atomically: a sibling temp file renamed over the target, so readers never see half a file. */
  private write(override: PromptOverride): void {
    const file = this.filePath(override.ns, override.promptKey, override.tag);
    const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(temp, serializePromptOverride(override), { encoding: "utf8", flag: "wx" });
      renameSync(temp, file);
    } catch (err) {
      removeQuietly(temp);
      throw new PromptOverridesError(
        "write_failed",
        `Cannot write override file ${file}: ${(err as Error).message}. Check that ${this.rootPath} is a writable directory.`,
        { cause: err, details: { file } },
      );
    }
    log.info("prompt_override_persisted", "Saved prompt overrides.", {
      ns: override.ns,
      promptKey: override.promptKey,
      tag: override.tag,
      file,
      sections: Object.keys(override.sections).length,
      tools: Object.keys(override.tools).length,
    });
  }
}

/** Best-effort cleanup: the original write error is the one worth reporting. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // The temp file's directory may not exist (that is often why the write failed).
  }
}

/** The tags with an override file in a prompt's directory (none when it does not exist). */
function tagsIn(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith(".json") && !name.startsWith("."))
      .map((name) => name.slice(0, -".json".length))
      .sort();
  } catch {
    return [];
  }
}
