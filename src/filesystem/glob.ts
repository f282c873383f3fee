/**
 * Glob patterns over workspace paths (relative, `/`-separated), with the usual meaning:
 * `*` matches within one segment, `**` any number of segments (none included), `?` one
 * character, `[abc]`/`[!abc]` a class, `{a,b}` alternatives. A pattern without `/` matches the
 * last segment anywhere (`*.pem` matches `keys/server.pem`), as `.gitignore` does.
 *
 * @example
 * ```ts
 * import { globMatcher } from "weakincentives/filesystem";
 *
 * const secret = globMatcher([".env", "*.pem", "id_*"]);
 * secret("deploy/keys/server.pem"); // true
 * secret("src/main.ts"); // false
 * ```
 */

import { WinkError } from "../errors.js";

/** Compiled patterns. Patterns come from models too (the glob tool), so the cache is bounded. */
const cache = new Map<string, RegExp>();
const MAX_CACHED = 256;

/** How many compiled patterns are cached (internal: lets tests see the bound). */
export function globCacheSize(): number {
  return cache.size;
}

/** The regular expression a glob pattern stands for (anchored, whole path). */
export function globToRegExp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  if (pattern.trim() === "") {
    throw new WinkError("invalid_argument", 'Glob pattern is empty. Use "**" to match every path.', {
      details: { pattern },
    });
  }
  let body = pattern.replace(/\\/g, "/").replace(/^\.\//, "");
  // A pattern naming a directory covers what is inside it.
  if (body.endsWith("/")) body = `${body}**`;
  const anywhere = !body.includes("/");
  const source = translate(body, pattern);
  const regexp = new RegExp(anywhere ? `^(?:.*/)?${source}$` : `^${source}$`);
  // Clearing is enough: the patterns a program reuses are compiled again on their next use.
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(pattern, regexp);
  return regexp;
}

function translate(body: string, pattern: string): string {
  let out = "";
  let braces = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char === "*") {
      if (body[i + 1] === "*") {
        const atStart = i === 0 || body[i - 1] === "/";
        const atEnd = i + 2 === body.length || body[i + 2] === "/";
        i++;
        if (atStart && atEnd) {
          // `**/` matches zero or more whole segments; a trailing `**` anything below.
          if (body[i + 1] === "/") {
            out += "(?:[^/]*/)*";
            i++;
          } else out += ".*";
          continue;
        }
      }
      out += "[^/]*";
    } else if (char === "?") out += "[^/]";
    else if (char === "[") {
      const close = body.indexOf("]", i + 2);
      if (close === -1) throw badPattern(pattern, 'a "[" without its "]"');
      const inner = body.slice(i + 1, close);
      const negated = inner.startsWith("!") || inner.startsWith("^");
      const set = (negated ? inner.slice(1) : inner).replace(/[\\\]^]/g, "\\$&");
      out += negated ? `[^/${set}]` : `[${set}]`;
      i = close;
    } else if (char === "{") {
      braces++;
      out += "(?:";
    } else if (char === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (char === "," && braces > 0) out += "|";
    else out += char.replace(/[.+^$()|\\]/g, "\\$&");
  }
  if (braces > 0) throw badPattern(pattern, 'a "{" without its "}"');
  return out;
}

function badPattern(pattern: string, problem: string): WinkError {
  return new WinkError("invalid_argument", `Glob pattern "${pattern}" has ${problem}. Fix the pattern.`, {
    details: { pattern },
  });
}

/** Whether the workspace path `path` matches `pattern`. */
export function matchesGlob(path: string, pattern: string): boolean {
  return globToRegExp(pattern).test(path);
}

/** A test for "matches any of `patterns`" (false for an empty list), compiled once. */
export function globMatcher(patterns: readonly string[]): (path: string) => boolean {
  const regexps = patterns.map(globToRegExp);
  return (path) => regexps.some((regexp) => regexp.test(path));
}
