/**
 * A zip file read the careful way: its central directory parsed from the end
 * of the file (nothing else is loaded), every entry checked before it is
 * read (encryption, method, declared size, compression ratio) and streamed
 * with its size and CRC-32 verified as it inflates. A file that is not a zip
 * (an HTML sign-in page, an empty download, random bytes) is named for what
 * it is. Stored (0) and deflate (8) entries are read, zip64 included.
 */
import { crc32 } from "node:zlib";
import { SourceError } from "../errors.ts";
import {
  type ByteBudget,
  formatBytes,
  LIMIT_ENV,
  LimitError,
  printableName,
  RATIO_FLOOR_BYTES,
  type ReadLimits,
} from "../limits.ts";

/** One entry of a zip's central directory. */
export interface ZipEntry {
  /** The name as the zip spells it (UTF-8 when flagged so, else Latin-1). */
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
  localHeaderOffset: number;
  /** Bytes of the name as stored, to bound where the entry's data can start. */
  nameBytes: number;
}

/** A zip's directory: where it is and what it holds. */
export interface ZipDirectory {
  path: string;
  fileSize: number;
  entries: ZipEntry[];
  /** Where the central directory starts; every entry's data lies before it. */
  directoryOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const END_SIZE = 22;
const MAX_COMMENT = 0xffff;
const READ_CHUNK = 64 * 1024;
/** A directory entry takes 46 bytes plus its name, extra field and comment; 4 KiB each is generous. */
const DIRECTORY_BYTES_PER_ENTRY = 4096;

const METHODS: Record<number, string> = {
  1: "shrink",
  6: "implode",
  9: "deflate64",
  12: "bzip2",
  14: "LZMA",
  93: "zstd",
  95: "xz",
  98: "PPMd",
  99: "AES encryption",
};

const AGAIN = "download the export again";

/** Reads `length` bytes at `offset`, failing when the file ends first. */
async function readAt(file: Deno.FsFile, path: string, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let at = 0;
  while (at < length) {
    const n = await file.read(out.subarray(at));
    if (n === null) {
      throw new SourceError(`${path} ends early (at byte ${offset + at}): the zip is cut short; ${AGAIN}`);
    }
    at += n;
  }
  return out;
}

/** What the first bytes of a file that is not a zip look like, for the message. */
function notAZip(path: string, head: Uint8Array): SourceError {
  const text = new TextDecoder("latin1").decode(head).replace(/^\ufeff|^\u00ef\u00bb\u00bf/, "").trimStart()
    .toLowerCase();
  if (
    /^<(!doctype\s+html|html|head|body|meta|title|script|!--)/.test(text) ||
    (text.startsWith("<") && /<html/.test(text))
  ) {
    return new SourceError(`${path} is an HTML page, not a zip: ${AGAIN} (a sign-in or error page was saved instead)`);
  }
  if (text.startsWith("<?xml") || text.startsWith("<")) {
    return new SourceError(`${path} is an XML or HTML document, not a zip: ${AGAIN}`);
  }
  if (text.startsWith("{") || text.startsWith("[")) {
    return new SourceError(`${path} is a JSON document (an error reply?), not a zip: ${AGAIN}`);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    return new SourceError(`${path} is gzip-compressed, not a zip: unpack it or ${AGAIN} as a .zip`);
  }
  return new SourceError(`${path} is not a zip file (no zip directory at its end): ${AGAIN}`);
}

/**
 * Reads a zip's central directory and checks its structure: the entry count
 * against the limit, every name (no absolute paths, no `..`), no name twice,
 * no two entries sharing bytes (a zip-bomb construction), every entry inside
 * the file.
 *
 * @example
 * const zip = await readZipDirectory("export.zip", resolveLimits());
 * zip.entries.map((e) => e.name) // ["manifest.csv", "orgs.csv", …]
 */
export async function readZipDirectory(path: string, limits: ReadLimits): Promise<ZipDirectory> {
  const file = await Deno.open(path);
  try {
    const fileSize = (await file.stat()).size;
    if (fileSize === 0) throw new SourceError(`${path} is empty (0 bytes), not a zip: ${AGAIN}`);
    const head = await readAt(file, path, 0, Math.min(fileSize, 512));
    const startsLikeZip = head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b;
    const tailLength = Math.min(fileSize, END_SIZE + MAX_COMMENT);
    const tailStart = fileSize - tailLength;
    const tail = await readAt(file, path, tailStart, tailLength);
    const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let endAt = -1;
    for (let i = tail.length - END_SIZE; i >= 0; i--) {
      if (tv.getUint32(i, true) === SIG_END && i + END_SIZE + tv.getUint16(i + 20, true) <= tail.length) {
        endAt = i;
        break;
      }
    }
    if (endAt < 0) {
      if (startsLikeZip) {
        throw new SourceError(`${path} is a damaged zip (its directory at the end is missing; cut short?): ${AGAIN}`);
      }
      throw notAZip(path, head);
    }
    let disk = tv.getUint16(endAt + 4, true);
    let directoryDisk = tv.getUint16(endAt + 6, true);
    let count = tv.getUint16(endAt + 10, true);
    let directorySize = tv.getUint32(endAt + 12, true);
    let directoryOffset = tv.getUint32(endAt + 16, true);
    let directoryEnd = tailStart + endAt;
    const locatorAt = endAt - 20;
    const hasLocator = locatorAt >= 0 && tv.getUint32(locatorAt, true) === SIG_LOCATOR64;
    if (!hasLocator && (directorySize === 0xffffffff || directoryOffset === 0xffffffff)) {
      throw new SourceError(`${path} is a damaged zip (a zip64 directory without its locator): ${AGAIN}`);
    }
    // Without zip64, an archiver that wrote 65535 or more entries may have capped the count: it is then
    // counted in the directory itself.
    if (hasLocator) {
      // zip64: the real values sit in the zip64 end record the locator points to.
      const end64Offset = Number(tv.getBigUint64(locatorAt + 8, true));
      if (end64Offset + 56 > fileSize) {
        throw new SourceError(`${path} is a damaged zip (its zip64 directory lies past the end of the file): ${AGAIN}`);
      }
      const end64 = await readAt(file, path, end64Offset, 56);
      const ev = new DataView(end64.buffer);
      if (ev.getUint32(0, true) !== SIG_END64) {
        throw new SourceError(`${path} is a damaged zip (no zip64 directory where its locator points): ${AGAIN}`);
      }
      disk = ev.getUint32(16, true);
      directoryDisk = ev.getUint32(20, true);
      count = Number(ev.getBigUint64(32, true));
      directorySize = Number(ev.getBigUint64(40, true));
      directoryOffset = Number(ev.getBigUint64(48, true));
      directoryEnd = end64Offset;
    }
    if (disk !== 0 || directoryDisk !== 0) {
      throw new SourceError(`${path} is one part of a split (multi-part) zip; join the parts into one .zip first`);
    }
    if (count > limits.maxZipEntries) {
      throw new LimitError(
        "maxZipEntries",
        `${path} holds ${
          count === 0xffff ? "65535 or more" : count
        } entries, more than the limit of ${limits.maxZipEntries} (${LIMIT_ENV.maxZipEntries}); ` +
          `a OneRoster export holds a dozen files: this is not one`,
      );
    }
    if (directoryOffset + directorySize > directoryEnd) {
      throw new SourceError(
        `${path} is a damaged zip (its directory claims bytes past where it ends; cut short or altered): ${AGAIN}`,
      );
    }
    if (directorySize > limits.maxZipEntries * DIRECTORY_BYTES_PER_ENTRY) {
      throw new LimitError(
        "maxZipEntries",
        `${path}: its zip directory takes ${formatBytes(directorySize)}, more than ${limits.maxZipEntries} entries ` +
          `(${LIMIT_ENV.maxZipEntries}) can need; not an export`,
      );
    }
    const directory = await readAt(file, path, directoryOffset, directorySize);
    const entries = parseDirectory(path, directory, limits);
    checkLayout(path, entries, directoryOffset);
    return { path, fileSize, entries, directoryOffset };
  } finally {
    file.close();
  }
}

function parseDirectory(path: string, bytes: Uint8Array, limits: ReadLimits): ZipEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ZipEntry[] = [];
  const utf8 = new TextDecoder();
  const latin1 = new TextDecoder("latin1");
  const damaged = () => new SourceError(`${path} is a damaged zip (its directory does not parse): ${AGAIN}`);
  let at = 0;
  while (at < bytes.length) {
    if (at + 46 > bytes.length || v.getUint32(at, true) !== SIG_CENTRAL) throw damaged();
    const flags = v.getUint16(at + 8, true);
    const method = v.getUint16(at + 10, true);
    const crc = v.getUint32(at + 16, true);
    let compressedSize = v.getUint32(at + 20, true);
    let size = v.getUint32(at + 24, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    let localHeaderOffset = v.getUint32(at + 42, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > bytes.length) throw damaged();
    const nameRaw = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameRaw);
    // zip64 extra field: the 64-bit values of the fields marked 0xffffffff, in this order.
    let e = at + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = v.getUint16(e, true);
      const length = v.getUint16(e + 2, true);
      if (e + 4 + length > extraEnd) throw damaged();
      if (id === 0x0001) {
        let f = e + 4;
        const take = () => {
          if (f + 8 > e + 4 + length) throw damaged();
          const n = Number(v.getBigUint64(f, true));
          f += 8;
          return n;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + length;
    }
    entries.push({ name, flags, method, crc32: crc, compressedSize, size, localHeaderOffset, nameBytes: nameLength });
    if (entries.length > limits.maxZipEntries) {
      throw new LimitError(
        "maxZipEntries",
        `${path} holds more than ${limits.maxZipEntries} entries, the limit (${LIMIT_ENV.maxZipEntries}); ` +
          `a OneRoster export holds a dozen files: this is not one`,
      );
    }
    at = next;
  }
  return entries;
}

/** True for a name that leaves the archive's root: absolute, a drive letter, or a `..` step. */
function unsafeName(name: string): boolean {
  if (name.includes("\u0000")) return true;
  if (/^[/\\]/.test(name) || /^[a-zA-Z]:/.test(name)) return true;
  return name.split(/[/\\]/).some((part) => part === "..");
}

function checkLayout(path: string, entries: ZipEntry[], directoryOffset: number): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (unsafeName(entry.name)) {
      throw new SourceError(
        `${path}: entry "${printableName(entry.name)}" has an unsafe path (absolute or with ..); ` +
          `a roster export never does: ${AGAIN}`,
      );
    }
    if (seen.has(entry.name)) {
      throw new SourceError(
        `${path}: entry "${printableName(entry.name)}" appears twice; which one is the export cannot be told: ${AGAIN}`,
      );
    }
    seen.add(entry.name);
  }
  // Every entry's header and data must lie before the next entry and before the directory: entries sharing
  // bytes are how the densest zip bombs are built, and no archiver writes them.
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const entry = byOffset[i];
    const end = entry.localHeaderOffset + 30 + entry.nameBytes + entry.compressedSize;
    const limit = i + 1 < byOffset.length ? byOffset[i + 1].localHeaderOffset : directoryOffset;
    if (end > limit) {
      throw new SourceError(
        `${path}: entry "${printableName(entry.name)}" overlaps ${
          i + 1 < byOffset.length ? `entry "${printableName(byOffset[i + 1].name)}"` : "the zip directory"
        } (its declared sizes are wrong, or it is a zip bomb): ${AGAIN}`,
      );
    }
  }
}

