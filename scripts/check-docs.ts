/**
 * Type-check every TypeScript code block in README.md, docs/, and the `@example` blocks of doc
 * comments in src/ (they ship in the published type declarations, so users copy them too).
 *
 * Each ```ts block becomes its own module under .tmp/docs-snippets/, named after the file and
 * line it came from, and `weakincentives[/subpath]` imports resolve through package.json
 * `exports` (tsconfig.docs.json), so an import of a subpath that is not exported fails here as it
 * would for a user. Mark a block ```ts nocheck to skip it (for fragments that cannot stand alone).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const out = join(root, ".tmp", "docs-snippets");

/** A TypeScript block and the 1-based line of its first line in `file`. */
interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, keep);
    return keep(name) ? [path] : [];
  });
}

/** The ```ts blocks of `lines` (already stripped of any comment prefix), minus `nocheck` ones. */
function fencedBlocks(file: string, lines: readonly (string | undefined)[]): Block[] {
  const blocks: Block[] = [];
  let block: string[] | undefined;
  let start = 0;
  let closing = "```";
  lines.forEach((line, i) => {
    if (line === undefined) {
      // Outside a doc comment: an unclosed fence must not swallow code.
      block = undefined;
      return;
    }
    const fence = /^(`{3,})(\w*)\s*(.*)$/.exec(line.trim());
    if (block === undefined && fence && ["ts", "typescript"].includes(fence[2] ?? "")) {
      if (!(fence[3] ?? "").includes("nocheck")) {
        block = [];
        start = i + 1;
        closing = fence[1] ?? "```";
      }
      return;
    }
    if (block !== undefined && line.trim() === closing) {
      blocks.push({ file, line: start + 1, code: block.join("\n") });
      block = undefined;
      return;
    }
    block?.push(line);
  });
  return blocks;
}

function markdownBlocks(file: string): Block[] {
  return fencedBlocks(file, readFileSync(file, "utf8").split("\n"));
}

/**
 * Blocks inside `/** … *\/` comments of a source file. Lines outside doc comments become
 * `undefined`; inside, the leading ` * ` is removed (one space after the star, so indentation in
 * the example is kept).
 */
function docCommentBlocks(file: string): Block[] {
  let inDoc = false;
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .map((raw) => {
      const trimmed = raw.trim();
      if (!inDoc) {
        if (!trimmed.startsWith("/**") || trimmed.endsWith("*/")) return undefined;
        inDoc = true;
        return "";
      }
      if (trimmed.startsWith("*/")) {
        inDoc = false;
        return undefined;
      }
      return trimmed.replace(/^\*( |$)/, "");
    });
  return fencedBlocks(file, lines);
}

const markdown = [join(root, "README.md"), ...filesUnder(join(root, "docs"), (n) => n.endsWith(".md"))];
const sources = filesUnder(join(root, "src"), (n) => n.endsWith(".ts") && !n.endsWith(".test.ts"));
const blocks = [...markdown.flatMap(markdownBlocks), ...sources.flatMap(docCommentBlocks)];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const block of blocks) {
  const name = `${relative(root, block.file).replace(/[/.]/g, "_")}__L${block.line}.ts`;
  // `export {}` keeps every snippet a module, so top-level await and local names are allowed.
  writeFileSync(join(out, name), `${block.code}\nexport {};\n`);
}

try {
  execFileSync("npx", ["tsc", "-p", "tsconfig.docs.json"], { cwd: root, stdio: "inherit" });
} catch {
  console.error(
    "docs:check: a TypeScript block does not compile (the snippet's file name says where: " +
      "docs_x_md__L12.ts is docs/x.md line 12; src_a_b_ts__L5.ts is an @example in src/a/b.ts line 5). " +
      "Fix the example, or mark a fragment that cannot stand alone ```ts nocheck.",
  );
  process.exit(1);
}
const fromSources = blocks.filter((b) => b.file.endsWith(".ts")).length;
console.log(
  `docs:check: ${blocks.length - fromSources} blocks in ${markdown.length} Markdown files and ` +
    `${fromSources} @example blocks in src/ compile.`,
);
