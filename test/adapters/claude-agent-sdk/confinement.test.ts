/**
 * The agent reads only its workspace, the system directories and what the isolation allows:
 * files planted outside (the parent, a sibling workspace, the host's home, a `*_FILE` secret, a
 * secret inside an allowed directory) stay unreadable through the real Claude Code binary, by
 * relative and absolute paths, links made inside the workspace, shell indirection, and Claude
 * Code's own Read/Glob/Grep tools.
 */

import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  confinement,
  IsolationConfig,
  SENSITIVE_READ_PATHS,
} from "../../../src/adapters/claude-agent-sdk/index.js";
import { WinkError } from "../../../src/errors.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../../src/prompt/index.js";
import { Session } from "../../../src/session/index.js";
import { type ScriptedToolCall, turn } from "../../../src/testing/model-server/index.js";
import { closeServersAfterEach, describeClaudeCode, resultFor, setup } from "./support.js";

const tag = randomUUID().slice(0, 8);
/** Planted content that must never reach the model, the session or the output. */
const PLANTED = {
  parent: `PARENT-SECRET-${tag}`,
  sibling: `SIBLING-WORKSPACE-${tag}`,
  home: `HOST-HOME-KEY-${tag}`,
  fileSecret: `FILE-SECRET-${tag}`,
  sharedSecret: `SHARED-DIR-SECRET-${tag}`,
};
/** Content the agent may read: proves the tools ran and the probes are not vacuous. */
const ALLOWED = { own: `OWN-FILE-${tag}`, shared: `SHARED-README-${tag}` };

let base = "";
const paths = {
  workspace: "",
  parent: "",
  sibling: "",
  home: "",
  fileSecret: "",
  shared: "",
  sharedSecret: "",
};
const savedEnv = { ...process.env };

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "wink-confine-"));
  paths.workspace = join(base, "workspace");
  paths.parent = join(base, "secret.txt");
  paths.sibling = join(base, "other-workspace", "notes.txt");
  paths.home = join(base, "home", ".ssh", "id_ed25519");
  paths.fileSecret = join(base, "mounted", "db_password");
  paths.shared = join(base, "shared", "readme.txt");
  paths.sharedSecret = join(base, "shared", "api_token");
  for (const dir of ["workspace", "other-workspace", "home/.ssh", "mounted", "shared"]) {
    await mkdir(join(base, dir), { recursive: true });
  }
  await writeFile(join(paths.workspace, "own.txt"), `${ALLOWED.own}\n`);
  await writeFile(paths.parent, `${PLANTED.parent}\n`);
  await writeFile(paths.sibling, `${PLANTED.sibling}\n`);
  await writeFile(paths.home, `${PLANTED.home}\n`);
  await writeFile(paths.fileSecret, `${PLANTED.fileSecret}\n`);
  await writeFile(paths.shared, `${ALLOWED.shared}\n`);
  await writeFile(paths.sharedSecret, `${PLANTED.sharedSecret}\n`);
  // The host as a deployed worker sees it: a home directory and secrets mounted as files.
  process.env.HOME = join(base, "home");
  process.env.DB_PASSWORD_FILE = paths.fileSecret;
  process.env.SHARED_TOKEN_FILE = paths.sharedSecret;
});

afterAll(async () => {
  for (const name of ["HOME", "DB_PASSWORD_FILE", "SHARED_TOKEN_FILE"]) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await rm(base, { recursive: true, force: true });
});

closeServersAfterEach();

function textPrompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "confinement",
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "Look around." })],
  });
  return new Prompt(template);
}

const bash = (id: string, command: string): ScriptedToolCall => ({
  id,
  name: "Bash",
  arguments: { command },
});

