import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WinkError } from "../../src/errors.js";
import { REDACTED, redact } from "../../src/secrets/index.js";

const KEY = "sk-ant-api03-Abc123Def456Ghi789Jkl012";

describe("redact", () => {
  it("replaces values under secret-named keys at any depth", () => {
    expect(redact({ a: { b: [{ apiKey: "k1", name: "n" }] }, password: 1234 })).toEqual({
      a: { b: [{ apiKey: REDACTED, name: "n" }] },
      password: REDACTED,
    });
  });

  it("replaces a whole object under a secret-named key", () => {
    expect(redact({ credentials: { user: "u", pass: "p" } })).toEqual({ credentials: REDACTED });
  });

  it("keeps null, undefined and booleans under secret-named keys", () => {
    expect(redact({ token: null, password: undefined, secret: false })).toEqual({
      token: null,
      password: undefined,
      secret: false,
    });
  });

  it("redacts secrets inside ordinary strings and keys", () => {
    expect(redact({ [`by ${KEY}`]: `uses ${KEY}` })).toEqual({ [`by ${REDACTED}`]: `uses ${REDACTED}` });
  });

  it("keeps numbers, booleans and non-secret structure", () => {
    const value = { count: 3, ok: true, list: [1, "two", null], nested: { inputTokens: 10 } };
    expect(redact(value)).toEqual(value);
  });

  it("does not mutate its input", () => {
    const input = { token: "t-123", list: [`x ${KEY}`] };
    const copy = structuredClone(input);
    const out = redact(input);
    expect(input).toEqual(copy);
    expect(out).not.toBe(input);
  });

  it("survives cycles and keeps them in the copy", () => {
    const node: Record<string, unknown> = { name: KEY };
    node.self = node;
    const out = redact(node) as Record<string, unknown>;
    expect(out.name).toBe(REDACTED);
    expect(out.self).toBe(out);
  });

  it("redacts an error's message, stack and cause and keeps its prototype", () => {
    const error = new WinkError("internal", `failed with ${KEY}`, { cause: new Error(`inner ${KEY}`) });
    const out = redact(error);
    expect(out).toBeInstanceOf(WinkError);
    expect(out.code).toBe("internal");
    expect(out.message).toBe(`failed with ${REDACTED}`);
    expect(out.stack).not.toContain(KEY);
    expect((out.cause as Error).message).toBe(`inner ${REDACTED}`);
    expect(error.message).toContain(KEY);
  });

  it("redacts Maps by key name and value, and Sets by value", () => {
    const out = redact({
      m: new Map<unknown, unknown>([
        ["apiKey", "x"],
        [1, KEY],
      ]),
      s: new Set([KEY]),
    });
    expect(out.m).toEqual(
      new Map<unknown, unknown>([
        ["apiKey", REDACTED],
        [1, REDACTED],
      ]),
    );
    expect(out.s).toEqual(new Set([REDACTED]));
  });

  it("returns Dates, RegExps and buffers as they are", () => {
    const when = new Date(0);
    const bytes = new Uint8Array([1, 2]);
    const pattern = /x/;
    const out = redact({ when, bytes, pattern });
    expect(out.when).toBe(when);
    expect(out.bytes).toBe(bytes);
    expect(out.pattern).toBe(pattern);
  });

  it("turns class instances into plain objects of their redacted fields", () => {
    class Client {
      apiKey = "k";
      host = "h";
    }
    const out = redact(new Client());
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect({ ...out }).toEqual({ apiKey: REDACTED, host: "h" });
  });

  it("redacts a bare string", () => {
    expect(redact(`key ${KEY}`)).toBe(`key ${REDACTED}`);
  });

  it("keeps objects without a prototype prototype-less", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { secret: "s" });
    expect(Object.getPrototypeOf(redact(bare))).toBe(null);
  });
});

describe("redact on a flat record (the fast path log contexts take)", () => {
  it("gives the same result as the general walk over the same fields", () => {
    const keys = fc.constantFrom(
      "user",
      "apiKey",
      "password",
      "note",
      "count",
      "token=1",
      "ok",
      "sk-ant-api03-AAAABBBBCCCCDDDD",
    );
    const values = fc.oneof(
      fc.constantFrom("ada", "token=xyz", "Bearer abcdefghijklmnop", "sk-proj-0123456789abcdefghij"),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(fc.dictionary(keys, values), (flat) => {
        // Nested, the record goes through the general walk; alone, through the fast path.
        const general = (redact({ wrapper: flat }) as { wrapper: unknown }).wrapper;
        expect(redact(flat)).toEqual(general);
      }),
    );
  });
});