/**
 * Checks an entry can be read within the limits before any byte of it is
 * inflated: not encrypted, stored or deflated, its declared size and ratio
 * within bounds.
 *
 * @example
 * checkEntry(zip, entry, limits); // throws a SourceError or LimitError
 */
export function checkEntry(zip: ZipDirectory, entry: ZipEntry, limits: ReadLimits): void {
  const where = `${zip.path}: ${printableName(entry.name)}`;
  if (entry.flags & 0x1) {
    throw new SourceError(`${where} is encrypted; export the roster without a password`);
  }
  if (entry.method !== 0 && entry.method !== 8) {
    const kind = METHODS[entry.method] ? ` (${METHODS[entry.method]})` : "";
    throw new SourceError(
      `${where} is compressed with method ${entry.method}${kind}; only stored and deflate are read: ` +
        `zip the export again with a standard tool`,
    );
  }
  if (entry.method === 0 && entry.compressedSize !== entry.size) {
    throw new SourceError(`${where} is stored uncompressed but declares two different sizes: ${AGAIN}`);
  }
  if (entry.size > limits.maxFileBytes) {
    throw new LimitError(
      "maxFileBytes",
      `${where} is ${formatBytes(entry.size)} uncompressed, more than ${
        formatBytes(limits.maxFileBytes)
      }, the limit per file (${LIMIT_ENV.maxFileBytes}); not read`,
    );
  }
  if (entry.size > RATIO_FLOOR_BYTES && entry.size > limits.maxZipRatio * Math.max(entry.compressedSize, 1)) {
    const ratio = Math.round(entry.size / Math.max(entry.compressedSize, 1));
    throw new LimitError(
      "maxZipRatio",
      `${where} would inflate ${ratio}:1 (${formatBytes(entry.compressedSize)} to ${formatBytes(entry.size)}), ` +
        `more than the limit of ${limits.maxZipRatio}:1 (${LIMIT_ENV.maxZipRatio}); roster files deflate ` +
        `about 10:1: this is a zip bomb, not an export`,
    );
  }
}

