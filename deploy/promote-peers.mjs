/**
 * Image build step: move the named packages from devDependencies to dependencies in
 * ./package.json, keeping their pinned versions, so that `npm prune --omit=dev` keeps them.
 *
 * The provider SDKs and queue clients are optional peer dependencies of `weakincentives` (an
 * application installs the ones it uses), so in this repository they sit in devDependencies. The
 * worker image is such an application: it needs them at the versions package-lock.json pins.
 *
 *   node deploy/promote-peers.mjs openai @anthropic-ai/sdk ioredis @aws-sdk/client-sqs
 */
import { readFileSync, writeFileSync } from "node:fs";

const file = "package.json";
const pkg = JSON.parse(readFileSync(file, "utf8"));
const names = process.argv.slice(2);
const missing = names.filter((name) => pkg.devDependencies?.[name] === undefined);
if (names.length === 0 || missing.length > 0) {
  console.error(
    names.length === 0
      ? "promote-peers: name at least one package."
      : `promote-peers: not in devDependencies of ${file}: ${missing.join(", ")}. Check the RUNTIME_PEERS build argument.`,
  );
  process.exit(1);
}
pkg.dependencies ??= {};
for (const name of names) {
  pkg.dependencies[name] = pkg.devDependencies[name];
  delete pkg.devDependencies[name];
}
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
console.log(
  `promote-peers: ${names.map((n) => `${n}@${pkg.dependencies[n]}`).join(", ")} are now dependencies.`,
);
