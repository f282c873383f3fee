/**
 * Reading bundles back: `DebugBundle.load` takes a bundle directory or its single-file form (a
 * `.zip` made by {@link archiveBundle}) and gives the manifest, the request, the session and any
 * listed file, with `verifyIntegrity()` checking every file against its recorded sha256.
 *
 * @example
 * ```ts
 * import { archiveBundle, DebugBundle } from "weakincentives/debug";
 *
 * const zip = await archiveBundle("/debug/bundles/run-1"); // /debug/bundles/run-1.zip
 * const bundle = await DebugBundle.load(zip);
 * await bundle.verifyIntegrity(); // true
 * ```
 */

import { randomUUID } from "node:crypto";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { WinkError } from "../errors.js";
import { formatIssues, schemaIssues } from "../schema.js";
import { type BundleManifest, inside, MANIFEST, ManifestSchema, sha256 } from "./manifest.js";
import { readZip, writeZip } from "./zip.js";

/** One line of `logs/records.jsonl`, as `writeBundle` wrote it. */
export interface BundleLogRecord {
  readonly time: string;
  readonly level: string;
  readonly logger: string;
  readonly event: string;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** One slice of a session snapshot in a bundle (plain JSON items). */
export interface BundleSlice {
  readonly type: string;
  readonly policy: unknown;
  readonly items: readonly unknown[];
}

/** Where a bundle's files come from: its directory, or its archive. */
type Reader = (path: string) => Promise<Buffer | undefined>;

function directoryReader(root: string): Reader {
  return async (path) => {
    try {
      return await readFile(inside(root, path));
    } catch {
      return undefined;
    }
  };
}

async function readerFor(path: string): Promise<Reader> {
  if ((await stat(path)).isDirectory()) return directoryReader(path);
  const files = readZip(await readFile(path), path);
  return async (name) => files.get(name);
}

/** A bundle read back from a directory or an archive. */
export class DebugBundle {
  private constructor(
    /** The bundle directory or archive. */
    readonly path: string,
    readonly manifest: BundleManifest,
    /** `request/input.json`. */
    readonly input: unknown,
    /** `request/output.json`, when the request succeeded (or an eval trial scored its failure). */
    readonly output: unknown,
    /** `request/error.json`, when it failed. */
    readonly error: unknown,
    /** Lines of `session/after.jsonl` (each a serialized snapshot); empty without a session. */
    readonly sessionLines: readonly string[],
    private readonly reader: Reader,
  ) {}

  /**
   * Read the bundle at `path` (a directory, or a `.zip` archive of one); throws a `WinkError`
   * when its manifest is missing or malformed.
   */
  static async load(path: string): Promise<DebugBundle> {
    const root = resolve(path);
    let reader: Reader;
    let raw: unknown;
    try {
      reader = await readerFor(root);
      const text = await reader(MANIFEST);
      if (text === undefined) throw new Error(`no ${MANIFEST}`);
      raw = JSON.parse(text.toString("utf8"));
    } catch (cause) {
      if (cause instanceof WinkError) throw cause;
      throw new WinkError("invalid_argument", `"${path}" is not a debug bundle: cannot read ${MANIFEST}.`, {
        cause,
      });
    }
    const parsed = ManifestSchema.safeParse(raw);
    if (!parsed.success) {
      throw new WinkError(
        "invalid_argument",
        `"${path}" has an invalid ${MANIFEST}:\n${formatIssues(schemaIssues(parsed.error))}`,
      );
    }
    const manifest = parsed.data;
    const listed = new Set(manifest.files.map((f) => f.path));
    const read = async (name: string): Promise<string | undefined> =>
      listed.has(name) ? (await reader(name))?.toString("utf8") : undefined;
    const parse = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));
    const session = await read("session/after.jsonl");
    return new DebugBundle(
      root,
      manifest,
      parse(await read("request/input.json")),
      parse(await read("request/output.json")),
      parse(await read("request/error.json")),
      session === undefined ? [] : session.split("\n").filter((line) => line.trim() !== ""),
      reader,
    );
  }

  /** Read a listed file's text (e.g. `filesystem/.env`); `undefined` when it is not in the bundle. */
  async readFile(path: string): Promise<string | undefined> {
    if (!this.manifest.files.some((f) => f.path === path)) return undefined;
    return (await this.reader(path))?.toString("utf8");
  }

  /** The records of `logs/records.jsonl` (empty when the bundle has none). */
  async logRecords(): Promise<BundleLogRecord[]> {
    return ((await this.readFile("logs/records.jsonl")) ?? "")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        const record = JSON.parse(line) as BundleLogRecord;
        return { ...record, context: record.context ?? {} };
      });
  }

  /** The slices of the session after the run (`session/after.jsonl`); empty without a session. */
  sessionSlices(): BundleSlice[] {
    return this.sessionLines.flatMap((line) => (JSON.parse(line) as { slices?: BundleSlice[] }).slices ?? []);
  }

  /** The items of the slice named `type` (e.g. `"ToolInvoked"`), as plain JSON records. */
  sliceItems(type: string): Readonly<Record<string, unknown>>[] {
    return this.sessionSlices()
      .filter((slice) => slice.type === type)
      .flatMap((slice) => slice.items as Readonly<Record<string, unknown>>[]);
  }

  /** True when every listed file exists with its recorded size and sha256. */
  async verifyIntegrity(): Promise<boolean> {
    for (const file of this.manifest.files) {
      const data = await this.reader(file.path);
      if (data === undefined || data.length !== file.bytes || sha256(data) !== file.sha256) return false;
    }
    return true;
  }
}

/**
 * Write the bundle directory `dir` as one zip archive (default `<dir>.zip`), for shipping; the
 * archive holds the manifest and every file it lists, and loads like the directory. Written
 * beside the target and renamed into place. Returns the archive's path.
 */
export async function archiveBundle(dir: string, out = `${resolve(dir)}.zip`): Promise<string> {
  const bundle = await DebugBundle.load(dir);
  if (!(await stat(bundle.path)).isDirectory()) {
    throw new WinkError("invalid_argument", `"${dir}" is an archive already.`);
  }
  const names = [MANIFEST, ...bundle.manifest.files.map((f) => f.path)];
  const entries = await Promise.all(
    names.map(async (name) => ({ name, data: await readFile(inside(bundle.path, name)) })),
  );
  const temp = join(resolve(out, ".."), `.tmp-${randomUUID()}.zip`);
  try {
    await writeFile(temp, writeZip(entries));
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return out;
}
