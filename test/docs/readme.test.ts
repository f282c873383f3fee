/**
 * The README's first example runs as written: extracted from README.md and executed in a child
 * process that resolves `weakincentives/*` to src/ (the package's own exports, `wink-source`
 * condition), against the scripted model server it starts itself.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
// Inside the repository, so `weakincentives` resolves to this package by self-reference.
mkdirSync(join(ROOT, ".tmp"), { recursive: true });
const dir = mkdtempSync(join(ROOT, ".tmp", "readme-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The TypeScript blocks of a Markdown file, in order. */
function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

describe("README", () => {
  it("its first agent evaluates offline and prints the typed output", async () => {
    const [first] = typescriptBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect(first).toContain("adapter.evaluate(");
    const file = join(dir, "first-agent.ts");
    writeFileSync(file, first ?? "");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--conditions=wink-source", "--import", "tsx", file],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", WEAKINCENTIVES_LOG_LEVEL: "warning" },
        timeout: 60_000,
      },
    );
    expect(stdout.trim()).toBe("[ 'main.ts: the response status is never checked' ]");
  });
});
