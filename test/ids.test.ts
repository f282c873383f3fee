import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eventId } from "../src/ids.js";

describe("eventId", () => {
  it("makes UUID-formatted ids, all distinct, across a change of random prefix", () => {
    const ids = Array.from({ length: 70_000 }, () => eventId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [ids[0], ids[40_000], ids.at(-1)]) expect(z.uuid().safeParse(id).success).toBe(true);
    // More than one random prefix was drawn (one serves 65,536 ids), and each is random.
    const prefixes = [...new Set(ids.map((id) => id.slice(0, 32)))];
    expect(prefixes.length).toBeGreaterThan(1);
    expect(new Set(prefixes.map((prefix) => prefix.slice(0, 8))).size).toBe(prefixes.length);
  });
});
