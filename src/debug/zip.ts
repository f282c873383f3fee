/**
 * The single-file form of a bundle: a standard zip archive (deflate, UTF-8 names), written and
 * read with Node's zlib alone, so shipping a bundle needs no archive library on either side.
 * Archives over 4 GiB or 65,535 entries (zip64) are refused: a bundle is far smaller.
 */

import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import { WinkError } from "../errors.js";

/** One file of an archive. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
/** Bit 11: names are UTF-8. */
const UTF8 = 0x0800;
const LIMIT = 0xffffffff;

/** A zip archive holding `entries`, in order. */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  if (entries.length > 0xffff) throw tooLarge(`${entries.length} files`);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    if (entry.data.length >= LIMIT || offset >= LIMIT) throw tooLarge(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The files of a zip archive by name; throws a `WinkError` naming what is wrong with it. */
export function readZip(archive: Buffer, label: string): Map<string, Buffer> {
  const endAt = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || archive.length - endAt < 22) throw corrupt(label, "no end of central directory");
  const count = archive.readUInt16LE(endAt + 10);
  let at = archive.readUInt32LE(endAt + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (at + 46 > archive.length || archive.readUInt32LE(at) !== CENTRAL)
      throw corrupt(label, "a bad directory entry");
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extra = archive.readUInt16LE(at + 30);
    const comment = archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    if (local + 30 > archive.length || archive.readUInt32LE(local) !== LOCAL)
      throw corrupt(label, `a bad header for ${name}`);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(start, start + size);
    let data: Buffer;
    try {
      data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : Buffer.alloc(0);
    } catch (error) {
      throw corrupt(label, `${name} does not inflate`, error);
    }
    if (method !== 0 && method !== 8) throw corrupt(label, `${name} uses compression method ${method}`);
    if (crc32(data) !== crc) throw corrupt(label, `${name} fails its CRC`);
    files.set(name, data);
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

function corrupt(label: string, problem: string, cause?: unknown): WinkError {
  return new WinkError("invalid_argument", `"${label}" is not a readable bundle archive: ${problem}.`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

function tooLarge(what: string): WinkError {
  return new WinkError(
    "invalid_argument",
    `Cannot archive ${what}: zip archives without zip64 hold up to 4 GiB and 65,535 files. Ship the directory instead.`,
  );
}
