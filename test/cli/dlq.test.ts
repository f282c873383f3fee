/**
 * `wink dlq` as a real process against dead letters in Redis (and once in SQS, fauxqs): `list` (table and JSON), `show`
 * (text and JSON), `redrive` (by id, to another queue, all, a target that is down), with secrets
 * redacted everywhere, and an error naming the fix for bad URLs, unknown ids, a missing choice and
 * an unreachable broker.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { RedisMailbox } from "../../src/contrib/mailbox/redis/index.js";
import { SQSMailbox } from "../../src/contrib/mailbox/sqs/index.js";
import { type DeadLetter, deadLetterFor, type Mailbox } from "../../src/runtime/mailbox/index.js";
import {
  cleanup,
  closedPort,
  describeRedis,
  newClient,
  uniqueName,
} from "../contrib/mailbox/redis/helpers.js";
import { startSqs, TEST_CREDENTIALS } from "../contrib/mailbox/sqs/fauxqs.js";

const run = promisify(execFile);
// Per test: each `wink` child loads tsx and the CLI (about a second on an idle machine, several on
// a loaded one) and a test runs up to four in a row, or seven at once; the default 20 s timed out
// with the machine's cores busy.
vi.setConfig({ testTimeout: 90_000 });
const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "src", "cli", "bin.ts");
const SECRET = "sk-proj-SECRETSECRETSECRET0123";

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Dummy credentials for the local SQS server, and the SDK's Node 20 warning off. */
const SQS_ENV = {
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/**
 * Loaded first in every child: the local SQS server names its queues `sqs.REGION.localhost`,
 * which this resolves to 127.0.0.1 (as the fault tests' worker fixture does).
 */
const LOCALHOST_DNS = `data:text/javascript,import { interceptLocalhostDns } from ${JSON.stringify(
  import.meta.resolve("fauxqs"),
)}; interceptLocalhostDns();`;

async function wink(...args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--conditions=wink-source", "--import", "tsx", "--import", LOCALHOST_DNS, BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...SQS_ENV }, timeout: 30_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const url = (queue: string): string => `redis://127.0.0.1:6379/0?queue=${queue}`;

/** A source queue, its reply queue and its DLQ holding two letters: one as MainLoop writes it, one written by hand with a secret in it. */
async function seeded() {
  const client = newClient();
  const source = uniqueName("reviews");
  const requests = new RedisMailbox({ name: source, client });
  const dlq = new RedisMailbox<DeadLetter>({ name: `${source}-dlq`, client, ttlSeconds: 0 });
  await requests.send({ request: { question: "q1" }, requestId: "req-1" }, { replyTo: `${source}-replies` });
  const [message] = await requests.receive();
  const letter = deadLetterFor(message!, new TypeError("cannot read the question"), {
    sourceMailbox: source,
    at: new Date(Date.now() - 3 * 3_600_000),
    requestId: "req-1",
  });
  await dlq.send({ ...letter, deliveryCount: 5 });
  await message!.acknowledge();
  await dlq.send({
    messageId: "m-2",
    body: { request: { question: "q2", note: `token=${SECRET}` }, requestId: "req-2" },
    sourceMailbox: source,
    deliveryCount: 2,
    lastError: `upstream said: Authorization: Bearer ${SECRET}`,
    lastErrorType: "ProviderError",
    lastErrorCode: "prompt_evaluation",
    deadLetteredAt: new Date(Date.now() - 90_000).toISOString(),
    firstReceivedAt: new Date(Date.now() - 120_000).toISOString(),
    requestId: "req-2",
  });
  return { source, requests, dlq, dlqUrl: url(`${source}-dlq`) };
}

async function bodies(
  mailbox: Mailbox<unknown>,
): Promise<{ requestId: string; replyTo: string | undefined }[]> {
  const received = await mailbox.receive({ maxMessages: 10 });
  return received
    .map((m) => ({ requestId: (m.body as { requestId: string }).requestId, replyTo: m.replyTo }))
    .sort((a, b) => a.requestId.localeCompare(b.requestId));
}

afterAll(async () => {
  await cleanup();
});

describeRedis("wink dlq on Redis", () => {
  it("lists letters as a table and as JSON lines, with reason, attempts and age, secrets redacted", async () => {
    const { dlqUrl } = await seeded();
    // One after the other: while a reader holds the letters, other readers do not see them.
    const table = await wink("dlq", "list", dlqUrl);
    const json = await wink("dlq", "list", dlqUrl, "--json");
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^LETTER\s+REQUEST\s+ERROR\s+ATTEMPTS\s+AGE\s+REASON$/);
    expect(lines[1]).toMatch(/req-1\s+TypeError\s+5\s+3h\s+cannot read the question$/);
    expect(lines[2]).toMatch(
      /req-2\s+ProviderError\s+2\s+1m\s+upstream said: Authorization: Bearer \[REDACTED\]$/,
    );
    expect(lines[3]).toBe(`2 dead letters in ${dlqUrl}`);

    expect(json.code).toBe(0);
    const rows = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as DeadLetter & { letterId: string });
    expect(rows.map((r) => [r.requestId, r.deliveryCount, r.lastErrorType])).toEqual([
      ["req-1", 5, "TypeError"],
      ["req-2", 2, "ProviderError"],
    ]);
    expect(rows[1]?.body).toEqual({
      request: { question: "q2", note: "token=[REDACTED]" },
      requestId: "req-2",
    });
    expect(table.stdout + json.stdout).not.toContain(SECRET);
  });

  it("shows one letter by letter id or message id, as text or JSON", async () => {
    const { dlqUrl, source } = await seeded();
    const listed = await wink("dlq", "list", dlqUrl, "--json");
    const second = JSON.parse(listed.stdout.trim().split("\n")[1] ?? "") as { letterId: string };
    const text = await wink("dlq", "show", dlqUrl, second.letterId);
    const json = await wink("dlq", "show", dlqUrl, "m-2", "--json");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`letter      ${second.letterId}`);
    expect(text.stdout).toContain("request     req-2");
    expect(text.stdout).toContain(`source      ${source}`);
    expect(text.stdout).toContain("error       ProviderError (prompt_evaluation)");
    expect(text.stdout).toContain("attempts    2");
    expect(text.stdout).toMatch(/dead since {2}\S+ \(1m ago\)/);
    expect(text.stdout).toContain('    "note": "token=[REDACTED]"');
    expect(JSON.parse(json.stdout)).toMatchObject({ letterId: second.letterId, requestId: "req-2" });
    expect(text.stdout + json.stdout).not.toContain(SECRET);
  });

  it("redrives one letter to another queue, then all to their source queue, reply address kept", async () => {
    const { dlqUrl, source, requests } = await seeded();
    const other = uniqueName("other");
    const one = await wink("dlq", "redrive", dlqUrl, "--id", "m-2", "--to", url(other));
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(
      new RegExp(`^sent {7}\\S+ {2}req-2 {2}-> ${other} \\(new message \\S+\\)$`, "m"),
    );
    expect(one.stdout).toContain("1 sent back, 0 kept in the DLQ, 0 not found");
    expect(await bodies(new RedisMailbox({ name: other, client: newClient() }))).toEqual([
      { requestId: "req-2", replyTo: undefined },
    ]);

    const all = await wink("dlq", "redrive", dlqUrl, "--all");
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(`req-1  -> ${source}`);
    expect(all.stdout).toContain("1 sent back, 0 kept in the DLQ, 0 not found");
    expect(await bodies(requests)).toEqual([{ requestId: "req-1", replyTo: `${source}-replies` }]);
    const after = await wink("dlq", "list", dlqUrl);
    expect(after.stdout).toContain(`0 dead letters in ${dlqUrl}`);
    const again = await wink("dlq", "redrive", dlqUrl, "--all");
    expect([again.code, again.stdout.trim()]).toEqual([
      0,
      `No dead letters in ${dlqUrl}: nothing to redrive.`,
    ]);
  });

  it("keeps letters whose target is down, exits 1 and says to run it again", async () => {
    const { dlqUrl, dlq } = await seeded();
    const down = `redis://127.0.0.1:${await closedPort()}/0?queue=somewhere`;
    const result = await wink("dlq", "redrive", dlqUrl, "--all", "--to", down);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^kept {7}\S+ {2}req-1 {2}-> .*could not connect/m);
    expect(result.stdout).toContain("0 sent back, 2 kept in the DLQ, 0 not found");
    expect(result.stderr).toContain("wink: 2 letters could not be sent and stayed in");
    expect(result.stderr).toContain("run the same redrive again");
    expect(await dlq.approximateCount()).toBe(2);
  });

  it("names the fix for a bad URL, an unknown id, a missing choice, a bad limit and an unreachable broker", async () => {
    const { dlqUrl, dlq } = await seeded();
    const port = await closedPort();
    // In parallel: the two that read the DLQ look for an id that is not there either way.
    const [bad, memory, unknownShow, unknownRedrive, unchosen, limit, unreachable] = await Promise.all([
      wink("dlq", "list", "kafka://broker/topic"),
      wink("dlq", "list", "memory://reviews-dlq"),
      wink("dlq", "show", dlqUrl, "no-such-id"),
      wink("dlq", "redrive", dlqUrl, "--id", "no-such-id"),
      wink("dlq", "redrive", dlqUrl),
      wink("dlq", "list", dlqUrl, "--limit", "ten"),
      wink("dlq", "show", `redis://:hunter2pass@127.0.0.1:${port}/0?queue=x-dlq`, "abc"),
    ]);
    for (const r of [bad, memory, unknownShow, unknownRedrive, unchosen, limit, unreachable]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^wink: /);
    }
    expect(bad.stderr).toContain(
      'Mailbox URL "kafka://broker/topic" is not one this build opens. Use memory://',
    );
    expect(memory.stderr).toContain("in-memory queue of this process only");
    expect(unknownShow.stderr).toContain(
      `No dead letter "no-such-id" in ${dlqUrl}: \`wink dlq list ${dlqUrl}\``,
    );
    expect(unknownRedrive.stdout).toContain("not found  no-such-id");
    expect(unknownRedrive.stderr).toContain(`\`wink dlq list ${dlqUrl}\` shows the ids`);
    expect(unchosen.stderr).toContain("Say which letters: --id <id...>");
    expect(limit.stderr).toContain('--limit must be a whole number >= 1, got "ten"');
    expect(unreachable.stderr).toMatch(/could not connect .* Check the Redis URL/);
    expect(unreachable.stderr).not.toContain("hunter2pass");
    expect(await dlq.approximateCount()).toBe(2);
  });
});

