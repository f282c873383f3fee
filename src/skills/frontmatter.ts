/**
 * The YAML frontmatter of a `SKILL.md`, read by a parser for the small subset skills use: one
 * `key: value` per line, values plain, `"double-quoted"` (JSON escapes) or `'single-quoted'`, and
 * one level of nested `key: value` lines under a `key:` line (the `metadata` map). Anything
 * else — lists, block scalars (`|`, `>`), flow collections, anchors — is refused with the line
 * number and a fix, so what we accept reads the same in Claude Code's YAML parser.
 *
 * A full YAML dependency would accept far more than a skill needs and decide types (`yes`,
 * `1.0`) behind the author's back; this keeps every value a string.
 */

import type { SkillIssue } from "./errors.js";

/** The parsed frontmatter and the markdown after it. */
export interface ParsedFrontmatter {
  /** Top-level `key: value` lines, in order. */
  readonly scalars: ReadonlyMap<string, string>;
  /** Top-level `key:` lines followed by indented `key: value` lines. */
  readonly maps: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The markdown after the closing `---`, without leading blank lines or trailing space. */
  readonly body: string;
}

/** The frontmatter, or the issues that stopped the parse. */
export type FrontmatterResult =
  | { readonly ok: true; readonly value: ParsedFrontmatter }
  | { readonly ok: false; readonly issues: readonly SkillIssue[] };

const KEY_LINE = /^([A-Za-z0-9][A-Za-z0-9_.-]*):(?:[ \t]+(.*?))?[ \t]*$/;
const FENCE = "---";

/** Parse the frontmatter of `text`, the content of `file` (named in the issues). */
export function parseFrontmatter(text: string, file: string): FrontmatterResult {
  const lines = text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  if (lines[0]?.trimEnd() !== FENCE) {
    return fail(
      file,
      'must start with a "---" line opening the YAML frontmatter. Begin the file with:\n---\nname: <folder name>\ndescription: <what the skill does and when to use it>\n---',
    );
  }
  const close = lines.findIndex((line, index) => index > 0 && line.trimEnd() === FENCE);
  if (close === -1) {
    return fail(
      file,
      'the frontmatter opened on line 1 is never closed. Add a "---" line after the last field.',
    );
  }
  const parser = new LineParser(file);
  for (let index = 1; index < close; index++) parser.line(lines[index] ?? "", index + 1);
  const issues = parser.finish();
  if (issues.length > 0) return { ok: false, issues };
  const rest = lines.slice(close + 1);
  while (rest.length > 0 && rest[0]?.trim() === "") rest.shift();
  return {
    ok: true,
    value: { scalars: parser.scalars, maps: parser.maps, body: rest.join("\n").trimEnd() },
  };
}

function fail(file: string, message: string): FrontmatterResult {
  return { ok: false, issues: [{ file, message }] };
}

/** Reads the lines between the fences, one at a time. */
class LineParser {
  readonly scalars = new Map<string, string>();
  readonly maps = new Map<string, Map<string, string>>();
  private readonly issues: SkillIssue[] = [];
  /** A `key:` line with no value, waiting to see whether indented lines follow. */
  private open: { key: string; indent: number | undefined } | undefined;

  constructor(private readonly file: string) {}

  /** Read one line; a problem is recorded with its line number. */
  line(raw: string, number: number): void {
    const problem = this.problemOf(raw);
    if (problem !== undefined)
      this.issues.push({ file: this.file, message: `frontmatter line ${number} ${problem}` });
  }

  finish(): readonly SkillIssue[] {
    this.close();
    return this.issues;
  }

