/**
 * Every name a public entry exports must carry a doc comment. This walks the exports of each
 * subpath in package.json (through re-exports) and lists the undocumented ones.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, string | Record<string, string>>;
};
const entries = Object.values(pkg.exports)
  .map((v) => (typeof v === "string" ? undefined : v["wink-source"]))
  .filter((v): v is string => v !== undefined)
  .map((p) => join(root, p));

const config = ts.getParsedCommandLineOfConfigFile(
  join(root, "tsconfig.json"),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
if (!config) throw new Error("tsconfig.json could not be read");
const program = ts.createProgram(entries, { ...config.options, noEmit: true });
const checker = program.getTypeChecker();

const missing = new Set<string>();
for (const entry of entries) {
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.getDeclarations() ?? [];
    const documented =
      symbol.getDocumentationComment(checker).length > 0 ||
      declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    if (!documented && declarations[0]) {
      const file = declarations[0].getSourceFile();
      const { line } = file.getLineAndCharacterOfPosition(declarations[0].getStart());
      missing.add(`${file.fileName.replace(`${root}/`, "")}:${line + 1} ${exported.getName()}`);
    }
  }
}

if (missing.size > 0) {
  console.error(
    `api-docs: ${missing.size} exported name(s) have no doc comment:\n${[...missing].sort().join("\n")}`,
  );
  process.exit(1);
}
console.log(`api-docs: every export of ${entries.length} entries is documented.`);
