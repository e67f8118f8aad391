/**
 * The hostile-file corpus, built by code in a temporary directory (nothing
 * committed): zip bombs, endless fields, forged and damaged zips, files that
 * are not zips at all. Each case names the command line it is checked with
 * and the outcome expected; {@link runMeasured} runs `tools/diagnose.ts` as a
 * child process and samples its peak RSS. Used by tests/hostile_files_test.ts
 * and bench/hostile-files.ts.
 */
import { join } from "node:path";
import zlib from "node:zlib";
import { MINIMAL_11 } from "./bundle.ts";

const MiB = 1024 * 1024;
const enc = new TextEncoder();

/** One entry as it will be written, with what the zip declares about it. */
export interface ZipEntrySpec {
  name: string;
  method: number;
  /** The entry's data as stored (compressed or not), in chunks; a chunk may repeat. */
  data: Uint8Array[];
  crc: number;
  size: number;
  flags?: number;
  /** Declared values that differ from the truth (a forged or damaged zip). */
  declaredSize?: number;
  declaredCrc?: number;
  /** The central directory points this entry at the local header of entry number N (overlapping entries). */
  sameDataAs?: number;
}

/** Options of {@link writeZip}. */
export interface ZipOptions {
  /** Write zip64 records (extra fields and end records) even for small entries, as some archivers do. */
  zip64?: boolean;
}

function crcOf(chunks: Uint8Array[]): number {
  let crc = 0;
  for (const c of chunks) crc = zlib.crc32(c, crc);
  return crc >>> 0;
}

/** A deflated entry holding `content`. */
export function deflated(name: string, content: string | Uint8Array): ZipEntrySpec {
  const bytes = typeof content === "string" ? enc.encode(content) : content;
  return { name, method: 8, data: [zlib.deflateRawSync(bytes)], crc: crcOf([bytes]), size: bytes.length };
}

/** A stored (uncompressed) entry holding `content`. */
export function stored(name: string, content: string | Uint8Array): ZipEntrySpec {
  const bytes = typeof content === "string" ? enc.encode(content) : content;
  return { name, method: 0, data: [bytes], crc: crcOf([bytes]), size: bytes.length };
}

/**
 * A deflated entry of `prefix`, then `count` bytes of `byte`, then `suffix`,
 * built without holding the inflated text: one compressed MiB of the byte,
 * flushed so it can be repeated, is written `count / 1 MiB` times.
 */
export function repeated(name: string, prefix: string, byte: number, count: number, suffix: string): ZipEntrySpec {
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH, level: 9 };
  const block = new Uint8Array(MiB).fill(byte);
  const blockZ = zlib.deflateRawSync(block, flush);
  const whole = Math.floor(count / MiB);
  const tail = new Uint8Array(count - whole * MiB).fill(byte);
  const data = [zlib.deflateRawSync(enc.encode(prefix), flush)];
  let crc = zlib.crc32(enc.encode(prefix));
  for (let i = 0; i < whole; i++) {
    data.push(blockZ);
    crc = zlib.crc32(block, crc);
  }
  data.push(zlib.deflateRawSync(tail, flush), zlib.deflateRawSync(enc.encode(suffix)));
  crc = zlib.crc32(enc.encode(suffix), zlib.crc32(tail, crc));
  return { name, method: 8, data, crc: crc >>> 0, size: enc.encode(prefix).length + count + enc.encode(suffix).length };
}

function u16(v: DataView, at: number, n: number) {
  v.setUint16(at, n, true);
}
function u32(v: DataView, at: number, n: number) {
  v.setUint32(at, n >>> 0, true);
}
function u64(v: DataView, at: number, n: number) {
  v.setBigUint64(at, BigInt(n), true);
}

/**
 * Writes a zip from entry specs, chunk by chunk (a 1 GB bomb never sits in
 * memory inflated, and its compressed MiB is shared between chunks).
 *
 * @example
 * await writeZip("x.zip", [deflated("users.csv", "sourcedId\n")]);
 */
