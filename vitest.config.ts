import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    env: {
      WEAKINCENTIVES_LOG_LEVEL: process.env.WEAKINCENTIVES_LOG_LEVEL ?? "critical",
      // The AWS SDK warns on every client that Node 20 support ends in 2027; it is noise in tests.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    testTimeout: 20_000,
    // A process warning (MaxListenersExceededWarning above all) fails the test that caused it.
    setupFiles: ["./test/setup/process-warnings.ts"],
    reporters: ["default", "./scripts/summary-reporter.ts"],
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts", "src/**/index.ts"],
      thresholds: { lines: 90 },
      reporter: ["text-summary", "json-summary"],
    },
  },
});
