import { describe, expect, it } from "vitest";
import { parseFrontmatter } from "../../src/skills/frontmatter.js";

const FILE = "/skills/demo/SKILL.md";

function parse(lines: string, body = "Body.") {
  const result = parseFrontmatter(`---\n${lines}\n---\n\n${body}\n`, FILE);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join("\n"));
  return result.value;
}

function problems(text: string): string[] {
  const result = parseFrontmatter(text, FILE);
  if (result.ok) throw new Error("expected issues");
  for (const issue of result.issues) expect(issue.file).toBe(FILE);
  return result.issues.map((i) => i.message);
}

describe("the frontmatter subset", () => {
  it("reads plain, double-quoted and single-quoted values as strings", () => {
    const parsed = parse(
      [
        "name: demo",
        'description: "Use when: the task says \\"demo\\"\\n"',
        "license: 'Apache-2.0 (it''s fine)'",
        "compatibility: needs git # a comment",
      ].join("\n"),
    );
    expect(Object.fromEntries(parsed.scalars)).toEqual({
      name: "demo",
      description: 'Use when: the task says "demo"\n',
      license: "Apache-2.0 (it's fine)",
      compatibility: "needs git",
    });
  });

  it("reads one level of indented entries as a map of strings", () => {
    const parsed = parse(
      'name: demo\nmetadata:\n  owner: wink\n  version: "1.0"\n  # comment\n\n  empty: ""',
    );
    expect(Object.fromEntries(parsed.maps.get("metadata") ?? [])).toEqual({
      owner: "wink",
      version: "1.0",
      empty: "",
    });
  });

  it("keeps the body after the closing fence, without leading blank lines", () => {
    expect(parse("name: demo", "# Title\n\ntext  ").body).toBe("# Title\n\ntext");
  });

  it("accepts CRLF line endings and a byte-order mark", () => {
    const result = parseFrontmatter("\uFEFF---\r\nname: demo\r\n---\r\nBody\r\n", FILE);
    expect(result.ok && result.value.scalars.get("name")).toBe("demo");
  });

  it("treats a key with no value and no entries as empty", () => {
    expect(parse("name: demo\nlicense:").scalars.get("license")).toBe("");
  });

  it("refuses a file without an opening fence", () => {
    expect(problems("name: demo\n")[0]).toMatch(/must start with a "---" line/);
  });

  it("refuses a frontmatter that is never closed", () => {
    expect(problems("---\nname: demo\n")[0]).toMatch(/never closed/);
  });

  it.each([
    ["a list item", "allowed-tools:\n  - Read", /line 3 is a YAML list item/],
    ["a line that is not key: value", "just words", /line 2 is not a "key: value" line/],
    ["a repeated key", "name: a\nname: b", /line 3 repeats the field "name"/],
    [
      "an indented line after a value",
      "name: a\n  owner: x",
      /line 3 is indented but follows no "key:" line/,
    ],
    ["two levels of nesting", "metadata:\n  a: b\n    c: d", /line 4 is indented by 4 spaces/],
    ["a tab", "metadata:\n\towner: x", /line 3 is indented with a tab/],
    ["a block scalar", "description: |", /\(description\) starts with "\|"/],
    ["a flow list", "allowed-tools: [Read, Grep]", /\(allowed-tools\) starts with "\["/],
    ["an unquoted colon", "description: Use when: reviewing", /\(description\) holds ": "/],
    ["an unclosed quote", 'description: "open', /not closed on this line/],
    ["text after a quote", "description: 'a' b", /text after the closing quote/],
    ["an unknown escape", 'description: "\\q"', /escape JSON does not know/],
    ["an empty map entry", "metadata:\n  owner:", /gives "metadata.owner" no value/],
    ["a repeated map entry", "metadata:\n  a: x\n  a: y", /repeats "metadata.a"/],
  ])("refuses %s, naming the line", (_what, lines, message) => {
    expect(problems(`---\n${lines}\n---\n`).join("\n")).toMatch(message);
  });
});