export async function writeZip(path: string, entries: ZipEntrySpec[], options: ZipOptions = {}): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    let offset = 0;
    const write = async (bytes: Uint8Array) => {
      let at = 0;
      while (at < bytes.length) at += await file.write(bytes.subarray(at));
      offset += bytes.length;
    };
    const offsets: number[] = [];
    const compressedSizes: number[] = [];
    for (const entry of entries) {
      const name = enc.encode(entry.name);
      const compressed = entry.data.reduce((n, c) => n + c.length, 0);
      compressedSizes.push(compressed);
      offsets.push(offset);
      const extra = options.zip64 ? 20 : 0;
      const header = new Uint8Array(30 + name.length + extra);
      const v = new DataView(header.buffer);
      u32(v, 0, 0x04034b50);
      u16(v, 4, options.zip64 ? 45 : 20);
      u16(v, 6, (entry.flags ?? 0) | 0x800);
      u16(v, 8, entry.method);
      u32(v, 14, entry.declaredCrc ?? entry.crc);
      u32(v, 18, options.zip64 ? 0xffffffff : compressed);
      u32(v, 22, options.zip64 ? 0xffffffff : entry.declaredSize ?? entry.size);
      u16(v, 26, name.length);
      u16(v, 28, extra);
      header.set(name, 30);
      if (options.zip64) {
        u16(v, 30 + name.length, 1);
        u16(v, 32 + name.length, 16);
        u64(v, 34 + name.length, entry.declaredSize ?? entry.size);
        u64(v, 42 + name.length, compressed);
      }
      await write(header);
      for (const chunk of entry.data) await write(chunk);
    }
    const directoryOffset = offset;
    for (const [i, entry] of entries.entries()) {
      const name = enc.encode(entry.name);
      const extra = options.zip64 ? 28 : 0;
      const record = new Uint8Array(46 + name.length + extra);
      const v = new DataView(record.buffer);
      const at = entry.sameDataAs === undefined ? offsets[i] : offsets[entry.sameDataAs];
      u32(v, 0, 0x02014b50);
      u16(v, 4, options.zip64 ? 45 : 20);
      u16(v, 6, options.zip64 ? 45 : 20);
      u16(v, 8, (entry.flags ?? 0) | 0x800);
      u16(v, 10, entry.method);
      u32(v, 16, entry.declaredCrc ?? entry.crc);
      u32(v, 20, options.zip64 ? 0xffffffff : compressedSizes[i]);
      u32(v, 24, options.zip64 ? 0xffffffff : entry.declaredSize ?? entry.size);
      u16(v, 28, name.length);
      u16(v, 30, extra);
      u32(v, 42, options.zip64 ? 0xffffffff : at);
      record.set(name, 46);
      if (options.zip64) {
        u16(v, 46 + name.length, 1);
        u16(v, 48 + name.length, 24);
        u64(v, 50 + name.length, entry.declaredSize ?? entry.size);
        u64(v, 58 + name.length, compressedSizes[i]);
        u64(v, 66 + name.length, at);
      }
      await write(record);
    }
    const directorySize = offset - directoryOffset;
    if (options.zip64) {
      const end64 = new Uint8Array(56 + 20);
      const v = new DataView(end64.buffer);
      u32(v, 0, 0x06064b50);
      u64(v, 4, 44);
      u16(v, 12, 45);
      u16(v, 14, 45);
      u64(v, 24, entries.length);
      u64(v, 32, entries.length);
      u64(v, 40, directorySize);
      u64(v, 48, directoryOffset);
      u32(v, 56, 0x07064b50);
      u64(v, 64, offset);
      u32(v, 72, 1);
      await write(end64);
    }
    const end = new Uint8Array(22);
    const v = new DataView(end.buffer);
    u32(v, 0, 0x06054b50);
    u16(v, 8, options.zip64 ? 0xffff : Math.min(entries.length, 0xffff));
    u16(v, 10, options.zip64 ? 0xffff : Math.min(entries.length, 0xffff));
    u32(v, 12, options.zip64 ? 0xffffffff : directorySize);
    u32(v, 16, options.zip64 ? 0xffffffff : directoryOffset);
    await write(end);
  } finally {
    file.close();
  }
}