/** Yields an entry's compressed bytes from the file, in chunks. */
async function* compressedBytes(zip: ZipDirectory, entry: ZipEntry): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(zip.path);
  try {
    const where = `${zip.path}: ${printableName(entry.name)}`;
    const local = await readAt(file, zip.path, entry.localHeaderOffset, 30);
    const lv = new DataView(local.buffer);
    if (lv.getUint32(0, true) !== SIG_LOCAL) {
      throw new SourceError(`${where}: no entry header where the zip directory points: ${AGAIN}`);
    }
    if (lv.getUint16(8, true) !== entry.method) {
      throw new SourceError(`${where}: its entry header and the zip directory disagree on its method: ${AGAIN}`);
    }
    const start = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (start + entry.compressedSize > zip.directoryOffset) {
      throw new SourceError(`${where}: its data runs into the zip directory (sizes altered?): ${AGAIN}`);
    }
    await file.seek(start, Deno.SeekMode.Start);
    let left = entry.compressedSize;
    while (left > 0) {
      const buffer = new Uint8Array(Math.min(READ_CHUNK, left));
      let filled = 0;
      while (filled < buffer.length) {
        const n = await file.read(buffer.subarray(filled));
        if (n === null) throw new SourceError(`${where}: the zip ends inside this file's data (cut short?): ${AGAIN}`);
        filled += n;
      }
      left -= buffer.length;
      yield buffer;
    }
  } finally {
    file.close();
  }
}