describeClaudeCode("what the agent can read", () => {
  it("cannot read planted files by any route, and can read what is allowed", async () => {
    const secrets = [paths.parent, paths.sibling, paths.home, paths.fileSecret, paths.sharedSecret];
    const catAll = (prefix: (path: string) => string) => secrets.map((p) => `cat "${prefix(p)}"`).join("; ");
    const relative = (p: string) => `../${p.slice(base.length + 1)}`;
    const viaUp = (p: string) => `up/${p.slice(base.length + 1)}`;
    const viaRoot = (p: string) => `root${p}`;
    // Links first (their own turn), then every route a command can take, each both as written and
    // behind `sh -c`, which the permission layer cannot see into: there only the OS sandbox holds.
    const links = [bash("toolu_link_up", `sh -c 'ln -s "$(dirname "$PWD")" up; ln -s / root'`)];
    const routes = { relative, absolute: (p: string) => p, viaUp, viaRoot };
    const commands = [
      bash("toolu_own", "cat own.txt"),
      bash("toolu_shared", `cat "${paths.shared}"`),
      ...Object.entries(routes).flatMap(([name, route]) => [
        bash(`toolu_${name}`, catAll(route)),
        bash(`toolu_${name}_sh`, `sh -c '${catAll(route)}'`),
      ]),
      bash("toolu_list", "sh -c 'ls -la root/ root/root root/home .. ../home ../mounted'"),
      bash("toolu_encoded", `echo ${Buffer.from(catAll((p) => p)).toString("base64")} | base64 -d | sh`),
      bash("toolu_find", "sh -c 'grep -r SECRET ../ root/tmp root/root root/home 2>/dev/null | head -5'"),
    ];
    const fileTools: ScriptedToolCall[] = [
      { id: "toolu_read_own", name: "Read", arguments: { file_path: join(paths.workspace, "own.txt") } },
      { id: "toolu_read_shared", name: "Read", arguments: { file_path: paths.shared } },
      ...secrets.map((p, i) => ({ id: `toolu_read_${i}`, name: "Read", arguments: { file_path: p } })),
      ...secrets.map((p, i) => ({
        id: `toolu_read_up_${i}`,
        name: "Read",
        arguments: { file_path: join(paths.workspace, viaUp(p)) },
      })),
      { id: "toolu_read_environ", name: "Read", arguments: { file_path: "/proc/self/environ" } },
      { id: "toolu_glob", name: "Glob", arguments: { pattern: "**/*", path: base } },
      {
        id: "toolu_grep",
        name: "Grep",
        arguments: { pattern: "SECRET", path: base, output_mode: "content" },
      },
      { id: "toolu_grep_ws", name: "Grep", arguments: { pattern: "SECRET|KEY", output_mode: "content" } },
    ];
    const { server, adapter } = await setup(
      {
        script: [
          turn.toolCalls(links),
          turn.toolCalls(commands),
          turn.toolCalls(fileTools),
          turn.text(`Done: ${tag}`),
        ],
      },
      {
        cwd: paths.workspace,
        nativeTools: ["Bash", "Read", "Glob", "Grep"],
        isolation: IsolationConfig.create({ bedrock: false, readablePaths: [join(base, "shared")] }),
      },
    );
    const session = new Session();
    const response = await adapter.evaluate(textPrompt(), { session });

    const results = server.requests.map((r) => JSON.stringify(r.body)).join("\n");
    const recorded = session.snapshot({ includeLogs: true }).serialize();
    for (const [where, text] of [
      ["tool results", results],
      ["session", recorded],
      ["output", response.text ?? ""],
    ] as const) {
      for (const [name, planted] of Object.entries(PLANTED)) {
        expect(text.includes(planted), `${name} leaked into the ${where}`).toBe(false);
      }
    }
    // The probes ran and allowed reads work, by command and by file tool.
    expect(resultFor(server.requests, "toolu_own")).toContain(ALLOWED.own);
    expect(resultFor(server.requests, "toolu_shared")).toContain(ALLOWED.shared);
    expect(resultFor(server.requests, "toolu_read_own")).toContain(ALLOWED.own);
    expect(resultFor(server.requests, "toolu_read_shared")).toContain(ALLOWED.shared);
    expect(resultFor(server.requests, "toolu_read_environ")).not.toMatch(/ANTHROPIC|sk-ant/);
    expect(response.text).toBe(`Done: ${tag}`);
  }, 60_000);
});

describe("the read rules of an evaluation", () => {
  const isolation = IsolationConfig.create({
    readablePaths: ["/srv/shared"],
    deniedPaths: ["/srv/shared/private"],
  });
  const rules = confinement({
    isolation,
    cwd: "/srv/work/job-17",
    evaluationDir: "/tmp/wink-claude-x",
    hostEnv: {
      HOME: "/home/app",
      DB_PASSWORD_FILE: "/run/secrets/db",
      NOT_A_PATH_FILE: "relative",
      SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
    },
  });

  it("hides the filesystem root and names the workspace's parent, home, secrets and *_FILE targets", () => {
    expect(rules.sandboxFilesystem.denyRead).toEqual(
      expect.arrayContaining([
        "/",
        "/srv/work",
        "/tmp/wink-claude-x",
        "/home/app",
        "/run/secrets/db",
        "/srv/shared/private",
        ...SENSITIVE_READ_PATHS,
      ]),
    );
    expect(rules.sandboxFilesystem.denyRead).not.toContain("relative");
    // The CA bundle TLS clients need is public, though its variable ends in _FILE.
    expect(rules.sandboxFilesystem.denyRead).not.toContain("/etc/ssl/certs/ca-certificates.crt");
  });

  it("allows the workspace, the system directories and readablePaths", () => {
    expect(rules.sandboxFilesystem.allowRead).toEqual(
      expect.arrayContaining(["/srv/work/job-17", "/usr", "/etc", "/srv/shared"]),
    );
    expect(rules.permissions.blockReadsOutsideWorkingDirectories).toBe(true);
    expect(rules.permissions.blockReadsExemptPaths).toContain("/srv/shared");
    expect(rules.permissions.deny).toEqual(
      expect.arrayContaining(["Read(//run/secrets/db)", "Read(//run/secrets/db/**)", "Read(//etc/shadow)"]),
    );
  });

  it("keeps file-tool deny rules off paths that hold the workspace", () => {
    const inHome = confinement({
      isolation: IsolationConfig.create(),
      cwd: "/home/app/checkout",
      evaluationDir: "/tmp/wink-claude-y",
      hostEnv: { HOME: "/home/app" },
    });
    expect(inHome.permissions.deny.some((rule) => rule.includes("/home/app"))).toBe(false);
    // The sandbox still hides the rest of home: the more specific allow wins there.
    expect(inHome.sandboxFilesystem.denyRead).toContain("/home/app");
    expect(inHome.sandboxFilesystem.allowRead).toContain("/home/app/checkout");
  });

  it("refuses a readable path that holds the workspace", () => {
    expect(() =>
      confinement({
        isolation: IsolationConfig.create({ readablePaths: ["/srv"] }),
        cwd: "/srv/work/job-17",
        evaluationDir: "/tmp/wink-claude-z",
        hostEnv: {},
      }),
    ).toThrow(/readablePaths entry "\/srv" holds the working directory/);
  });

  it("refuses relative, unnormalized or root paths", () => {
    for (const bad of ["relative/dir", "/a/../b", "/", "/trailing/"]) {
      expect(() => IsolationConfig.create({ readablePaths: [bad] }), bad).toThrow(WinkError);
    }
    expect(() => IsolationConfig.create({ deniedPaths: ["~/x"] })).toThrow(/deniedPaths/);
  });
});
