/**
 * The checks of the adapter conformance suite for what surrounds the loop: task completion,
 * feedback and workspace confinement. Internal to the suite.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolInvoked } from "../../events/index.js";
import { Feedback, Prompt, SessionPredicateChecker, StaticFeedback } from "../../prompt/index.js";
import { Binding, ResourceRegistry } from "../../resources/index.js";
import { Session } from "../../session/index.js";
import { HostMount, Workspace, WorkspaceKey } from "../../workspace/index.js";
import { turn } from "../model-server/turns.js";
import { type Check, calledIds, invocations, lookupCall, withHarness } from "./cases.js";
import { conformanceTemplate, ENTITY_NAME, workspaceTemplate } from "./fixtures.js";
import type { AdapterConformanceFactory } from "./types.js";
import { newInput, toolResultFor } from "./wire.js";

const MISSING = "look up entity 42 with the lookup tool before answering";
const NOT_COMPLETE = `Your task is not complete: ${MISSING}`;
const FEEDBACK = "Cite the entity id in your answer.";

/** Paths of the workspace case: a host checkout, a secret beside it and beside the workspace. */
interface WorkspaceFixture {
  readonly base: string;
  readonly secret: string;
  readonly note: string;
  readonly workspace: Workspace;
}

/**
 * A workspace holding a copy of `base/repo` (writable, so a link can be planted in the copy),
 * created in `base/workspaces`; `secret.txt` sits beside the checkout and beside the workspace, and
 * `repo/up` in the copy is a link to `base`.
 */
