import { describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  describeThrown,
  errorTypeName,
  isWinkError,
  OutputParseError,
  PromptError,
  PromptValidationError,
  VisibilityExpansionRequired,
  WinkError,
} from "../src/errors.js";

describe("WinkError", () => {
  it("carries a code, frozen details and the subclass name", () => {
    const err = new PromptValidationError("Unknown placeholder ${x}.", { details: { placeholder: "x" } });
    expect(err.code).toBe("prompt_validation");
    expect(err.name).toBe("PromptValidationError");
    expect(err).toBeInstanceOf(PromptError);
    expect(err.details).toEqual({ placeholder: "x" });
    expect(Object.isFrozen(err.details)).toBe(true);
  });

  it("wrap keeps the original as cause and passes WinkErrors through", () => {
    const original = new TypeError("boom");
    const wrapped = WinkError.wrap(original, "internal", "While closing");
    expect(wrapped.cause).toBe(original);
    expect(wrapped.message).toBe("While closing: TypeError: boom");
    expect(WinkError.wrap(wrapped)).toBe(wrapped);
  });

  it("isWinkError narrows by code", () => {
    const err = new BudgetExceededError("total_tokens", "over");
    expect(isWinkError(err)).toBe(true);
    expect(isWinkError(err, "budget_exceeded")).toBe(true);
    expect(isWinkError(err, "deadline_exceeded")).toBe(false);
    expect(isWinkError(new Error("x"))).toBe(false);
    expect(err.details.dimension).toBe("total_tokens");
  });

  it("OutputParseError keeps the raw text and issues", () => {
    const err = new OutputParseError("bad", "{oops", [{ path: "summary", message: "Required" }]);
    expect(err.rawText).toBe("{oops");
    expect(err.issues).toEqual([{ path: "summary", message: "Required" }]);
  });

  it("VisibilityExpansionRequired names the requested sections", () => {
    const err = new VisibilityExpansionRequired(["reference/api", "guide"], "needs detail");
    expect(err.sectionKeys).toEqual(["reference/api", "guide"]);
    expect(err.message).toContain('"reference/api", "guide"');
    expect(err.message).toContain("needs detail");
  });
});

describe("describeThrown / errorTypeName", () => {
  it("describes any thrown value", () => {
    expect(describeThrown(new RangeError("r"))).toBe("RangeError: r");
    expect(describeThrown("plain")).toBe("plain");
    expect(describeThrown({ a: 1 })).toBe('{"a":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeThrown(cyclic)).toBe("[object Object]");
    expect(describeThrown(undefined)).toBe("undefined");
  });

  it("names error types stably", () => {
    expect(errorTypeName(new RangeError("x"))).toBe("RangeError");
    expect(errorTypeName(new PromptValidationError("x"))).toBe("PromptValidationError");
    expect(errorTypeName(null)).toBe("null");
    expect(errorTypeName("s")).toBe("string");
  });
});
