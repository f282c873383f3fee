/**
 * Type-check every TypeScript code block in README.md and docs/ against the sources.
 *
 * Each ```ts block becomes its own module under .tmp/docs-snippets/, named after the file and
 * line it came from, and `weakincentives[/subpath]` imports resolve to src/ (tsconfig.docs.json).
 * Mark a block ```ts nocheck to skip it (for fragments that cannot stand alone).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const out = join(root, ".tmp", "docs-snippets");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith(".md") ? [path] : [];
  });
}

const sources = [join(root, "README.md"), ...markdownFiles(join(root, "docs"))];
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

let count = 0;
for (const file of sources) {
  const lines = readFileSync(file, "utf8").split("\n");
  let block: string[] | undefined;
  let start = 0;
  let closing = "```";
  lines.forEach((line, i) => {
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
      const name = `${relative(root, file).replace(/[/.]/g, "_")}__L${start + 1}.ts`;
      // `export {}` keeps every snippet a module, so top-level await and local names are allowed.
      writeFileSync(join(out, name), `${block.join("\n")}\nexport {};\n`);
      count++;
      block = undefined;
      return;
    }
    block?.push(line);
  });
}

try {
  execFileSync("npx", ["tsc", "-p", "tsconfig.docs.json"], { cwd: root, stdio: "inherit" });
} catch {
  console.error(
    "docs:check: a TypeScript block in README.md or docs/ does not compile (file names say where).",
  );
  process.exit(1);
}
console.log(`docs:check: ${count} TypeScript blocks in ${sources.length} files compile.`);
