/**
 * The viewer's pages: server-rendered HTML with inline CSS and no script, so every view (a log
 * filter included) is a URL that can be shared, and nothing is fetched from elsewhere. Every
 * value from a bundle is escaped.
 */

import type { BundleLogRecord } from "../load.js";
import type { BundleEntry } from "../retention.js";
import type { BundleView, TimelineEntry } from "./model.js";

/** Escape text for HTML. */
export function escapeHtml(text: unknown): string {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const pretty = (value: unknown): string => escapeHtml(JSON.stringify(value, null, 2) ?? "undefined");

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24}
header{background:#1b1f24;color:#fff;padding:10px 16px}header a{color:#9cd1ff;margin-right:14px;text-decoration:none}
header a.here{color:#fff;font-weight:600}main{padding:16px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top}
.error,.error td{background:#fde8e8}.ok{color:#1a7f37}.fail{color:#cf222e;font-weight:600}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:480px}dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}
dt{color:#57606a}.muted{color:#57606a}form{margin-bottom:12px}`;

const TABS = ["overview", "timeline", "transcript", "session", "logs", "request", "files"] as const;
/** A page of one bundle. */
export type Tab = (typeof TABS)[number];

function page(title: string, nav: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><header>${nav}</header><main>${body}</main></body></html>`;
}

function bundleNav(id: string, here: Tab): string {
  const base = `/b/${encodeURIComponent(id)}`;
  const links = TABS.map((tab) => {
    const href = tab === "overview" ? base : `${base}/${tab}`;
    return `<a href="${href}"${tab === here ? ' class="here"' : ""}>${tab}</a>`;
  });
  return `<a href="/">bundles</a> ${links.join("")}`;
}

/** The list of bundles in the served directory. */
export function listPage(entries: readonly BundleEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr class="${e.status === "error" ? "error" : ""}"><td>${escapeHtml(e.createdAt)}</td><td class="${e.status === "error" ? "fail" : "ok"}">${escapeHtml(e.status)}</td><td><a href="/b/${encodeURIComponent(e.bundleId)}">${escapeHtml(e.bundleId)}</a></td><td>${escapeHtml(e.requestId)}</td><td>${e.bytes}</td></tr>`,
    )
    .join("");
  return page(
    "Debug bundles",
    '<a href="/" class="here">bundles</a>',
    `<h1>Debug bundles</h1><table><tr><th>created</th><th>status</th><th>bundle</th><th>request</th><th>bytes</th></tr>${rows}</table>`,
  );
}

/** One page of one bundle. */
export function bundlePage(view: BundleView, tab: Tab, query: URLSearchParams): string {
  const { manifest } = view.bundle;
  const body = {
    overview: () => overview(view),
    timeline: () => timeline(view.timeline),
    transcript: () => transcript(view.timeline),
    session: () => view.slices.map((s) => details(`${s.type} (${s.items.length})`, pretty(s.items))).join(""),
    logs: () => logs(view.logs, query),
    request: () =>
      [
        details("input", pretty(view.bundle.input), true),
        view.bundle.output === undefined ? "" : details("output", pretty(view.bundle.output), true),
        view.bundle.error === undefined ? "" : details("error", pretty(view.bundle.error), true),
      ].join(""),
    files: () => files(view),
  }[tab]();
  return page(
    `${manifest.bundleId} · ${tab}`,
    bundleNav(manifest.bundleId, tab),
    `<h1>${escapeHtml(tab)}</h1>${body}`,
  );
}

function details(summary: string, content: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${escapeHtml(summary)}</summary><pre>${content}</pre></details>`;
}

function overview(view: BundleView): string {
  const { manifest, error } = view.bundle;
  const toolEntries = view.timeline.filter((e) => e.kind === "tool");
  const failedTools = toolEntries.filter((e) => !e.ok).length;
  const toolMs = toolEntries.reduce((sum, e) => sum + (e.latencyMs ?? 0), 0);
  const facts: [string, string][] = [
    [
      "status",
      `<span class="${manifest.status === "error" ? "fail" : "ok"}">${escapeHtml(manifest.status)}</span>`,
    ],
    ["request", escapeHtml(manifest.requestId)],
    ["run", `${escapeHtml(manifest.runId)} (attempt ${manifest.attempt})`],
    ["created", escapeHtml(manifest.createdAt)],
    ["model calls", modelCalls(view)],
    ["tool calls", `${toolEntries.length} (${failedTools} failed; ${Math.round(toolMs)} ms in all)`],
    ["tokens", `${view.tokens.input} in, ${view.tokens.output} out`],
    ["files", String(manifest.files.length)],
  ];
  const errorBox =
    error === undefined
      ? ""
      : `<div class="error" id="error"><h2>Error</h2><p class="fail">${escapeHtml((error as { type?: string }).type ?? "")}: ${escapeHtml((error as { message?: string }).message ?? "")}</p></div>`;
  return `${errorBox}<dl>${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function modelCalls(view: BundleView): string {
  const calls = view.timeline.filter((e) => e.kind === "model");
  const failed = calls.filter((e) => !e.ok).length;
  return `${calls.length - failed} answered${failed > 0 ? `, <span class="fail">${failed} failed</span>` : ""} (${Math.round(view.modelMs)} ms in all)`;
}

function timeline(entries: readonly TimelineEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr class="${e.ok ? "" : "error"}" data-kind="${e.kind}"><td>${escapeHtml(e.time)}</td><td>${e.kind}</td><td class="${e.ok ? "ok" : "fail"}">${escapeHtml(e.title)}</td><td>${e.latencyMs === undefined ? "" : `${Math.round(e.latencyMs)} ms`}</td><td>${details("details", pretty(e.detail))}</td></tr>`,
    )
    .join("");
  return `<table><tr><th>time</th><th>kind</th><th>what</th><th>latency</th><th></th></tr>${rows}</table>`;
}

function transcript(entries: readonly TimelineEntry[]): string {
  const turns = entries.filter((e) => e.kind === "model");
  if (turns.length === 0)
    return '<p class="muted">No model turns recorded (bundles hold them from DEBUG log records).</p>';
  return turns
    .map(
      (e, i) =>
        `<h3>Turn ${i + 1} · ${e.latencyMs ?? "?"} ms</h3><pre>${escapeHtml(String(e.detail.text ?? ""))}</pre>${details("tool calls", pretty(e.detail.toolCalls))}`,
    )
    .join("");
}

const LEVELS = ["trace", "debug", "info", "warning", "error", "critical"];

function logs(rows: readonly BundleLogRecord[], query: URLSearchParams): string {
  const level = query.get("level") ?? "trace";
  const search = (query.get("q") ?? "").toLowerCase();
  const floor = Math.max(0, LEVELS.indexOf(level));
  const shown = rows.filter(
    (r) =>
      LEVELS.indexOf(r.level) >= floor &&
      (search === "" ||
        `${r.event} ${r.message} ${JSON.stringify(r.context)}`.toLowerCase().includes(search)),
  );
  const options = LEVELS.map((l) => `<option${l === level ? " selected" : ""}>${l}</option>`).join("");
  const form = `<form><label>level ≥ <select name="level">${options}</select></label> <input name="q" placeholder="search" value="${escapeHtml(query.get("q") ?? "")}"> <button>filter</button> <span class="muted">${shown.length} of ${rows.length}</span></form>`;
  const body = shown
    .map(
      (r) =>
        `<tr class="${LEVELS.indexOf(r.level) >= 4 ? "error" : ""}" data-level="${escapeHtml(r.level)}"><td>${escapeHtml(r.time)}</td><td>${escapeHtml(r.level)}</td><td>${escapeHtml(r.event)}</td><td>${escapeHtml(r.message)}</td><td>${details("context", pretty(r.context))}</td></tr>`,
    )
    .join("");
  return `${form}<table><tr><th>time</th><th>level</th><th>event</th><th>message</th><th></th></tr>${body}</table>`;
}

function files(view: BundleView): string {
  const id = encodeURIComponent(view.bundle.manifest.bundleId);
  return `<table><tr><th>file</th><th>bytes</th></tr>${view.bundle.manifest.files
    .map(
      (f) =>
        `<tr><td><a href="/b/${id}/files/${f.path.split("/").map(encodeURIComponent).join("/")}">${escapeHtml(f.path)}</a></td><td>${f.bytes}</td></tr>`,
    )
    .join("")}</table>`;
}

/** One file of a bundle, as text. */
export function filePage(view: BundleView, path: string, text: string): string {
  return page(
    `${view.bundle.manifest.bundleId} · ${path}`,
    bundleNav(view.bundle.manifest.bundleId, "files"),
    `<h1>${escapeHtml(path)}</h1><pre id="file">${escapeHtml(text)}</pre>`,
  );
}

/** A page saying what went wrong. */
export function errorPage(status: number, message: string): string {
  return page(String(status), '<a href="/">bundles</a>', `<h1>${status}</h1><p>${escapeHtml(message)}</p>`);
}
