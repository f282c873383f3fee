/**
 * Redaction of secrets inside free text.
 *
 * Each rule pairs a precompiled regular expression with a cheap `includes` check, so a string
 * that cannot hold a given kind of secret never runs that expression; most log strings are short
 * and pass every check in a few comparisons. Rules run in order: registered exact values, URL
 * credentials, `Bearer` tokens, vendor key formats, JWTs, AWS secret keys, then `key=value` pairs.
 *
 * @example
 * ```ts
 * import { redactText } from "weakincentives/secrets";
 *
 * redactText("GET https://bot:hunter2@example.com with Bearer abc.def");
 * // "GET https://bot:[REDACTED]@example.com with Bearer [REDACTED]"
 * ```
 */

import { isSecretKey } from "./keys.js";
import { REDACTED, registeredSecrets, secretsGeneration } from "./registry.js";

interface Rule {
  /** Run the expression only when this returns true. */
  readonly applies: (text: string) => boolean;
  readonly pattern: RegExp;
  readonly replace: (match: string, ...groups: string[]) => string;
}

const whole = (): string => REDACTED;

/** Has an upper-case letter, a lower-case letter and a digit, and enough distinct characters. */
function looksRandom(candidate: string): boolean {
  if (!/[A-Z]/.test(candidate) || !/[a-z]/.test(candidate) || !/[0-9]/.test(candidate)) return false;
  // Random base64 of length 40 has ~30 distinct characters; paths and words have far fewer.
  return new Set(candidate).size >= 22;
}

/**
 * `api_key=...`, `password: ...`, `"token": "..."`, `Authorization: Basic ...`: a key, a separator
 * and a value. The look-behind keeps matching linear on long words.
 */
const PAIR =
  /(?<![A-Za-z0-9_.-])([A-Za-z_][A-Za-z0-9_.-]{0,63})(["']?[ \t]*[:=][ \t]*["']?)((?:(?:bearer|basic|token)[ \t]+)?[^\s"'&,;<>\]}]+)/gi;

const MAX_PAIR_DEPTH = 4;
let pairDepth = 0;

/**
 * Redact the value when the key is secret. Otherwise look inside the value, which may hold
 * further pairs (`next=https://host/cb?access_token=...`).
 */
function redactPair(match: string, key = "", separator = "", value = ""): string {
  if (isSecretKey(key)) {
    return value.startsWith(REDACTED.slice(0, -1)) ? match : `${key}${separator}${REDACTED}`;
  }
  // A few levels cover real URLs; the bound keeps `a:a:a:…` from recursing once per character.
  if (pairDepth >= MAX_PAIR_DEPTH || value.length < 3) return match;
  pairDepth++;
  try {
    return `${key}${separator}${value.replace(PAIR, redactPair)}`;
  } finally {
    pairDepth--;
  }
}

const RULES: readonly Rule[] = [
  {
    // scheme://user:password@host — keep the user so the log still says who connected. The user
    // may be empty (Redis: redis://:password@host) and the password may itself hold "@", so the
    // credentials run to the last "@" before the host.
    applies: (t) => t.includes("://") && t.includes("@"),
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s]*@(?=[^\s@]*(?:[\s/?#]|$))/gi,
    replace: (_m, prefix = "") => `${prefix}${REDACTED}@`,
  },
  {
    applies: (t) => /bearer/i.test(t),
    pattern: /\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi,
    replace: (_m, word = "") => `${word} ${REDACTED}`,
  },
  {
    // OpenAI (`sk-`, `sk-proj-`, `sk-svcacct-`) and Anthropic (`sk-ant-`) keys.
    applies: (t) => t.includes("sk-"),
    pattern: /\bsk-[A-Za-z0-9_-]{20,}/g,
    replace: whole,
  },
  {
    applies: (t) => t.includes("AKIA") || t.includes("ASIA"),
    pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
    replace: whole,
  },
  {
    applies: (t) => t.includes("gh") && t.includes("_"),
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g,
    replace: whole,
  },
  {
    applies: (t) => t.includes("xox"),
    pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
    replace: whole,
  },
  {
    applies: (t) => t.includes("eyJ"),
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    replace: whole,
  },
  {
    // AWS secret access keys: exactly 40 base64-ish characters that look random. Lower-case hex
    // (git SHAs) lacks upper case and never matches.
    applies: (t) => t.length >= 40,
    pattern: /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    replace: (m) => (looksRandom(m) ? REDACTED : m),
  },
  {
    applies: (t) => t.includes("=") || t.includes(":"),
    pattern: PAIR,
    replace: redactPair,
  },
];

/** Replace registered values, going round again in case a replacement joined two halves. */
function replaceRegistered(text: string): string {
  let out = text;
  for (const secret of registeredSecrets()) {
    for (let round = 0; round < 4 && out.includes(secret); round++) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * Redact every secret found in `text`: registered values, credentials in URLs
 * (`https://user:[REDACTED]@host`), `Bearer` tokens, OpenAI/Anthropic/GitHub/Slack keys, AWS
 * access key ids and secret keys, JWTs and the values of secret-named `key=value` or `key: value`
 * pairs. Everything else is left exactly as it was.
 */
export function redactText(text: string): string {
  if (text.length < 4) return text;
  if (text.length > CACHEABLE_LENGTH) return redactUncached(text);
  if (cacheGeneration !== secretsGeneration()) {
    cache.clear();
    cacheGeneration = secretsGeneration();
  }
  let out = cache.get(text);
  if (out === undefined) {
    // Ids (UUIDs, lower-case hex): no pattern can match them, and they never repeat, so caching
    // them would only churn the cache. Only a registered secret can hide in one.
    if (LOWER_HEX_ID.test(text)) return replaceRegistered(text);
    out = redactUncached(text);
    // Log messages, event names and loop names repeat on every request; ids do not. A bounded
    // cache keeps the repeats cheap without growing with the ids.
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(text, out);
  }
  return out;
}

/**
 * Lower-case hex digits and dashes: none of the rules' markers (`://`, `bearer`, `sk-`, `AKIA`,
 * `gh`, `xox`, `eyJ`, `=`, `:`) fits in this alphabet, and with at most 17 distinct characters
 * nothing looks random enough for the AWS secret-key rule (it wants 22).
 */
const LOWER_HEX_ID = /^[0-9a-f-]+$/;
const CACHEABLE_LENGTH = 256;
const CACHE_ENTRIES = 2_048;
const cache = new Map<string, string>();
let cacheGeneration = -1;

function redactUncached(text: string): string {
  let out = replaceRegistered(text);
  for (const rule of RULES) {
    if (rule.applies(out)) out = out.replace(rule.pattern, rule.replace);
  }
  return out;
}
