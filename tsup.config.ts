import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "prompt/index": "src/prompt/index.ts",
    "adapters/index": "src/adapters/index.ts",
    "adapters/openai/index": "src/adapters/openai/index.ts",
    "adapters/anthropic/index": "src/adapters/anthropic/index.ts",
    "adapters/claude-agent-sdk/index": "src/adapters/claude-agent-sdk/index.ts",
    "config/index": "src/config/index.ts",
    "worker/index": "src/worker/index.ts",
    "debug/index": "src/debug/index.ts",
    "filesystem/index": "src/filesystem/index.ts",
    "workspace/index": "src/workspace/index.ts",
    "skills/index": "src/skills/index.ts",
    "contrib/mailbox/index": "src/contrib/mailbox/index.ts",
    "contrib/mailbox/redis/index": "src/contrib/mailbox/redis/index.ts",
    "contrib/mailbox/sqs/index": "src/contrib/mailbox/sqs/index.ts",
    "contrib/checkpoints/redis/index": "src/contrib/checkpoints/redis/index.ts",
    "runtime/index": "src/runtime/index.ts",
    "resources/index": "src/resources/index.ts",
    "secrets/index": "src/secrets/index.ts",
    "testing/index": "src/testing/index.ts",
    "telemetry/index": "src/telemetry/index.ts",
    "evals/index": "src/evals/index.ts",
    "cli/bin": "src/cli/bin.ts",
  },
  format: ["esm"],
  target: "node20",
  // tsup sets baseUrl for declaration builds, which TypeScript 6 deprecates.
  dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
  sourcemap: true,
  clean: true,
  splitting: true,
  // Bundling renames classes (`class _WinkError`), and class names are data here: error names feed
  // metric labels, dead-letter records and DLQ include/exclude lists. Costs ~1 KB per entry.
  keepNames: true,
  // Provider SDKs, queue clients, sql.js and OpenTelemetry are optional peers: loaded only by the subpath that needs them, never bundled.
  external: [
    "openai",
    "@anthropic-ai/sdk",
    "@anthropic-ai/bedrock-sdk",
    "@anthropic-ai/claude-agent-sdk",
    "@modelcontextprotocol/sdk",
    "ioredis",
    "@aws-sdk/client-sqs",
    "sql.js",
    // Loaded at run time through createRequire (never imported), so a missing install means no tracing.
    "@opentelemetry/api",
  ],
});