  private problemOf(raw: string): string | undefined {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return undefined;
    const indent = raw.length - raw.trimStart().length;
    if (/^[ ]*\t/.test(raw)) return "is indented with a tab. Indent with spaces.";
    if (trimmed.startsWith("- ") || trimmed === "-") {
      return "is a YAML list item, which skills do not use. Write the values on one line (allowed-tools is space-separated).";
    }
    if (indent > 0) return this.nested(trimmed, indent);
    this.close();
    const match = KEY_LINE.exec(trimmed);
    if (!match) return 'is not a "key: value" line. Write one field per line as key: value.';
    const key = match[1] ?? "";
    if (this.scalars.has(key) || this.maps.has(key)) return `repeats the field "${key}". Keep one.`;
    const value = match[2];
    if (value === undefined || value === "") {
      this.open = { key, indent: undefined };
      return undefined;
    }
    return this.scalar(key, value, (parsed) => this.scalars.set(key, parsed));
  }

  private nested(trimmed: string, indent: number): string | undefined {
    const open = this.open;
    if (!open) return 'is indented but follows no "key:" line. Remove the indentation.';
    open.indent ??= indent;
    if (indent !== open.indent) {
      return `is indented by ${indent} spaces where "${open.key}" entries use ${open.indent}. Only one level of nesting is supported; indent every entry the same.`;
    }
    const match = KEY_LINE.exec(trimmed);
    if (!match) return `is not a "key: value" entry of "${open.key}".`;
    const key = match[1] ?? "";
    const map = this.maps.get(open.key) ?? new Map<string, string>();
    this.maps.set(open.key, map);
    if (map.has(key)) return `repeats "${open.key}.${key}". Keep one.`;
    const value = match[2];
    if (value === undefined || value === "") {
      return `gives "${open.key}.${key}" no value. Values are strings: write one, or "" for an empty one.`;
    }
    return this.scalar(`${open.key}.${key}`, value, (parsed) => map.set(key, parsed));
  }

  /** A `key:` line that no indented entry followed is an empty value. */
  private close(): void {
    if (this.open && !this.maps.has(this.open.key)) this.scalars.set(this.open.key, "");
    this.open = undefined;
  }

  private scalar(field: string, value: string, store: (value: string) => void): string | undefined {
    const parsed = parseScalar(value);
    if (typeof parsed !== "string") return `(${field}) ${parsed.problem}`;
    store(parsed);
    return undefined;
  }
}

/** One value: quoted (the quotes removed) or plain (a trailing ` # comment` removed). */
function parseScalar(value: string): string | { problem: string } {
  if (value.startsWith('"')) return doubleQuoted(value);
  if (value.startsWith("'")) return singleQuoted(value);
  const plain = value.replace(/\s+#.*$/, "").trimEnd();
  if (/^[[\]{}&*!|>%@`]/.test(plain)) {
    return {
      problem: `starts with "${plain[0]}", which YAML reads as syntax skills do not use. Quote the value ("...") and keep it on one line.`,
    };
  }
  if (/:(\s|$)/.test(plain)) {
    return { problem: 'holds ": ", which YAML reads as a nested key. Quote the value ("...").' };
  }
  return plain;
}

function doubleQuoted(value: string): string | { problem: string } {
  let end = 1;
  while (end < value.length && value[end] !== '"') end += value[end] === "\\" ? 2 : 1;
  if (end >= value.length)
    return { problem: 'opens a "double-quoted" value that is not closed on this line.' };
  if (!isComment(value.slice(end + 1))) return { problem: "has text after the closing quote." };
  try {
    return JSON.parse(value.slice(0, end + 1)) as string;
  } catch {
    return { problem: 'uses an escape JSON does not know. Use \\", \\\\, \\n, \\t or \\uXXXX.' };
  }
}

function singleQuoted(value: string): string | { problem: string } {
  let end = 1;
  for (; end < value.length; end++) {
    if (value[end] !== "'") continue;
    if (value[end + 1] === "'") end++;
    else break;
  }
  if (end >= value.length)
    return { problem: "opens a 'single-quoted' value that is not closed on this line." };
  if (!isComment(value.slice(end + 1))) return { problem: "has text after the closing quote." };
  return value.slice(1, end).replaceAll("''", "'");
}

/** Nothing, or a ` # comment`. */
function isComment(rest: string): boolean {
  return rest.trim() === "" || /^\s+#/.test(rest);
}