/** The minimal healthy 1.1 export as zip entries, with `replace` swapped in by name. */
export function healthyEntries(replace: ZipEntrySpec[] = [], drop: string[] = []): ZipEntrySpec[] {
  const out = Object.entries(MINIMAL_11).filter(([name]) => !drop.includes(name)).map(([name, text]) => {
    return replace.find((r) => r.name === name) ?? deflated(name, text);
  });
  for (const r of replace) if (!out.includes(r)) out.push(r);
  return out;
}

const USERS_HEADER = MINIMAL_11["users.csv"].split("\n")[0] + "\n";

/** What a case expects: the exit code and a fragment of standard error. */
export interface Expected {
  code: number;
  stderr: RegExp;
}

/** One hostile input and how it must end. */
export interface HostileCase {
  name: string;
  /**
   * How it is read: `roster-check` alone on `--source` (no database), or a
   * full `diagnose` of a test customer (a database) with `--source`.
   */
  mode: "roster-check" | "diagnose";
  /** Writes the input into `dir` and returns its path, for `--source`. */
  build(dir: string): Promise<string>;
  /** More arguments, given the case's directory. */
  args?: (dir: string) => string[];
  env?: Record<string, string>;
  expect: Expected;
}

/** A customer a full diagnose runs for: its id, settings directory and the environment naming its database. */
export interface CorpusCustomer {
  customerId: string;
  settingsDir: string;
  env: Record<string, string>;
}

/** The command line of a case whose input sits at `source`. */
export function caseArgs(c: HostileCase, source: string, dir: string, customer?: CorpusCustomer): string[] {
  const extra = c.args?.(dir) ?? [];
  if (c.mode === "roster-check") return ["--tool", "roster-check", "--source", source, "--format", "json", ...extra];
  if (!customer) throw new Error(`${c.name}: a full diagnose needs a customer`);
  return [
    "--customer",
    customer.customerId,
    "--settings-dir",
    customer.settingsDir,
    "--env",
    "staging",
    "--source",
    source,
    "--format",
    "json",
    ...extra,
  ];
}

/**
 * Builds a case in a fresh temporary directory, runs it, and removes the
 * directory.
 *
 * @example
 * const run = await runCase(HOSTILE_CASES[0]);
 */
export async function runCase(c: HostileCase, customer?: CorpusCustomer): Promise<MeasuredRun> {
  const dir = await Deno.makeTempDir({ prefix: "cdt-hostile-" });
  try {
    const source = await c.build(dir);
    const run = await runMeasured(caseArgs(c, source, dir, customer), { ...customer?.env, ...c.env });
    return { ...run, stderr: run.stderr.replaceAll(dir, "$TMP") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes the minimal export as a directory, with `files` overriding (null leaves one out). */
async function writeDir(dir: string, files: Record<string, string | Uint8Array | null>): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries({ ...MINIMAL_11, ...files })) {
    if (content === null) continue;
    if (typeof content === "string") await Deno.writeTextFile(join(dir, name), content);
    else await Deno.writeFile(join(dir, name), content);
  }
  return dir;
}

/** Writes a 600 MB single-field users.csv by streaming, without building it. */
async function writeHugeField(path: string, bytes: number): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    await file.write(enc.encode(USERS_HEADER + "stu-1,active,,true,sch-1,student,ana,,"));
    const block = new Uint8Array(4 * MiB).fill(65);
    for (let left = bytes; left > 0; left -= block.length) {
      const part = block.subarray(0, Math.min(block.length, left));
      let at = 0;
      while (at < part.length) at += await file.write(part.subarray(at));
    }
    await file.write(enc.encode(",Ruiz,,1042,,,,,03,\n"));
  } finally {
    file.close();
  }
}

const FIELD_600MB = 600 * 1000 * 1000;
const GB = 1000 * 1000 * 1000;

/** A 600 MB field in users.csv, deflated to about 600 KB. */
const hugeFieldZip = (dir: string) =>
  writeZip(
    join(dir, "export.zip"),
    healthyEntries([
      repeated("users.csv", USERS_HEADER + "stu-1,active,,true,sch-1,student,ana,,", 65, FIELD_600MB, ",Ruiz,,1\n"),
    ]),
  );

