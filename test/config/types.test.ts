import { describe, expectTypeOf, it } from "vitest";
import { type AgentConfig, type Config, env, loadConfig, type Secret } from "../../src/config/index.js";

describe("types inferred from the spec", () => {
  it("gives each field the type its options imply", () => {
    const spec = {
      name: env.string("NAME"),
      maybe: env.string("MAYBE", { optional: true }),
      withDefault: env.string("WITH_DEFAULT", { optional: true, default: "x" }),
      format: env.string("FORMAT", { choices: ["json", "text"], default: "json" }),
      level: env.string("LEVEL", { choices: ["a", "b"], optional: true }),
      turns: env.int("TURNS", { default: 25, min: 1 }),
      port: env.int("PORT", { optional: true }),
      budget: env.number("BUDGET", { greaterThan: 0 }),
      flag: env.boolean("FLAG", { default: false }),
      maybeFlag: env.boolean("MAYBE_FLAG", { optional: true }),
      endpoint: env.url("ENDPOINT", { optional: true }),
      key: env.secret("KEY"),
      other: env.secret("OTHER", { optional: true }),
      when: env.custom("WHEN", { parse: (raw) => new Date(raw), expected: "a date", fix: "Fix it." }),
    };
    type C = Config<typeof spec>;
    expectTypeOf<C["name"]>().toEqualTypeOf<string>();
    expectTypeOf<C["maybe"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<C["withDefault"]>().toEqualTypeOf<string>();
    expectTypeOf<C["format"]>().toEqualTypeOf<"json" | "text">();
    expectTypeOf<C["level"]>().toEqualTypeOf<"a" | "b" | undefined>();
    expectTypeOf<C["turns"]>().toEqualTypeOf<number>();
    expectTypeOf<C["port"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<C["budget"]>().toEqualTypeOf<number>();
    expectTypeOf<C["flag"]>().toEqualTypeOf<boolean>();
    expectTypeOf<C["maybeFlag"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<C["endpoint"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<C["key"]>().toEqualTypeOf<Secret>();
    expectTypeOf<C["other"]>().toEqualTypeOf<Secret | undefined>();
    expectTypeOf<C["when"]>().toEqualTypeOf<Date>();
    expectTypeOf(loadConfig).returns.not.toBeAny();
  });

  it("types AgentConfig without annotations", () => {
    expectTypeOf<AgentConfig["maxTurns"]>().toEqualTypeOf<number>();
    expectTypeOf<AgentConfig["mailbox"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AgentConfig["anthropicApiKey"]>().toEqualTypeOf<Secret | undefined>();
  });

  it("rejects a default outside the choices at compile time", () => {
    // @ts-expect-error "xml" is not one of the choices
    expectTypeOf(() => env.string("F", { choices: ["json", "text"], default: "xml" })).toBeFunction();
  });
});
