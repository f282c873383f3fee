import { describe, expect, it } from "vitest";
import { dedent, formatValue, parseTemplateText, substitute } from "../../src/prompt/template-text.js";

describe("template text", () => {
  it("finds ${name} placeholders in order, once each", () => {
    expect(parseTemplateText("${a} and ${b} and ${a}").placeholders).toEqual(["a", "b"]);
  });

  it("writes $${ as a literal ${ and leaves other dollars alone", () => {
    const parsed = parseTemplateText("cost $5, home $HOME, literal $${x}, value ${v}");
    expect(parsed.placeholders).toEqual(["v"]);
    expect(substitute(parsed, { v: 1 })).toBe("cost $5, home $HOME, literal ${x}, value 1");
  });

  it("rejects an unclosed placeholder naming where and the fix", () => {
    expect(() => parseTemplateText("oops ${name", 'section "x" template')).toThrow(
      /Unclosed placeholder in section "x" template at offset 5.*\$\$\{/,
    );
  });

  it("rejects an invalid placeholder name", () => {
    expect(() => parseTemplateText("${user.name}")).toThrow(/Invalid placeholder \$\{user.name\}/);
    expect(() => parseTemplateText("${ spaced }")).toThrow(/Invalid placeholder/);
  });

  it("formats values: strings verbatim, scalars as text, objects as JSON, absent as empty", () => {
    expect(formatValue("s")).toBe("s");
    expect(formatValue(3)).toBe("3");
    expect(formatValue(false)).toBe("false");
    expect(formatValue(undefined)).toBe("");
    expect(formatValue({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
  });

  it("dedents indented templates and trims blank edges", () => {
    expect(dedent("\n    line one\n      nested\n    line two   \n\n")).toBe("line one\n  nested\nline two");
  });
});