/** The hostile cases, each with the outcome it must end in. */
export const HOSTILE_CASES: HostileCase[] = [
  {
    name: "healthy zip (control)",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "export.zip"), healthyEntries());
      return join(dir, "export.zip");
    },
    expect: { code: 0, stderr: /^$/ },
  },
  {
    name: "healthy zip written with zip64 records",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "export.zip"), healthyEntries(), { zip64: true });
      return join(dir, "export.zip");
    },
    expect: { code: 0, stderr: /^$/ },
  },
  {
    name: "600 MB field in users.csv, zipped to under 1 MB",
    mode: "roster-check",
    build: async (dir) => {
      await hugeFieldZip(dir);
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /export\.zip: users\.csv would inflate \d+:1 .*more than the limit of 100:1/ },
  },
  {
    name: "600 MB field in users.csv, zipped, ratio limit raised",
    mode: "roster-check",
    build: async (dir) => {
      await hugeFieldZip(dir);
      return join(dir, "export.zip");
    },
    env: { CDT_MAX_ZIP_RATIO: "5000" },
    expect: { code: 1, stderr: /users\.csv:2: a record is longer than 1 MiB, the limit per record/ },
  },
  {
    name: "600 MB field in users.csv, in a directory",
    mode: "roster-check",
    build: async (dir) => {
      const root = await writeDir(join(dir, "export"), { "users.csv": null });
      await writeHugeField(join(root, "users.csv"), FIELD_600MB);
      return root;
    },
    expect: { code: 1, stderr: /users\.csv:2: a record is longer than 1 MiB, the limit per record/ },
  },
  {
    name: "600 MB field in users.csv, in a directory (full diagnose)",
    mode: "diagnose",
    build: async (dir) => {
      const root = await writeDir(join(dir, "export"), { "users.csv": null });
      await writeHugeField(join(root, "users.csv"), FIELD_600MB);
      return root;
    },
    expect: { code: 1, stderr: /users\.csv:2: a record is longer than 1 MiB, the limit per record/ },
  },
  {
    name: "1 GB single-line zip bomb",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "bomb.zip"), healthyEntries([repeated("users.csv", "", 97, GB, "\n")]));
      return join(dir, "bomb.zip");
    },
    expect: { code: 1, stderr: /bomb\.zip: users\.csv would inflate \d+:1 .*a zip bomb/ },
  },
  {
    name: "1 GB single-line zip bomb, ratio limit raised",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "bomb.zip"), healthyEntries([repeated("users.csv", "", 97, GB, "\n")]));
      return join(dir, "bomb.zip");
    },
    env: { CDT_MAX_ZIP_RATIO: "5000" },
    expect: { code: 1, stderr: /users\.csv:1: a record is longer than 1 MiB/ },
  },
  {
    name: "one row of 300 million commas (empty fields), ratio limit raised",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(
        join(dir, "commas.zip"),
        healthyEntries([repeated("users.csv", USERS_HEADER + "stu-1", 44, 300 * 1000 * 1000, "\n")]),
      );
      return join(dir, "commas.zip");
    },
    env: { CDT_MAX_ZIP_RATIO: "5000" },
    expect: { code: 1, stderr: /users\.csv:2: a record is longer than 1 MiB/ },
  },
  {
    name: "users.csv declares fewer bytes than it holds (size patched)",
    mode: "roster-check",
    build: async (dir) => {
      const users = deflated("users.csv", MINIMAL_11["users.csv"]);
      users.declaredSize = users.size - 40;
      await writeZip(join(dir, "export.zip"), healthyEntries([users]));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /users\.csv inflates to more than the \d+ bytes the zip declares/ },
  },
  {
    name: "users.csv declares more bytes than it holds",
    mode: "roster-check",
    build: async (dir) => {
      const users = deflated("users.csv", MINIMAL_11["users.csv"]);
      users.declaredSize = users.size + 1000;
      await writeZip(join(dir, "export.zip"), healthyEntries([users]));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /users\.csv inflates to \d+ bytes, not the \d+ the zip declares/ },
  },
  {
    name: "users.csv with a wrong CRC-32",
    mode: "roster-check",
    build: async (dir) => {
      const users = deflated("users.csv", MINIMAL_11["users.csv"]);
      users.declaredCrc = (users.crc ^ 0x5a5a5a5a) >>> 0;
      await writeZip(join(dir, "export.zip"), healthyEntries([users]));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /users\.csv fails its CRC-32 check/ },
  },
  {
    name: "users.csv with corrupt deflate data",
    mode: "roster-check",
    build: async (dir) => {
      const users = deflated("users.csv", MINIMAL_11["users.csv"]);
      users.data = [crypto.getRandomValues(new Uint8Array(users.data[0].length)).map((b, i) => (i === 0 ? 0xff : b))];
      await writeZip(join(dir, "export.zip"), healthyEntries([users]));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /users\.csv (cannot be inflated|inflates to|fails its CRC)/ },
  },
  {
    name: "zero-byte users.csv in a directory (full diagnose)",
    mode: "diagnose",
    build: (dir) => writeDir(join(dir, "export"), { "users.csv": "" }),
    expect: { code: 1, stderr: /users\.csv is empty \(no header row\); a OneRoster 1\.1 export needs it/ },
  },
  {
    name: "zero-byte users.csv in a zip (full diagnose)",
    mode: "diagnose",
    build: async (dir) => {
      await writeZip(join(dir, "export.zip"), healthyEntries([stored("users.csv", "")]));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /export\.zip: users\.csv is empty \(no header row\)/ },
  },
  {
    name: "an HTML sign-in page saved as export.zip",
    mode: "roster-check",
    build: async (dir) => {
      await Deno.writeTextFile(
        join(dir, "export.zip"),
        '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action="/login"></form></body></html>\n',
      );
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /export\.zip is an HTML page, not a zip: download the export again/ },
  },
  {
    name: "an empty (0-byte) export.zip",
    mode: "roster-check",
    build: async (dir) => {
      await Deno.writeFile(join(dir, "export.zip"), new Uint8Array(0));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /export\.zip is empty \(0 bytes\), not a zip/ },
  },
  {
    name: "random bytes named export.zip",
    mode: "roster-check",
    build: async (dir) => {
      const bytes = crypto.getRandomValues(new Uint8Array(65536));
      bytes[0] = 0; // never "PK"
      await Deno.writeFile(join(dir, "export.zip"), bytes);
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /export\.zip is not a zip file/ },
  },
  {
    name: "a zip cut short (half a download)",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(
        join(dir, "full.zip"),
        healthyEntries([deflated("pad.bin", crypto.getRandomValues(new Uint8Array(65536)))]),
      );
      const bytes = await Deno.readFile(join(dir, "full.zip"));
      await Deno.writeFile(join(dir, "export.zip"), bytes.subarray(0, bytes.length >> 1));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /export\.zip is a damaged zip .*download the export again/ },
  },
  {
    name: "200,000 entries",
    mode: "roster-check",
    build: async (dir) => {
      const empty = stored("x", "");
      const many = Array.from({ length: 200_000 }, (_, i) => ({ ...empty, name: `f${i}.csv` }));
      await writeZip(join(dir, "many.zip"), healthyEntries(many));
      return join(dir, "many.zip");
    },
    expect: { code: 1, stderr: /many\.zip holds (\d+|65535 or more) entries, more than the limit of 1000/ },
  },
  {
    name: "an entry named ../users.csv (path traversal)",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(
        join(dir, "export.zip"),
        healthyEntries([deflated("../users.csv", MINIMAL_11["users.csv"])], ["users.csv"]),
      );
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /entry "\.\.\/users\.csv" has an unsafe path/ },
  },
  {
    name: "an entry with an absolute path",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "export.zip"), healthyEntries([deflated("/etc/users.csv", "x\n")]));
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /entry "\/etc\/users\.csv" has an unsafe path/ },
  },
  {
    name: "users.csv twice",
    mode: "roster-check",
    build: async (dir) => {
      const entries = healthyEntries();
      entries.push(deflated("users.csv", USERS_HEADER));
      await writeZip(join(dir, "export.zip"), entries);
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /entry "users\.csv" appears twice/ },
  },
  {
    name: "two entries sharing one entry's bytes (overlap)",
    mode: "roster-check",
    build: async (dir) => {
      const entries = healthyEntries();
      const users = entries.findIndex((e) => e.name === "users.csv");
      entries.push({ ...entries[users], name: "courses.csv", sameDataAs: users, data: [] });
      await writeZip(join(dir, "export.zip"), entries);
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /entry "[a-z]+\.csv" overlaps entry/ },
  },
  {
    name: "an encrypted users.csv",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(
        join(dir, "export.zip"),
        healthyEntries([{ ...deflated("users.csv", MINIMAL_11["users.csv"]), flags: 1 }]),
      );
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /users\.csv is encrypted; export the roster without a password/ },
  },
  {
    name: "users.csv compressed with bzip2 (method 12)",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(
        join(dir, "export.zip"),
        healthyEntries([{ ...deflated("users.csv", MINIMAL_11["users.csv"]), method: 12 }]),
      );
      return join(dir, "export.zip");
    },
    expect: { code: 1, stderr: /users\.csv is compressed with method 12 \(bzip2\); only stored and deflate are read/ },
  },
  {
    name: "a file over the per-file limit (CDT_MAX_FILE_BYTES=1MiB)",
    mode: "roster-check",
    build: async (dir) => {
      const rows = Array.from(
        { length: 30_000 },
        (_, i) => `stu-${i},active,,true,sch-1,student,u${i},,A,B,,${i},,,,,03,\n`,
      );
      await writeZip(join(dir, "export.zip"), healthyEntries([deflated("users.csv", USERS_HEADER + rows.join(""))]));
      return join(dir, "export.zip");
    },
    env: { CDT_MAX_FILE_BYTES: "1MiB" },
    expect: {
      code: 1,
      stderr: /users\.csv is 1\.\d MiB uncompressed, more than 1 MiB, the limit per file \(CDT_MAX_FILE_BYTES\)/,
    },
  },
  {
    name: "files over the per-export limit (CDT_MAX_EXPORT_BYTES=512)",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "export.zip"), healthyEntries());
      return join(dir, "export.zip");
    },
    env: { CDT_MAX_EXPORT_BYTES: "512" },
    expect: {
      code: 1,
      stderr: /the export's files add up to more than 512 bytes, the limit per export \(CDT_MAX_EXPORT_BYTES\)/,
    },
  },
  {
    name: "a limit set to nonsense (CDT_MAX_RECORD_BYTES=lots)",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "export.zip"), healthyEntries());
      return join(dir, "export.zip");
    },
    env: { CDT_MAX_RECORD_BYTES: "lots" },
    expect: { code: 2, stderr: /CDT_MAX_RECORD_BYTES is "lots"; expected a positive number of bytes/ },
  },
  {
    name: "--out into a directory that does not exist",
    mode: "roster-check",
    build: async (dir) => {
      await writeZip(join(dir, "export.zip"), healthyEntries());
      return join(dir, "export.zip");
    },
    args: (dir) => ["--out", join(dir, "no-such-dir", "report.json")],
    expect: {
      code: 2,
      stderr: /--out \$TMP\/no-such-dir\/report\.json: the directory \$TMP\/no-such-dir does not exist/,
    },
  },
];

/** What one run of the CLI gave. */
export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Peak resident set of the child (VmHWM), sampled from /proc while it ran; 0 where /proc is missing. */
  peakRssBytes: number;
}

const DIAGNOSE = new URL("../../tools/diagnose.ts", import.meta.url).pathname;

async function vmHwm(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `tools/diagnose.ts` with `args` as a child process, sampling its
 * high-water RSS (VmHWM, which only grows) every 20 ms until it exits.
 *
 * @example
 * const run = await runMeasured(["--tool", "roster-check", "--source", "x.zip"]);
 */
export async function runMeasured(args: string[], env: Record<string, string> = {}): Promise<MeasuredRun> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", DIAGNOSE, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const hwm = await vmHwm(child.pid);
      if (hwm !== undefined) peak = Math.max(peak, hwm);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const out = await child.output();
  running = false;
  await sampler;
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    seconds: (performance.now() - started) / 1000,
    peakRssBytes: peak,
  };
}
