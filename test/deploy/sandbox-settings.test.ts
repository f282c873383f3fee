/**
 * Claude Code's sandbox settings say the same thing everywhere: the seccomp profile adds to the
 * runtime default only the calls bubblewrap needs, the Kubernetes patch and the image check
 * (scripts/image-check.*, which proves they work and are needed) use that profile with /proc
 * unmasked and the same hardening, ECS (which cannot allow them) stays on the HTTP adapters, and
 * the deployment guide names each setting. The Dockerfile's RUNTIME_PEERS default, and the slim
 * variant derived from it, are the ones the guide shows.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

const PROFILE = "deploy/seccomp/claude-code-sandbox.json";
/** What bubblewrap calls that a default profile allows only with CAP_SYS_ADMIN (see the profile's rule). */
const BWRAP_CALLS = ["clone", "mount", "umount2", "unshare"];

interface Rule {
  readonly names: string[];
  readonly action: string;
  readonly comment?: string;
  readonly args?: unknown[];
  readonly includes?: { caps?: string[]; arches?: string[] };
  readonly excludes?: { caps?: string[]; arches?: string[] };
}
interface Container {
  readonly name: string;
  readonly env?: { name: string; value?: string }[];
  readonly securityContext?: Record<string, unknown>;
}
/** The parts of a Deployment (or a patch of one) these tests read. */
interface Deployment {
  readonly metadata: { name: string };
  readonly spec: {
    template: {
      spec: { hostUsers?: boolean; securityContext?: Record<string, unknown>; containers: Container[] };
    };
  };
}
const profile = () => JSON.parse(read(PROFILE)) as { defaultAction: string; syscalls: Rule[] };
const manifest = (file: string) => parse(read(`deploy/kubernetes/${file}`)) as Deployment;
const guide = () => read("docs/deployment.md");

/** The runtime stage's default for a Dockerfile ARG. */
function dockerArg(name: string): string {
  const match = new RegExp(`^ARG ${name}="([^"]*)"$`, "m").exec(read("deploy/Dockerfile"));
  if (!match) throw new Error(`deploy/Dockerfile has no ARG ${name}="…" with a default`);
  return match[1] as string;
}

describe("the seccomp profile", () => {
  it("denies by default and adds one rule: the calls bubblewrap needs, for every process", () => {
    const { defaultAction, syscalls } = profile();
    expect(defaultAction).toBe("SCMP_ACT_ERRNO");
    const added = syscalls.filter((r) => r.comment?.startsWith("bubblewrap"));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ action: "SCMP_ACT_ALLOW" });
    expect([...(added[0]?.names ?? [])].sort()).toEqual(BWRAP_CALLS);
    expect(added[0]?.args ?? added[0]?.includes ?? added[0]?.excludes).toBeUndefined();
  });

  it("without that rule allows those calls only with CAP_SYS_ADMIN, as the runtimes' defaults do", () => {
    const others = profile().syscalls.filter((r) => !r.comment?.startsWith("bubblewrap"));
    const unconditional = others.filter(
      (r) => r.action === "SCMP_ACT_ALLOW" && !r.args?.length && !r.includes?.caps && !r.excludes?.caps,
    );
    for (const call of BWRAP_CALLS) {
      expect(unconditional.filter((r) => r.names.includes(call)).map((r) => r.comment)).toEqual([]);
    }
    const gated = others.find(
      (r) => r.includes?.caps?.includes("CAP_SYS_ADMIN") && r.names.includes("unshare"),
    );
    expect(gated?.names).toEqual(expect.arrayContaining(BWRAP_CALLS));
  });
});

describe("where the settings are applied", () => {
  it("the Kubernetes patch: the profile, an unmasked /proc in a user namespace, Claude Code", () => {
    const patch = manifest("claude-code-sandbox.yaml");
    const base = manifest("deployment.yaml");
    expect(patch.metadata.name).toBe(base.metadata.name);
    const pod = patch.spec.template.spec;
    expect(pod.hostUsers).toBe(false);
    expect(pod.securityContext).toMatchObject({
      seccompProfile: { type: "Localhost", localhostProfile: `profiles/${basename(PROFILE)}` },
    });
    const [container] = pod.containers;
    expect(container?.name).toBe(base.spec.template.spec.containers[0]?.name);
    expect(container?.securityContext).toEqual({ procMount: "Unmasked" });
    expect(container?.env).toContainEqual({ name: "AGENT_ADAPTER", value: "claude-agent-sdk" });
  });

  it("the image check: the same profile and /proc setting, with the hardening of deployment.yaml", () => {
    const check = read("scripts/image-check.ts");
    expect(read("scripts/image-check.sh")).toContain(`--profile ${PROFILE}`);
    expect(check).toContain('"--security-opt=unmask=/proc/*"');
    for (const flag of [
      "--user=1000:1000",
      "--read-only",
      "--cap-drop=ALL",
      "--security-opt=no-new-privileges",
    ]) {
      expect(check).toContain(`"${flag}"`);
    }
    expect(manifest("deployment.yaml").spec.template.spec.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("ECS, which cannot set a seccomp profile or unmask /proc, runs the HTTP adapters", () => {
    const task = JSON.parse(read("deploy/ecs/task-definition.json")) as {
      containerDefinitions: { environment: { name: string; value: string }[] }[];
    };
    expect(task.containerDefinitions[0]?.environment).toContainEqual({
      name: "AGENT_ADAPTER",
      value: "http",
    });
  });

  it("the deployment guide names every setting and the fallback", () => {
    const text = guide();
    for (const setting of [
      PROFILE,
      "claude-code-sandbox.yaml",
      "procMount: Unmasked",
      "hostUsers: false",
      "unmask=/proc/*",
      "appArmorProfile",
      "AGENT_ADAPTER=http",
    ]) {
      expect(text, setting).toContain(setting);
    }
  });
});

describe("RUNTIME_PEERS", () => {
  it("has the default the guide gives, and the guide's slim variant is that without the Claude Agent SDK", () => {
    const peers = dockerArg("RUNTIME_PEERS");
    const text = guide();
    expect(text).toContain(`\`RUNTIME_PEERS\` (default \`${peers}\`)`);
    const slim = peers
      .split(" ")
      .filter((p) => p !== "@anthropic-ai/claude-agent-sdk")
      .join(" ");
    expect(slim).not.toBe(peers);
    expect(text).toContain(`--build-arg RUNTIME_PEERS="${slim}"`);
  });
});
