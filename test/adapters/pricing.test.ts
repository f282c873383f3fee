/** The price table: model ids resolved to prices, costs of usages, overrides and price files. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { costOf, loadPriceFile, normalizeModelId, PriceTable } from "../../src/adapters/index.js";
import { isWinkError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "wink-prices-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("normalizeModelId", () => {
  it("strips snapshot dates, Bedrock prefixes and versions, and context tags", () => {
    expect(normalizeModelId("claude-sonnet-4-5-20250929")).toBe("claude-sonnet-4-5");
    expect(normalizeModelId("gpt-4.1-mini-2025-04-14")).toBe("gpt-4.1-mini");
    expect(normalizeModelId("us.anthropic.claude-sonnet-4-6-v1:0")).toBe("claude-sonnet-4-6");
    expect(normalizeModelId("anthropic.claude-3-5-haiku-20241022-v1:0")).toBe("claude-3-5-haiku");
    expect(normalizeModelId("global.anthropic.claude-opus-4-5-20251101-v1:0")).toBe("claude-opus-4-5");
    expect(normalizeModelId("Claude-Sonnet-4-6[1m]")).toBe("claude-sonnet-4-6");
  });
});

describe("PriceTable", () => {
  it("knows the models the adapters default to, and their relatives by id", () => {
    const table = PriceTable.builtIn();
    expect(table.lookup("claude-sonnet-4-6")).toMatchObject({
      input: 3,
      output: 15,
      cacheRead: 0.3,
      cacheWrite: 3.75,
    });
    expect(table.lookup("gpt-4.1-mini")).toMatchObject({
      input: 0.4,
      output: 1.6,
      cacheRead: 0.1,
      cacheWrite: 0.4,
    });
    expect(table.lookup("us.anthropic.claude-sonnet-4-6")).toBe(table.lookup("claude-sonnet-4-6"));
    // A neighbour is not a match: an unknown variant has no price rather than a wrong one.
    expect(table.lookup("gpt-4.1-mini-high")).toBeUndefined();
    expect(table.models()).toContain("claude-haiku-4-5");
  });

  it("lets given prices win over the built-in ones and add models", () => {
    const table = PriceTable.builtIn().with({
      "gpt-4.1-mini": { input: 1, output: 2 },
      "my-model": { input: 4, output: 8, cacheRead: 1 },
    });
    expect(table.lookup("gpt-4.1-mini")).toMatchObject({ input: 1, output: 2, cacheRead: 1, cacheWrite: 1 });
    expect(table.lookup("my-model-2026-01-01")).toMatchObject({
      model: "my-model",
      cacheRead: 1,
      cacheWrite: 4,
    });
    expect(PriceTable.builtIn().lookup("my-model")).toBeUndefined();
  });

  it("refuses invalid prices and unknown models with errors naming the model and the fix", () => {
    const invalid = (() => {
      try {
        return new PriceTable({ broken: { input: -1, output: 2 } });
      } catch (error) {
        return error;
      }
    })();
    expect(isWinkError(invalid) && invalid.code).toBe("invalid_config");
    expect((invalid as Error).message).toContain('Invalid price for model "broken"');
    expect(() => PriceTable.builtIn().require("no-such-model")).toThrow(
      /No price is known for model "no-such-model".*`prices` option.*AGENT_PRICES_FILE/,
    );
  });
});

describe("costOf", () => {
  it("prices fresh, cache-read, cache-written and output tokens at their rates", () => {
    const price = PriceTable.builtIn().require("claude-sonnet-4-6");
    // 10,000 input of which 6,000 read from and 2,000 written to the cache; 1,000 output.
    const cost = costOf(
      { inputTokens: 10_000, cachedTokens: 6_000, cacheWriteTokens: 2_000, outputTokens: 1_000 },
      price,
    );
    expect(cost).toBeCloseTo((2_000 * 3 + 6_000 * 0.3 + 2_000 * 3.75 + 1_000 * 15) / 1e6, 12);
    expect(costOf(undefined, price)).toBe(0);
    expect(costOf({}, price)).toBe(0);
  });

  it("makes a cached request cheaper than the same request uncached", () => {
    const price = PriceTable.builtIn().require("gpt-4.1-mini");
    const cold = costOf({ inputTokens: 50_000, outputTokens: 100 }, price);
    const warm = costOf({ inputTokens: 50_000, cachedTokens: 40_000, outputTokens: 100 }, price);
    expect(warm).toBeLessThan(cold);
  });
});

describe("loadPriceFile", () => {
  it("puts a JSON file's prices over the built-in table", () => {
    const path = join(dir, "prices.json");
    writeFileSync(path, JSON.stringify({ "ft:gpt-4.1-mini:acme": { input: 0.8, output: 3.2 } }));
    const table = loadPriceFile(path);
    expect(table.lookup("ft:gpt-4.1-mini:acme")).toMatchObject({ input: 0.8, output: 3.2 });
    expect(table.lookup("claude-sonnet-4-6")).toBeDefined();
  });

  it("names the file and the problem when it is missing, not JSON, or not an object", () => {
    expect(() => loadPriceFile(join(dir, "absent.json"))).toThrow(
      /Could not read the prices file .*absent\.json/,
    );
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ nope");
    expect(() => loadPriceFile(bad)).toThrow(/must be JSON/);
    const list = join(dir, "list.json");
    writeFileSync(list, "[1, 2]");
    expect(() => loadPriceFile(list)).toThrow(/must hold a JSON object of model id → price, got an array/);
  });
});
