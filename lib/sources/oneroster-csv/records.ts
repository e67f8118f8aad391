/**
 * Streams the records of one CSV file (RFC 4180, UTF-8 with or without BOM,
 * CRLF or LF) with the line each record starts on. A record (and a physical
 * line) longer than the record limit stops the read with one error naming
 * the file and line; so does anything that goes wrong inside the parser, and
 * a file in UTF-16. Bytes that are not UTF-8 read as U+FFFD and are told
 * once per file (`onInvalidUtf8`).
 */
import { isUtf8 } from "node:buffer";
import { Readable, type Transform } from "node:stream";
import { parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { SourceError } from "../errors.ts";
import { formatBytes, LIMIT_ENV, LimitError, resolveLimits } from "../limits.ts";
import type { IssueCollector } from "../../model/issues.ts";

/** One CSV record and the 1-based line where it starts. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Options of {@link csvRecords} and {@link csvRecordsContaining}. */
export interface CsvOptions {
  /** Bytes one record may take; default the read limits' `maxRecordBytes` (1 MiB). */
  maxRecordBytes?: number;
  /**
   * Called once, with the line of the first, when the file holds bytes that are not UTF-8 (each reads as U+FFFD);
   * see {@link invalidUtf8Into}.
   */
  onInvalidUtf8?: (line: number) => void;
}

/**
 * The reader's warning for a file with bytes that are not UTF-8, as {@link CsvOptions.onInvalidUtf8}.
 *
 * @example
 * csvRecords("users.csv", input, { onInvalidUtf8: invalidUtf8Into(issues, "users.csv") });
 */
export function invalidUtf8Into(issues: IssueCollector, file: string): (line: number) => void {
  return (line) =>
    issues.add(
      "warning",
      file,
      line,
      "encoding",
      `${file} is not valid UTF-8 (first at line ${line}; a Latin-1 or Windows-1252 export?): ` +
        `such bytes read as "\uFFFD"; export the file again as UTF-8`,
      { file },
    );
}

/**
 * Refuses a file that starts with a UTF-16 byte order mark: read as UTF-8, its header would be noise and every
 * column missing. Refused rather than decoded, so that every byte the readers see is UTF-8 (and csv-parse, which
 * decodes little-endian only, never sees one).
 */
function refuseUtf16(file: string, bytes: Uint8Array): void {
  if (bytes.length < 2) return;
  const order = bytes[0] === 0xff && bytes[1] === 0xfe
    ? "little-endian"
    : bytes[0] === 0xfe && bytes[1] === 0xff
    ? "big-endian"
    : undefined;
  if (order) {
    throw new SourceError(
      `${file}: the file is in UTF-16 (${order}, with a byte order mark), which is not read; ` +
        `export it again as UTF-8 (in Excel: "CSV UTF-8")`,
    );
  }
}

/**
 * Where in `text`, the whole of `bytes` decoded, the first U+FFFD is that stands for bytes that are not UTF-8
 * (one the file spells EF BF BD is its own character); -1 when there is none.
 */
function invalidIndex(text: string, bytes: Uint8Array): number {
  let from = 0;
  let at = 0;
  for (let i = text.indexOf("\uFFFD"); i !== -1; i = text.indexOf("\uFFFD", i + 1)) {
    // Everything before `i` decoded cleanly, so its length in bytes says where `i` starts.
    at += utf8Length(text, from, i);
    if (bytes[at] !== 0xef || bytes[at + 1] !== 0xbf || bytes[at + 2] !== 0xbd) return i;
    at += 3;
    from = i + 1;
  }
  return -1;
}

/**
 * Finds the first byte of a stream that is not UTF-8, chunk by chunk (a character may be cut between two), for
 * csv-parse, which decodes the bytes itself. Checks the bytes without decoding them; decodes once, to place the
 * first bad byte.
 */
class Utf8Watch {
  /** The stream offset of the first byte that is not UTF-8; Infinity while there is none. */
  invalidAt = Infinity;
  #seen = 0;
  #tail: Uint8Array | undefined;

  take(chunk: Uint8Array): void {
    if (this.invalidAt !== Infinity) return;
    const bytes = this.#tail ? concat(this.#tail, chunk) : chunk;
    const start = this.#seen - (this.#tail?.length ?? 0);
    this.#seen += chunk.length;
    const cut = completeLength(bytes);
    this.#tail = cut < bytes.length ? bytes.slice(cut) : undefined;
    this.#check(bytes.subarray(0, cut), start);
  }

  /** At the stream's end: a character cut short there is not UTF-8 either. */
  end(): void {
    if (this.#tail && this.invalidAt === Infinity) this.#check(this.#tail, this.#seen - this.#tail.length);
    this.#tail = undefined;
  }

  #check(bytes: Uint8Array, start: number): void {
    if (isUtf8(bytes)) return;
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    const i = invalidIndex(text, bytes);
    this.invalidAt = start + (i === -1 ? 0 : utf8Length(text, 0, i));
  }
}

/** Records a parser holds past which it is paused until they are taken. */
const QUEUED = 1024;

/**
 * A parser's records, every one it emitted before it failed, then its error: a stream's own async iterator throws
 * as soon as the stream fails, and the records parsed just before are lost (and with them the line an unclosed
 * quote opened on).
 */
async function* everyRecord<R>(parser: Transform): AsyncGenerator<R> {
  let queue: R[] = [];
  let at = 0;
  let failure: { error: unknown } | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  parser.on("data", (r: R) => {
    queue.push(r);
    if (queue.length - at >= QUEUED) parser.pause();
    notify();
  });
  parser.on("error", (error) => {
    failure = { error };
    notify();
  });
  parser.on("end", () => {
    ended = true;
    notify();
  });
  for (;;) {
    if (at < queue.length) {
      const r = queue[at++];
      if (at === queue.length) {
        queue = [];
        at = 0;
        if (!failure && !ended) parser.resume();
      }
      yield r;
      continue;
    }
    if (failure) throw failure.error;
    if (ended) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** Counts line breaks in a string, CRLF as one. */
function lineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/** The line breaks a record holds before its first U+FFFD: where the first line with one is, from the record's. */
function linesBeforeReplacement(fields: string[]): number {
  let n = 0;
  for (const field of fields) {
    const at = field.indexOf("\uFFFD");
    if (at !== -1) return n + lineBreaks(field.slice(0, at));
    n += lineBreaks(field);
  }
  return 0;
}

/** Counts CRLF pairs, which csv-parse counts as two lines inside quoted fields. */
function crlfPairs(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\r\n"); i !== -1; i = s.indexOf("\r\n", i + 2)) n++;
  return n;
}

/** The error for a record past the limit, at the line it starts on. */
function recordTooLong(file: string, line: number, max: number): LimitError {
  return new LimitError(
    "maxRecordBytes",
    `${file}:${line}: a record is longer than ${
      formatBytes(max)
    }, the limit per record (${LIMIT_ENV.maxRecordBytes}); ` +
      `the file is damaged or not a roster export`,
  );
}

/** Raised by the feeder when one physical line passes the record limit, on the parser's line `line`. */
class LineTooLong extends Error {
  constructor(readonly line: number) {
    super("line too long");
  }
}

/**
 * Feeds `input` into `parser` by hand rather than with `pipe()`: an error
 * thrown while the parser takes a chunk (or by the input) then destroys the
 * parser, and so reaches the reader's `try`, instead of escaping as an
 * uncaught exception. Also stops a line longer than `max` bytes (a record of
 * a million empty fields is short by csv-parse's count but not in memory).
 */
async function feed(
  input: Readable,
  parser: Transform,
  max: number,
  check: { file: string; start: boolean; utf8?: Utf8Watch },
): Promise<void> {
  let sinceBreak = 0;
  let first = check.start;
  try {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      if (first && chunk.length) {
        first = false;
        refuseUtf16(check.file, chunk);
      }
      check.utf8?.take(chunk);
      // Slices no longer than the limit: a line inside one cannot pass it unseen, and the parser has read up
      // to the long line when the check below trips, so its line count names that line.
      for (let at = 0; at < chunk.length; at += max) {
        if (parser.destroyed) return;
        const part = at === 0 && chunk.length <= max ? chunk : chunk.subarray(at, at + max);
        const firstBreak = earliest(part.indexOf(10), part.indexOf(13));
        if (firstBreak === -1) sinceBreak += part.length;
        else {
          if (sinceBreak + firstBreak > max) throw tooLong(parser);
          sinceBreak = part.length - 1 - Math.max(part.lastIndexOf(10), part.lastIndexOf(13));
        }
        if (sinceBreak > max) throw tooLong(parser);
        if (!parser.write(part)) await drained(parser);
      }
    }
    check.utf8?.end();
    if (!parser.destroyed) parser.end();
  } catch (e) {
    parser.destroy(e as Error);
  }
}

/** The line the parser has reached (the long line) as a LineTooLong. */
function tooLong(parser: Transform): LineTooLong {
  return new LineTooLong((parser as unknown as { info: { lines: number } }).info.lines);
}

function earliest(a: number, b: number): number {
  return a === -1 ? b : b === -1 ? a : Math.min(a, b);
}

function drained(stream: Transform): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}

/**
 * Yields every non-empty record of a CSV stream, header included, with the
 * semantics of csv-parse (BOM, the record delimiter of the first line, quotes
 * only around a whole field, a quote inside an unquoted field kept as text,
 * empty lines skipped) and the line each record starts on. Plain records
 * (one line, every quote around a whole field) are split here, several times
 * faster than csv-parse; from the first record that is anything else, the
 * rest of the stream goes to csv-parse ({@link csvRecordsWithCsvParse}), so
 * records, lines, limits and error messages are csv-parse's.
 *
 * @example
 * for await (const { line, fields } of csvRecords("users.csv", stream)) { … }
 */
export async function* csvRecords(file: string, input: Readable, options: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  for await (const batch of csvRecordBatches(file, input, options)) yield* batch;
}

/**
 * {@link csvRecords}, a batch at a time: the records of each piece of the
 * stream as one array, so that a reader of millions of rows waits on one
 * promise per piece rather than one per record (9.4 million records: 1.29 s
 * of promises against 0.15 s). Records, lines and errors are the same, in
 * the same order; the records before an error come first.
 *
 * @example
 * for await (const batch of csvRecordBatches("users.csv", stream)) for (const { line, fields } of batch) { … }
 */
export async function* csvRecordBatches(
  file: string,
  input: Readable,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const max = options.maxRecordBytes ?? resolveLimits().maxRecordBytes;
  // A line of up to max / 3 characters is at most max bytes: the limit cannot be passed unseen.
  const maxChars = Math.floor(max / 3);
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const iterator = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  let text = "";
  let pos = 0;
  let line = 1;
  let started = false;
  let delimiter = "";
  let carry: Uint8Array | undefined;
  let ended = false;
  let handover = false;
  let nextCr = -1;
  let nextQuote = -1;
  let bomBytes = 0;
  let batch: CsvRecord[] = [];
  // Told once per file, so looked for only until then.
  let onInvalid = options.onInvalidUtf8;
  try {
    while (true) {
      // Records of the text read so far; `pos` stays at the start of the first one not yet taken.
      while (pos < text.length) {
        if (delimiter === "") {
          const cr = text.indexOf("\r", pos);
          const lf = text.indexOf("\n", pos);
          const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
          if (end === -1 || (end === cr && end + 1 === text.length && !ended)) {
            if (!ended) break;
          }
          // The first line decides the delimiter, unless a quote there could hide a line break.
          if (text.lastIndexOf('"', end === -1 ? text.length : end) >= pos) {
            handover = true;
            break;
          }
          if (end !== -1) {
            delimiter = end === cr ? (text.charCodeAt(end + 1) === 10 ? "\r\n" : "\r") : "\n";
            if (delimiter === "\r") {
              handover = true;
              break;
            }
          }
        }
        let end = text.indexOf("\n", pos);
        let next: number;
        if (end === -1) {
          if (!ended) break;
          end = next = text.length;
        } else next = end + 1;
        if (delimiter === "\r\n") {
          if (next !== end && text.charCodeAt(end - 1) !== 13) {
            handover = true;
            break;
          }
          if (next !== end) end--;
        }
        if (end - pos + bomBytes > maxChars && utf8Length(text, pos, end) + bomBytes > max) {
          // A physical line past the limit, as the feeder below stops it, at the line it is.
          if (nextCr < pos) nextCr = position(text.indexOf("\r", pos));
          if (nextCr >= end) throw recordTooLong(file, line, max);
          handover = true;
          break;
        }
        // Where the next CR and quote are, found once per text rather than once per line.
        if (nextCr < pos) nextCr = position(text.indexOf("\r", pos));
        if (nextCr < end) {
          handover = true;
          break;
        }
        if (nextQuote < pos) nextQuote = position(text.indexOf('"', pos));
        bomBytes = 0;
        if (end === pos) {
          // An empty line: skipped, as csv-parse's skip_empty_lines does.
          pos = next;
          line++;
          continue;
        }
        const fields = nextQuote >= end ? text.slice(pos, end).split(",") : splitLine(text, pos, end);
        if (fields === undefined) {
          handover = true;
          break;
        }
        batch.push({ line, fields });
        pos = next;
        line++;
      }
      if (batch.length) {
        yield batch;
        batch = [];
      }
      if (handover || ended) break;
      if (text.length - pos > max) {
        if (text.indexOf("\r", pos) === -1) throw recordTooLong(file, line, max);
        handover = true;
        break;
      }
      const step = await iterator.next();
      let chunk: Uint8Array;
      if (step.done) {
        ended = true;
        chunk = carry ?? new Uint8Array(0);
        carry = undefined;
      } else {
        chunk = carry ? concat(carry, step.value) : step.value;
        if (!started) refuseUtf16(file, chunk);
        const cut = completeLength(chunk);
        carry = cut < chunk.length ? chunk.slice(cut) : undefined;
        chunk = chunk.subarray(0, cut);
      }
      let more = decoder.decode(chunk);
      const decoded = more.length;
      // The decoder reads bytes that are not UTF-8 as U+FFFD: only a piece with one can hold any.
      const invalid = onInvalid && more.indexOf("\uFFFD") !== -1 ? invalidIndex(more, chunk) : -1;
      if (!started && more.length > 0) {
        started = true;
        if (more.charCodeAt(0) === 0xfeff) {
          more = more.slice(1);
          // The feeder of csv-parse counts the byte order mark in the first line's length.
          bomBytes = 3;
        }
      }
      text = pos < text.length ? text.slice(pos) + more : more;
      pos = 0;
      nextCr = nextQuote = -1;
      if (invalid !== -1) {
        onInvalid!(line + lineBreaks(text.slice(0, text.length - decoded + invalid)));
        onInvalid = undefined;
      }
    }
  } catch (e) {
    // The records before the error are read first, as they would have been one by one.
    if (batch.length) yield batch;
    if (e instanceof SourceError) throw e;
    throw new SourceError(`${file}:${line}: not readable as CSV (${(e as Error).message})`, { cause: e });
  } finally {
    // Also when the caller stops early; after a handover, csv-parse's side releases the input.
    if (!handover) input.destroy();
  }
  if (!handover) return;
  // The rest, from the record that is not plain, goes to csv-parse.
  // Still on the first line: the byte order mark goes back, as csv-parse's feeder counts it in the line.
  const rest = new TextEncoder().encode((bomBytes ? "\uFEFF" : "") + text.slice(pos));
  async function* remaining(): AsyncGenerator<Uint8Array> {
    try {
      if (rest.length) yield rest;
      if (carry) yield carry;
      if (ended) return;
      while (true) {
        const step = await iterator.next();
        if (step.done) return;
        yield step.value;
      }
    } finally {
      input.destroy();
    }
  }
  const parsed = csvRecordsWithCsvParse(file, Readable.from(remaining(), { objectMode: false }), {
    ...options,
    onInvalidUtf8: onInvalid,
  }, {
    line,
    delimiter: delimiter || undefined,
    bom: !started || bomBytes > 0,
  });
  for await (const record of parsed) yield [record];
}

/**
 * The fields of one line of CSV text (no line break in it), or undefined when
 * it is not plain: a quote that does not enclose a whole field, or a closing
 * quote followed by anything but a comma or the line's end.
 */
function splitLine(text: string, from: number, to: number): string[] | undefined {
  const fields: string[] = [];
  let quote = -1;
  let i = from;
  while (true) {
    if (text.charCodeAt(i) === 34) {
      let value = "";
      let scan = i + 1;
      while (true) {
        const q = text.indexOf('"', scan);
        if (q === -1 || q >= to) return undefined;
        if (text.charCodeAt(q + 1) === 34 && q + 1 < to) {
          value += text.slice(scan, q + 1);
          scan = q + 2;
          continue;
        }
        value += text.slice(scan, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === to) return fields;
      if (text.charCodeAt(i) !== 44) return undefined;
      i++;
    } else {
      const comma = text.indexOf(",", i);
      const end = comma === -1 || comma >= to ? to : comma;
      if (quote < i) quote = position(text.indexOf('"', i));
      if (quote < end) return undefined;
      fields.push(text.slice(i, end));
      if (end === to) return fields;
      i = end + 1;
    }
    if (i === to) {
      fields.push("");
      return fields;
    }
  }
}

/** The UTF-8 byte length of `text[from, to)`. */
function utf8Length(text: string, from: number, to: number): number {
  let n = to - from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    // Surrogate pairs: 2 + 2 counted as 4 bytes.
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** An indexOf result as a position, "nowhere" being past every position. */
function position(index: number): number {
  return index === -1 ? Number.MAX_SAFE_INTEGER : index;
}

/** The length of `bytes` without a UTF-8 character cut at its end. */
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > back ? n - back : n;
    }
  }
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Where csv-parse takes over from the fast reader: the line it starts on and the record delimiter already seen. */
export interface Resume {
  /** The 1-based line of the input's first byte. */
  line: number;
  /** The record delimiter found on the first line; csv-parse finds it itself when absent. */
  delimiter?: string;
  /** Whether a byte order mark may still lead the input (only at the file's start). */
  bom: boolean;
}

/**
 * Yields every non-empty record of a CSV stream with csv-parse, header
 * included: the reference reader, which {@link csvRecords} hands any record
 * out of the ordinary to (quotes inside a field, a line break inside quotes,
 * a stray CR or LF, a record near the limit, a failing input), from that
 * record's line on.
 *
 * @example
 * for await (const { line, fields } of csvRecordsWithCsvParse("users.csv", stream)) { … }
 */
export async function* csvRecordsWithCsvParse(
  file: string,
  input: Readable,
  options: CsvOptions = {},
  resume: Resume = { line: 1, bom: true },
): AsyncGenerator<CsvRecord> {
  const max = options.maxRecordBytes ?? resolveLimits().maxRecordBytes;
  const offset = resume.line - 1;
  const parser = parse({
    bom: resume.bom,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: max,
    ...(resume.delimiter ? { record_delimiter: resume.delimiter } : {}),
  });
  // csv-parse reports the line a record ends on, and counts a CRLF inside a
  // quoted field twice; correct both so messages name the record's first line.
  let overcount = 0;
  let previous = 0;
  // Empty lines skipped up to the last record: those after it come before the next one's first line.
  let emptyBefore = 0;
  let utf8 = options.onInvalidUtf8 ? new Utf8Watch() : undefined;
  const feeding = feed(input, parser, max, { file, start: resume.bom, utf8 });
  try {
    for await (
      const { record, info } of everyRecord<
        { record: string[]; info: { lines: number; bytes: number; empty_lines: number } }
      >(parser)
    ) {
      let inner = 0;
      // Only a record that ends more than one line after the last one can hold line breaks: scan just those.
      if (info.lines - previous > 1) {
        for (const field of record) {
          if (field.indexOf("\n") !== -1 || field.indexOf("\r") !== -1) {
            inner += lineBreaks(field);
            overcount += crlfPairs(field);
          }
        }
      }
      previous = info.lines;
      emptyBefore = info.empty_lines;
      const line = info.lines - overcount - inner + offset;
      // The watch has seen every byte of the record (the feeder checks a chunk before the parser has it).
      if (utf8 && info.bytes > utf8.invalidAt) {
        options.onInvalidUtf8!(line + linesBeforeReplacement(record));
        utf8 = undefined;
      }
      yield { line, fields: record };
    }
  } catch (e) {
    if (e instanceof SourceError) throw e;
    // Where the parser stood (csv-parse counts a CRLF inside quotes twice): the line the record grew too long
    // on, or where the parser failed.
    const err = e as { message: string; lines?: number; code?: string };
    const at = e instanceof LineTooLong
      ? e.line
      : err.code?.startsWith("CSV_") && err.lines
      ? err.lines
      : (parser as unknown as { info: { lines: number } }).info.lines;
    const line = Math.max(1, at - overcount) + offset;
    if (e instanceof LineTooLong || err.code === "CSV_MAX_RECORD_SIZE") throw recordTooLong(file, line, max);
    if (err.code === "CSV_QUOTE_NOT_CLOSED") {
      // The quote opened in the record after the last one read: csv-parse names the file's end, counting each CRLF
      // after it twice (line 22,449 of an 11,225-line file for a quote on line 2).
      const skipped = (parser as unknown as { info: { empty_lines: number } }).info.empty_lines - emptyBefore;
      const opened = previous - overcount + 1 + skipped + offset;
      throw new SourceError(
        `${file}:${opened}: a quote opened in the row that starts on line ${opened} is never closed, so the rest of ` +
          `the file would be one value; look for a stray " on that line`,
        { cause: e },
      );
    }
    const where = `${file}:${line}`;
    // csv-parse's own message counts lines from where it took over.
    const message = offset
      ? err.message.replace(/ at line (\d+)/g, (_, n) => ` at line ${Number(n) + offset}`)
      : err.message;
    throw new SourceError(`${where}: not readable as CSV (${message})`, { cause: e });
  } finally {
    parser.destroy();
    input.destroy();
    await feeding;
  }
}

/**
 * Yields the header and only the records whose raw text contains one of
 * `needles`, with their first line. Records are split by a quote-aware
 * scanner (a quote opens a quoted field only at a field's start, as
 * csv-parse's relax_quotes reads it), chunk by chunk; each kept record is
 * then parsed by csv-parse. For focused reads (a lookup) of large files: the
 * rest of the file is skipped without being parsed, and never held whole.
 *
 * @example
 * for await (const r of csvRecordsContaining("enrollments.csv", stream, ["stu-000042"])) { … }
 */
export async function* csvRecordsContaining(
  file: string,
  input: Readable,
  needles: readonly string[],
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord> {
  const max = options.maxRecordBytes ?? resolveLimits().maxRecordBytes;
  // Whole characters at a time (as csvRecordBatches reads), so that each piece of text is exactly its bytes decoded.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let pending = "";
  let line = 1;
  let first = true;
  let started = false;
  let carry: Uint8Array | undefined;
  let onInvalid = options.onInvalidUtf8;
  /** `bytes` (whole characters) as text, the byte order mark dropped; bytes that are not UTF-8 told once. */
  function decode(bytes: Uint8Array): string {
    let text = decoder.decode(bytes);
    const invalid = onInvalid && text.indexOf("\uFFFD") !== -1 ? invalidIndex(text, bytes) : -1;
    if (invalid !== -1) {
      // `pending` starts on `line`.
      onInvalid!(line + lineBreaks(pending + text.slice(0, invalid)));
      onInvalid = undefined;
    }
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }
  function* take(records: string[]): Generator<CsvRecord> {
    for (const record of records) {
      const startLine = line;
      if (record.length > max) throw recordTooLong(file, startLine, max);
      line += lineBreaks(record.replace(/\r\n$|\n$|\r$/, "")) + (/[\r\n]$/.test(record) ? 1 : 0);
      if (record.trim() === "") continue;
      if (!first && !needles.some((n) => record.includes(n))) continue;
      first = false;
      let fields: string[][];
      try {
        fields = parseSync(record, {
          relax_column_count: true,
          relax_quotes: true,
          skip_empty_lines: true,
        }) as string[][];
      } catch (e) {
        throw new SourceError(`${file}:${startLine}: not readable as CSV (${(e as Error).message})`, { cause: e });
      }
      if (fields[0]) yield { line: startLine, fields: fields[0] };
    }
  }
  try {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      // In slices no longer than the limit, so a runaway record is stopped within twice the limit.
      for (let at = 0; at < chunk.length; at += max) {
        let bytes = chunk.subarray(at, at + max);
        if (carry) bytes = concat(carry, bytes);
        if (!started) refuseUtf16(file, bytes);
        const cut = completeLength(bytes);
        carry = cut < bytes.length ? bytes.slice(cut) : undefined;
        const text = pending + decode(bytes.subarray(0, cut));
        const { records, rest } = splitRecords(text, false);
        yield* take(records);
        pending = rest;
        if (pending.length > max) throw recordTooLong(file, line, max);
      }
    }
    const text = pending + (carry ? decode(carry) : "");
    yield* take(splitRecords(text, true).records);
  } finally {
    input.destroy();
  }
}

/**
 * Splits CSV text into raw records (each with its line ending), honouring
 * quoted line breaks. Unless `final`, the text may stop mid-record: what
 * follows the last complete record (one whose line ending is certain) is
 * returned as `rest`, to be read again with the next chunk.
 */
function splitRecords(text: string, final: boolean): { records: string[]; rest: string } {
  const records: string[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // At a field's start: a quote opens a quoted field that runs to its closing quote.
    if (text.charCodeAt(i) === 34) {
      i++;
      while (i < n) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          i = n;
          break;
        }
        if (text.charCodeAt(q + 1) === 34) {
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
    }
    // The rest of an unquoted field (or what follows a closing quote): up to a comma or a line end.
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        break;
      }
      if (c === 10 || c === 13) {
        // A CR that ends the text may be the first half of a CRLF: wait for the next chunk.
        if (c === 13 && i + 1 === n && !final) return { records, rest: text.slice(start) };
        i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
        records.push(text.slice(start, i));
        start = i;
        break;
      }
      i++;
    }
  }
  if (start < n && final) {
    records.push(text.slice(start));
    start = n;
  }
  return { records, rest: text.slice(start) };
}
