/**
 * `wink debug`: a local web viewer for debug bundles. It serves one bundle, or every bundle of a
 * directory, as server-rendered pages (overview, timeline, transcript, session, logs with a level
 * filter and search, request, files) on 127.0.0.1 by default. Pages are plain HTML with inline
 * CSS: nothing is loaded from elsewhere, every view is a deep link, and it works offline.
 *
 * @example
 * ```ts
 * import { serveBundles } from "weakincentives/debug";
 *
 * const viewer = await serveBundles("/debug/bundles", { port: 0 });
 * console.log(`open ${viewer.url}`);
 * await viewer.close();
 * ```
 */

import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname, join, resolve } from "node:path";
import { WinkError } from "../../errors.js";
import { listBundles } from "../retention.js";
import { bundleView } from "./model.js";
import { bundlePage, errorPage, filePage, listPage, type Tab } from "./pages.js";

/** Options of {@link serveBundles}. */
export interface ViewerOptions {
  /** Default `127.0.0.1`: the viewer shows request data, keep it local. */
  readonly host?: string;
  /** Default 8765; `0` picks a free port. */
  readonly port?: number;
}

/** A running viewer. */
export interface BundleViewer {
  /** `http://host:port/`. */
  readonly url: string;
  close(): Promise<void>;
}

const TABS: ReadonlySet<string> = new Set(["timeline", "transcript", "session", "logs", "request", "files"]);

/** Serve the bundle at `path`, or the bundles under it; see the module doc. */
export async function serveBundles(path: string, options: ViewerOptions = {}): Promise<BundleViewer> {
  const target = resolve(path);
  // One bundle is served from its parent directory, so bundle links work the same way.
  const single = await isBundle(target);
  const root = single ? dirname(target) : target;
  const server = createServer((request, response) => {
    handle(root, single ? basename(target) : undefined, request, response).catch((error: unknown) => {
      send(response, 500, errorPage(500, error instanceof Error ? error.message : String(error)));
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8765, host, () => resolveListen());
  }).catch((error: unknown) => {
    throw new WinkError(
      "invalid_argument",
      `wink debug cannot listen on ${host}:${options.port ?? 8765}: ${error instanceof Error ? error.message : String(error)}. Pick another --port.`,
      { cause: error },
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function isBundle(path: string): Promise<boolean> {
  try {
    await stat(join(path, "manifest.json"));
    return true;
  } catch {
    return false;
  }
}

function send(
  response: ServerResponse,
  status: number,
  html: string,
  type = "text/html; charset=utf-8",
): void {
  response.writeHead(status, {
    "content-type": type,
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "x-content-type-options": "nosniff",
  });
  response.end(html);
}

async function handle(
  root: string,
  only: string | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://viewer");
  const parts = url.pathname
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  if (parts.length === 0) {
    if (only !== undefined) {
      response.writeHead(302, { location: `/b/${encodeURIComponent(only)}` }).end();
      return;
    }
    send(response, 200, listPage(await listBundles(root)));
    return;
  }
  const [prefix, id, tab, ...rest] = parts;
  // Bundle ids are single path segments (writeBundle enforces it): refuse anything else.
  if (prefix !== "b" || id === undefined || !/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith(".")) {
    send(response, 404, errorPage(404, `No page ${url.pathname}.`));
    return;
  }
  if (only !== undefined && id !== only) {
    send(response, 404, errorPage(404, `This viewer serves bundle ${only} only.`));
    return;
  }
  const dir = join(root, id);
  if (!(await isBundle(dir))) {
    send(response, 404, errorPage(404, `No bundle ${id}.`));
    return;
  }
  const view = await bundleView(dir);
  if (tab === "files" && rest.length > 0) {
    const file = rest.join("/");
    const text = await view.bundle.readFile(file);
    if (text === undefined) send(response, 404, errorPage(404, `No file ${file} in bundle ${id}.`));
    else send(response, 200, filePage(view, file, text));
    return;
  }
  if (tab !== undefined && !TABS.has(tab)) {
    send(response, 404, errorPage(404, `No page ${tab}.`));
    return;
  }
  send(response, 200, bundlePage(view, (tab ?? "overview") as Tab, url.searchParams));
}
