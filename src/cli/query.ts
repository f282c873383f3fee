/**
 * `wink query <bundle-or-dir> "SQL"`: SQL over debug bundles (see `BundleDatabase`), printed as
 * an aligned table, JSON (one object per row) or CSV; `--schema` prints the tables.
 */

import type { Command } from "commander";
import { BUNDLE_SCHEMA, BundleDatabase, type QueryResult } from "../debug/index.js";
import { WinkError } from "../errors.js";
import type { Output } from "./submit.js";

const FORMATS = ["table", "json", "csv"] as const;
type Format = (typeof FORMATS)[number];

/** Add the `query` command to `program`. */
export function addQueryCommand(
  program: Command,
  output: Output = { out: (line) => process.stdout.write(`${line}\n`) },
): void {
  program
    .command("query")
    .description("Run SQL over one debug bundle or a directory of them.")
    .argument("<bundles>", "a bundle directory, or a directory of bundles (DEBUG_BUNDLE_PATH)")
    .argument("[sql]", "one SQL statement (see --schema for the tables)")
    .option("--format <format>", "table, json or csv", "table")
    .option("--schema", "print the tables and their columns")
    .action(
      async (bundles: string, sql: string | undefined, options: { format: string; schema?: boolean }) => {
        if (options.schema) {
          for (const line of BUNDLE_SCHEMA.split("\n")) output.out(line);
          return;
        }
        if (!sql) {
          throw new WinkError(
            "invalid_argument",
            'wink query needs SQL, e.g. "SELECT * FROM bundles", or --schema.',
          );
        }
        const format = checkFormat(options.format);
        const db = await BundleDatabase.open(bundles);
        try {
          for (const line of render(db.query(sql), format)) output.out(line);
        } finally {
          db.close();
        }
      },
    );
}

function checkFormat(format: string): Format {
  if ((FORMATS as readonly string[]).includes(format)) return format as Format;
  throw new WinkError("invalid_argument", `--format must be table, json or csv, got "${format}".`);
}

/** The result as lines of `format`. */
export function render(result: QueryResult, format: Format): string[] {
  const { columns, rows } = result;
  if (format === "json") {
    return rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null]))));
  }
  if (format === "csv") return [columns, ...rows].map((row) => row.map(csvCell).join(","));
  const cells = rows.map((row) => row.map((value) => (value === null ? "NULL" : String(value))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)];
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Uint8Array ? Buffer.from(value).toString("base64") : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
