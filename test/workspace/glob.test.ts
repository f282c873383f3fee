/** Glob patterns over workspace paths, as mounts and the glob tool use them. */
import { describe, expect, it } from "vitest";
import { globCacheSize } from "../../src/filesystem/glob.js";
import { globMatcher, globToRegExp, matchesGlob } from "../../src/filesystem/index.js";

describe("matchesGlob", () => {
  it.each([
    ["a/b.pem", "*.pem", true],
    [".env", ".env", true],
    ["x/.env", ".env", true],
    ["x/.envrc", ".env", false],
    ["src/a.ts", "src/**/*.ts", true],
    ["src/x/y/a.ts", "src/**/*.ts", true],
    ["src/a.js", "src/**/*.ts", false],
    ["lib/src/a.ts", "src/**/*.ts", false],
    [".git/objects/ab/cd", ".git/objects/", true],
    [".git/HEAD", ".git/objects/", false],
    ["id_rsa", "id_*", true],
    ["a/id_rsa.pub", "id_*", true],
    ["a.ts", "{a,b}.ts", true],
    ["c.ts", "{a,b}.ts", false],
    ["a1", "a[0-9]", true],
    ["ab", "a[!b]", false],
    ["ac", "a[!b]", true],
    ["a/b", "a?b", false],
    ["axb", "a?b", true],
    ["x", "**", true],
    ["a/b/c", "**", true],
    ["a/b", "./a/b", true],
    ["a.b", "a.b", true],
    ["axb", "a.b", false],
    ["a+b(c)", "a+b(c)", true],
  ])("%s against %s is %s", (path, pattern, expected) => {
    expect(matchesGlob(path, pattern)).toBe(expected);
  });

  it("caches compiled patterns", () => {
    expect(globToRegExp("src/**")).toBe(globToRegExp("src/**"));
  });

  it("keeps its cache bounded however many patterns a model sends", () => {
    for (let i = 0; i < 1_000; i++) globToRegExp(`generated-${i}/**`);
    expect(globCacheSize()).toBeGreaterThan(0);
    expect(globCacheSize()).toBeLessThanOrEqual(256);
    expect(matchesGlob("generated-999/a", "generated-999/**")).toBe(true);
  });

  it("rejects malformed patterns, naming them", () => {
    expect(() => globToRegExp("")).toThrow(/empty/);
    expect(() => globToRegExp("a[bc")).toThrow(/"a\[bc" has a "\[" without its "\]"/);
    expect(() => globToRegExp("{a,b")).toThrow(/without its "\}"/);
  });

  it("matches any of several patterns", () => {
    const secret = globMatcher([".env", "*.pem"]);
    expect(secret("deploy/server.pem")).toBe(true);
    expect(secret("src/main.ts")).toBe(false);
    expect(globMatcher([])("anything")).toBe(false);
  });
});