function plantWorkspace(): WorkspaceFixture {
  const tag = randomUUID().slice(0, 8);
  const base = mkdtempSync(join(tmpdir(), "wink-conformance-"));
  const secret = `CONFORMANCE-SECRET-${tag}`;
  const note = `Mounted note ${tag}.`;
  try {
    mkdirSync(join(base, "repo"));
    mkdirSync(join(base, "workspaces"));
    writeFileSync(join(base, "repo", "notes.md"), `${note}\n`);
    writeFileSync(join(base, "secret.txt"), `${secret}\n`);
    writeFileSync(join(base, "workspaces", "secret.txt"), `${secret}\n`);
    const workspace = Workspace.create({
      mounts: [new HostMount({ hostPath: join(base, "repo"), mountPath: "repo", readOnly: false })],
      allowedHostRoots: [base],
      parentDir: join(base, "workspaces"),
    });
    // Planted after the copy: a link out in the host checkout would fail the mount itself.
    symlinkSync(base, join(workspace.root, "repo", "up"));
    return { base, secret, note, workspace };
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

function readFile(factory: AdapterConformanceFactory, id: string, path: string) {
  return { id, name: factory.dialect.toolName("read_file"), arguments: { path } };
}

export const GUIDANCE_CHECKS: readonly Check[] = [
  {
    capability: "taskCompletion",
    name: "sends a model that stops before the task is complete back with what is missing, and returns its later answer",
    run: (factory) => {
      const script = [
        turn.text("All done."),
        turn.toolCalls([lookupCall(factory, "call_lookup", { entityId: "42" })]),
        turn.text(`Entity 42 is ${ENTITY_NAME}.`),
      ];
      const checker = new SessionPredicateChecker({
        predicate: (session) => session.slice(ToolInvoked).exists((e) => e.name === "lookup" && e.success),
        feedback: MISSING,
      });
      return withHarness(factory, script, async ({ adapter, server }) => {
        const session = new Session();
        const prompt = new Prompt(conformanceTemplate({ key: "task-completion", taskCompletion: checker }));
        const response = await adapter.evaluate(prompt, { session });

        assert.equal(response.text, `Entity 42 is ${ENTITY_NAME}.`);
        assert.equal(server.requests.length, 3, "the early stop, the tool call, the answer");
        const [first, second] = server.requests;
        assert.ok(first && second);
        assert.ok(
          !JSON.stringify(first.body).includes(NOT_COMPLETE),
          "nothing is missing before the first stop",
        );
        const sent = newInput(second);
        assert.ok(sent.includes(NOT_COMPLETE), `the model is told what is missing; it got: ${sent}`);
        assert.deepEqual(invocations(session), [["lookup", true]]);
      });
    },
  },
  {
    capability: "feedback",
    name: "delivers a due feedback provider's text to the model with the tool results and records it in the session",
    run: (factory) => {
      const script = [
        turn.toolCalls([lookupCall(factory, "call_lookup", { entityId: "42" })]),
        turn.text(`Entity 42 is ${ENTITY_NAME}.`),
      ];
      const provider = new StaticFeedback({
        name: "conformance",
        summary: FEEDBACK,
        suggestions: ["Be brief."],
      });
      return withHarness(factory, script, async ({ adapter, server }) => {
        const session = new Session();
        const prompt = new Prompt(
          conformanceTemplate({ key: "feedback", feedback: [{ provider, trigger: { everyCalls: 1 } }] }),
        );
        await adapter.evaluate(prompt, { session });

        const next = server.requests[1];
        assert.ok(next, "the model is asked again after the tool call");
        const sent = newInput(next);
        assert.ok(
          sent.includes(`[Feedback from conformance (info)] ${FEEDBACK}`),
          `feedback reaches the model; it got: ${sent}`,
        );
        assert.ok(sent.includes("- Be brief."), "with its suggestions");
        assert.match(
          toolResultFor([next], "call_lookup")?.text ?? "",
          new RegExp(ENTITY_NAME),
          "beside the tool result",
        );
        assert.deepEqual(
          session
            .slice(Feedback)
            .all()
            .map((f) => [f.providerName, f.summary, f.toolCalls]),
          [["conformance", FEEDBACK, 1]],
        );
      });
    },
  },
  {
    capability: "workspace",
    name: "confines read_file to the workspace: paths out through .., an absolute path or a symbolic link are refused, the secret never reaches the model or the session, and mounted files read",
    run: async (factory) => {
      const fixture = plantWorkspace();
      const { base, secret, note, workspace } = fixture;
      const script = [
        turn.toolCalls([
          readFile(factory, "call_up", "../secret.txt"),
          readFile(factory, "call_absolute", join(base, "secret.txt")),
          readFile(factory, "call_link", "repo/up/secret.txt"),
          readFile(factory, "call_mounted", "repo/notes.md"),
        ]),
        turn.text("The note is read."),
      ];
      try {
        await withHarness(factory, script, async ({ adapter, server }) => {
          const session = new Session();
          const prompt = new Prompt(workspaceTemplate()).bind(
            {},
            { resources: ResourceRegistry.of(Binding.instance(WorkspaceKey, workspace)) },
          );
          await adapter.evaluate(prompt, { session });

          const expectations: [string, RegExp][] = [
            ["call_up", /leaves the workspace/],
            ["call_absolute", /absolute/],
            ["call_link", /symbolic link/],
            ["call_mounted", new RegExp(note.replace(/\./g, "\\."))],
          ];
          for (const [id, pattern] of expectations) {
            const result = toolResultFor(server.requests, id);
            assert.ok(result, `the result of ${id} reaches the model`);
            assert.match(result.text, pattern, `${id}`);
          }
          for (const request of server.requests) {
            assert.ok(
              !JSON.stringify(request.body).includes(secret),
              `request ${request.index} holds the secret`,
            );
          }
          assert.ok(
            !session.snapshot().serialize().includes(secret),
            "the session snapshot holds the secret",
          );
          assert.deepEqual(
            calledIds(session),
            [
              ["call_absolute", "read_file", false],
              ["call_link", "read_file", false],
              ["call_mounted", "read_file", true],
              ["call_up", "read_file", false],
            ],
            "ToolInvoked records each refusal as a failure and the mounted read as a success, under its own call id",
          );
        });
      } finally {
        await workspace.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  },
];