/**
 * Streams one entry's uncompressed bytes, checking as it goes that it
 * inflates to exactly its declared size, counting every byte against the
 * export's budget, and checking its CRC-32 at the end. Call
 * {@link checkEntry} first.
 *
 * @example
 * for await (const chunk of entryBytes(zip, entry, budget)) parser.write(chunk);
 */
export async function* entryBytes(zip: ZipDirectory, entry: ZipEntry, budget: ByteBudget): AsyncGenerator<Uint8Array> {
  const name = printableName(entry.name);
  const where = `${zip.path}: ${name}`;
  const source = ReadableStream.from(compressedBytes(zip, entry));
  const stream: ReadableStream<Uint8Array> = entry.method === 8
    ? (source as ReadableStream<BufferSource>).pipeThrough(new DecompressionStream("deflate-raw"))
    : source;
  let total = 0;
  let crc = 0;
  try {
    for await (const chunk of stream) {
      total += chunk.length;
      if (total > entry.size) {
        throw new SourceError(
          `${where} inflates to more than the ${entry.size} bytes the zip declares: the zip is damaged or altered; ${AGAIN}`,
        );
      }
      budget.take(name, chunk.length, total);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw new SourceError(`${where} cannot be inflated (${(e as Error).message}): the zip is damaged; ${AGAIN}`, {
      cause: e,
    });
  }
  if (total !== entry.size) {
    throw new SourceError(
      `${where} inflates to ${total} bytes, not the ${entry.size} the zip declares: the zip is damaged or altered; ${AGAIN}`,
    );
  }
  if ((crc >>> 0) !== entry.crc32) {
    throw new SourceError(
      `${where} fails its CRC-32 check (the zip says ${hex(entry.crc32)}, the data gives ${hex(crc >>> 0)}): ` +
        `the zip is damaged; ${AGAIN}`,
    );
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
