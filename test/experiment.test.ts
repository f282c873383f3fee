import { describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { isWinkError } from "../src/errors.js";
import { BASELINE, type Experiment, experiment } from "../src/experiment.js";
import { Prompt } from "../src/prompt/index.js";
import { InMemoryMailbox } from "../src/runtime/mailbox/index.js";
import { MainLoop, type MainLoopResult } from "../src/runtime/main-loop/index.js";
import {
  type AnswerT,
  envelope,
  Question,
  scripted,
  template,
  uniqueName,
} from "./runtime/main-loop/fixtures.js";

describe("experiment()", () => {
  it("builds a frozen experiment and checks its name and tag", () => {
    const strict = experiment("strict-review", { overridesTag: "strict", flags: { maxIssues: 3 } });
    expect(strict).toEqual({ name: "strict-review", overridesTag: "strict", flags: { maxIssues: 3 } });
    expect(Object.isFrozen(strict)).toBe(true);
    expect(BASELINE).toEqual({ name: "baseline" });
    for (const [name, tag] of [
      ["", undefined],
      ["has space", undefined],
      ["ok", "Upper"],
    ] as const) {
      let caught: unknown;
      try {
        experiment(name, tag === undefined ? {} : { overridesTag: tag });
      } catch (error) {
        caught = error;
      }
      expect(isWinkError(caught) && caught.code).toBe("evaluation_invalid");
      expect(String(caught)).toContain(JSON.stringify(name));
    }
  });
});

describe("a request's experiment", () => {
  it("reaches prepare from the envelope and tags the session", async () => {
    const clock = new FakeClock();
    const requests = new InMemoryMailbox<unknown, MainLoopResult<AnswerT>>({
      name: uniqueName("requests"),
      clock,
    });
    const results = new InMemoryMailbox<MainLoopResult<AnswerT>>({ name: uniqueName("results"), clock });
    const seen: (Experiment | undefined)[] = [];
    const tags: Record<string, string>[] = [];
    const loop = new MainLoop({
      adapter: scripted([{ text: '{"answer": "a"}' }, { text: '{"answer": "b"}' }]).adapter,
      requests,
      requestSchema: Question,
      clock,
      config: { waitTimeSeconds: 0 },
      prepare: (request, context) => {
        seen.push(context.experiment);
        tags.push({ ...context.session.tags });
        return new Prompt(template, { overridesTag: context.experiment?.overridesTag }).bind({
          question: request,
        });
      },
      finalize: (_prompt, session) => {
        tags.push({ ...session.tags });
      },
    });
    const strict = experiment("strict", { overridesTag: "strict" });
    await requests.send({ ...envelope("q", "r1"), experiment: strict }, { replyTo: results });
    await requests.send(envelope("q", "r2"), { replyTo: results });
    await loop.run({ maxIterations: 2 });
    expect(seen).toEqual([strict, undefined]);
    expect(tags[1]).toMatchObject({ requestId: "r1", experiment: "strict" });
    expect(tags[3]?.experiment).toBeUndefined();
    const replies = await results.receive({ maxMessages: 2 });
    expect(replies.map((reply) => reply.body.success)).toEqual([true, true]);
  });

  it("an envelope with an invalid experiment is dead-lettered, not run", async () => {
    const clock = new FakeClock();
    const requests = new InMemoryMailbox<unknown, MainLoopResult<AnswerT>>({
      name: uniqueName("requests"),
      clock,
    });
    const results = new InMemoryMailbox<MainLoopResult<AnswerT>>({ name: uniqueName("results"), clock });
    let prepared = 0;
    const loop = new MainLoop({
      adapter: scripted([{ text: '{"answer": "a"}' }]).adapter,
      requests,
      requestSchema: Question,
      clock,
      config: { waitTimeSeconds: 0 },
      prepare: (request) => {
        prepared++;
        return new Prompt(template).bind({ question: request });
      },
    });
    await requests.send(
      { ...envelope("q", "r1"), experiment: { name: "x", overridesTag: "Bad Tag" } },
      { replyTo: results },
    );
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(prepared).toBe(0);
    expect(reply?.body.success).toBe(false);
    expect(reply?.body.error?.message).toContain("experiment");
  });
});
