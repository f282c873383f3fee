/**
 * Which field names hold secrets.
 *
 * A name is normalized first (camelCase, kebab-case, dotted and SCREAMING_CASE all become
 * snake_case), then judged by its last word, so `apiKey`, `X-Api-Key`, `OPENAI_API_KEY` and
 * `githubToken` are secret while `inputTokens`, `maxTotalTokens`, `tokenCount` and `secretArn`
 * are not.
 *
 * @example
 * ```ts
 * import { isSecretKey } from "weakincentives/secrets";
 *
 * isSecretKey("githubToken"); // true
 * isSecretKey("maxTotalTokens"); // false
 * ```
 */

/** Last words that make a field secret on their own (`password`, `client_secret`, `auth_token`). */
const SECRET_LAST_WORDS: ReadonlySet<string> = new Set([
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "credential",
  "credentials",
  "cookie",
  "cookies",
  "authorization",
  "auth",
  "apikey",
]);

/** Two-word endings that are secret (`aws_secret_access_key`, `x_api_key`, `private_key`). */
const SECRET_ENDINGS: readonly string[] = [
  "api_key",
  "private_key",
  "secret_key",
  "access_key",
  "signing_key",
  "encryption_key",
  "session_key",
  "master_key",
  "secret_string",
  "secret_value",
];

/** Whole names that are secret only on their own (`pass` as in `{ user, pass }`). */
const SECRET_WHOLE_NAMES: ReadonlySet<string> = new Set(["pass", "pwd"]);

/**
 * Words that, just before `token`, make it a count or limit rather than a credential
 * (`max_token`, `total_token`); plural `tokens` is never a credential anyway.
 */
const COUNT_WORDS: ReadonlySet<string> = new Set([
  "max",
  "min",
  "total",
  "input",
  "output",
  "cached",
  "cache",
  "num",
  "prompt",
  "completion",
  "reasoning",
  "remaining",
  "used",
  "limit",
  "count",
  "per",
]);

/** Turn `githubToken`, `X-Api-Key`, `db.password` or `AWS_SECRET` into snake_case. */
export function normalizeKeyName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

function judge(name: string): boolean {
  const snake = normalizeKeyName(name);
  if (SECRET_WHOLE_NAMES.has(snake)) return true;
  const words = snake.split("_");
  const last = words[words.length - 1] ?? "";
  if (last === "token") {
    const before = words[words.length - 2];
    return before === undefined || !COUNT_WORDS.has(before);
  }
  if (SECRET_LAST_WORDS.has(last)) return true;
  for (const ending of SECRET_ENDINGS) {
    if (snake === ending || snake.endsWith(`_${ending}`)) return true;
  }
  return false;
}

// Field names repeat endlessly in logs; remembering verdicts keeps redaction cheap.
const verdicts = new Map<string, boolean>();
const MAX_REMEMBERED = 2_048;

/**
 * True when a field called `name` holds a secret and its value must be redacted.
 * Case and separators do not matter: `apiKey`, `api-key`, `API_KEY` and `x-api-key` are all secret.
 */
export function isSecretKey(name: string): boolean {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = judge(name);
    if (verdicts.size >= MAX_REMEMBERED) verdicts.clear();
    verdicts.set(name, verdict);
  }
  return verdict;
}
