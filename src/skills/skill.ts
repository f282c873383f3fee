/**
 * A skill: a folder with a `SKILL.md` (YAML frontmatter naming and describing it, then markdown
 * instructions) and any files those instructions refer to. A {@link Skill} is the validated,
 * in-memory copy of such a folder, made by `loadSkill`: what was checked is what gets mounted or
 * served, whatever happens to the folder afterwards.
 *
 * @example
 * ```ts
 * import { loadSkill } from "weakincentives/skills";
 *
 * const skill = loadSkill("deploy/skills/code-review");
 * skill.name; // "code-review"
 * skill.files.map((f) => f.path); // ["SKILL.md", "checklist.md"]
 * skill.readText("checklist.md");
 * ```
 */

import { WinkError } from "../errors.js";

/** Largest file a skill may hold: 1 MiB. */
export const MAX_SKILL_FILE_BYTES = 1024 * 1024;
/** Largest total size of a skill's files: 10 MiB. */
export const MAX_SKILL_BYTES = 10 * 1024 * 1024;
/** Longest skill name (the Agent Skills format's limit). */
export const MAX_SKILL_NAME_LENGTH = 64;
/** Longest `description`. */
export const MAX_SKILL_DESCRIPTION_LENGTH = 1024;
/** Longest `compatibility`. */
export const MAX_SKILL_COMPATIBILITY_LENGTH = 500;
/** The file every skill folder holds, by this exact name. */
export const SKILL_FILE = "SKILL.md";

/** One file of a skill. */
export interface SkillFile {
  /** Path inside the skill folder, `/`-separated (`SKILL.md`, `scripts/check.sh`). */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Whether the owner could execute it; mounted copies keep that bit. */
  readonly executable: boolean;
}

/** The frontmatter fields of a `SKILL.md`, validated. */
export interface SkillFrontmatter {
  /** 1–64 lowercase letters, digits and single hyphens; equal to the folder name. */
  readonly name: string;
  /** What the skill does and when to use it (1–1024 characters): all a model sees up front. */
  readonly description: string;
  /** License name or file, as written. */
  readonly license?: string;
  /** Environment the skill needs (at most 500 characters), e.g. "Needs git and network access". */
  readonly compatibility?: string;
  /** Free-form string pairs (`author`, `version`…). */
  readonly metadata: Readonly<Record<string, string>>;
  /** `allowed-tools`: tools the skill expects, space-separated, as written (experimental in the format). */
  readonly allowedTools?: string;
}

/** What {@link Skill} is built from; `loadSkill` fills it from a folder. */
export interface SkillInit extends SkillFrontmatter {
  /** The folder it was loaded from (absolute). */
  readonly root: string;
  /** The markdown after the frontmatter. */
  readonly body: string;
  /** Every file, `SKILL.md` included, by path. */
  readonly contents: ReadonlyMap<string, { readonly bytes: Uint8Array; readonly executable: boolean }>;
}

/**
 * A validated skill held in memory. Build one with `loadSkill` (which checks the folder); the
 * constructor trusts its input.
 *
 * @example
 * ```ts
 * import { loadSkills } from "weakincentives/skills";
 *
 * for (const skill of loadSkills("deploy/skills")) console.log(`${skill.name}: ${skill.description}`);
 * ```
 */
export class Skill implements SkillFrontmatter {
  readonly name: string;
  readonly description: string;
  readonly license?: string;
  readonly compatibility?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly allowedTools?: string;
  /** The folder it was loaded from (absolute). */
  readonly root: string;
  /** The instructions: `SKILL.md` after its frontmatter. */
  readonly body: string;
  /** Every file, `SKILL.md` included, sorted by path. */
  readonly files: readonly SkillFile[];
  /** Total size of the files in bytes. */
  readonly size: number;
  private readonly contents: ReadonlyMap<string, Uint8Array>;

  constructor(init: SkillInit) {
    this.name = init.name;
    this.description = init.description;
    if (init.license !== undefined) this.license = init.license;
    if (init.compatibility !== undefined) this.compatibility = init.compatibility;
    this.metadata = Object.freeze({ ...init.metadata });
    if (init.allowedTools !== undefined) this.allowedTools = init.allowedTools;
    this.root = init.root;
    this.body = init.body;
    this.files = Object.freeze(
      [...init.contents]
        .map(([path, file]) =>
          Object.freeze({ path, size: file.bytes.byteLength, executable: file.executable }),
        )
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    );
    this.size = this.files.reduce((total, file) => total + file.size, 0);
    this.contents = new Map([...init.contents].map(([path, file]) => [path, file.bytes]));
    Object.freeze(this);
  }

  /**
   * The bytes of one file (a copy).
   *
   * @throws WinkError (`invalid_argument`) when `path` is not one of {@link Skill.files}.
   */
  read(path: string): Uint8Array {
    const bytes = this.contents.get(path);
    if (!bytes) {
      throw new WinkError(
        "invalid_argument",
        `Skill "${this.name}" has no file ${JSON.stringify(path)}. Its files: ${this.files.map((f) => f.path).join(", ")}.`,
        { details: { skill: this.name, path } },
      );
    }
    return bytes.slice();
  }

  /**
   * One file as UTF-8 text.
   *
   * @throws WinkError (`invalid_argument`) when `path` is not one of its files, or is not UTF-8 text.
   */
  readText(path: string): string {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(this.read(path));
    } catch (error) {
      if (error instanceof WinkError) throw error;
      throw new WinkError(
        "invalid_argument",
        `File ${JSON.stringify(path)} of skill "${this.name}" is not UTF-8 text; read it as bytes with skill.read().`,
        { details: { skill: this.name, path }, cause: error },
      );
    }
  }
}
