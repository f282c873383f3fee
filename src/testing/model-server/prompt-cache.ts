/**
 * A simulated Anthropic prompt cache for the scripted model server: the parts of a request up to
 * each `cache_control` marker (system blocks, then tools, then message blocks, in the API's
 * order) form a cacheable prefix. A prefix the server has seen before is a cache read; the
 * longest new one is a cache write. Tokens are estimated as characters / 4. Internal to
 * `model-server/`.
 */

import { isObject, type JsonObject, objects } from "./protocol.js";

/** Cache figures of one request, as Anthropic reports them. */
export interface CacheUsage {
  readonly read: number;
  readonly written: number;
}

const tokensOf = (text: string): number => Math.ceil(text.length / 4);

/** The cacheable prefixes of `body`, shortest first, as the text each covers. */
function markedPrefixes(body: JsonObject): string[] {
  const parts: unknown[] = [];
  const prefixes: string[] = [];
  const visit = (part: JsonObject): void => {
    const { cache_control: marker, ...rest } = part;
    parts.push(rest);
    if (isObject(marker)) prefixes.push(JSON.stringify(parts));
  };
  const system = body.system;
  if (Array.isArray(system)) for (const block of objects(system)) visit(block);
  else if (typeof system === "string") parts.push(system);
  for (const tool of objects(body.tools)) visit(tool);
  for (const message of objects(body.messages)) {
    const content = message.content;
    if (typeof content === "string") parts.push({ role: message.role, content });
    else for (const block of objects(content)) visit({ role: message.role, ...block });
  }
  return prefixes;
}

/** A cache shared by the requests of one server. */
export class PromptCache {
  private readonly seen = new Set<string>();
  /** Every request's markers, in order: how many `cache_control` breakpoints each carried. */
  readonly breakpoints: number[] = [];

  /** What `body` reads from and writes to the cache; remembers its prefixes for later requests. */
  use(body: JsonObject): CacheUsage {
    const prefixes = markedPrefixes(body);
    this.breakpoints.push(prefixes.length);
    let read = 0;
    for (const prefix of prefixes) if (this.seen.has(prefix)) read = tokensOf(prefix);
    const longest = prefixes.at(-1);
    const written = longest !== undefined && !this.seen.has(longest) ? tokensOf(longest) - read : 0;
    for (const prefix of prefixes) this.seen.add(prefix);
    return { read, written: Math.max(0, written) };
  }
}