describe("wink dlq on SQS", () => {
  it("lists letters and redrives them to the source queue's URL, derived from the DLQ's", async () => {
    const sqs = await startSqs();
    try {
      const [source, dlqQueue] = [await sqs.queue("reviews"), await sqs.queue("reviews-dlq")];
      const dlq = new SQSMailbox<DeadLetter>({ queueUrl: dlqQueue.url, client: sqs.client });
      await dlq.send({
        messageId: "m-1",
        body: { request: { question: "q1" }, requestId: "req-1" },
        sourceMailbox: source.name,
        deliveryCount: 5,
        lastError: "cannot read the question",
        lastErrorType: "TypeError",
        deadLetteredAt: new Date(Date.now() - 60_000).toISOString(),
        firstReceivedAt: new Date(Date.now() - 120_000).toISOString(),
        requestId: "req-1",
        replyTo: `${source.name}-replies`,
      });
      const dlqUrl = `${dlqQueue.url.replace(/^http:/, "sqs:")}?region=us-east-1`;
      const listed = await wink("dlq", "list", dlqUrl);
      expect(listed.stderr).toBe("");
      expect(listed.stdout).toMatch(/req-1\s+TypeError\s+5\s+1m\s+cannot read the question/);
      const redriven = await wink("dlq", "redrive", dlqUrl, "--all");
      expect(redriven.code).toBe(0);
      expect(redriven.stdout).toContain(`req-1  -> ${source.name}`);
      const requests = new SQSMailbox({ queueUrl: source.url, client: sqs.client });
      expect(await bodies(requests)).toEqual([{ requestId: "req-1", replyTo: `${source.name}-replies` }]);
      expect(await dlq.approximateCount()).toBe(0);
    } finally {
      await sqs.stop();
    }
  });
});
