/**
 * Streams the records of one CSV file (RFC 4180, UTF-8 with or without BOM,
 * CRLF or LF) with the line each record starts on.
 */
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { SourceError } from "../errors.ts";

/** One CSV record and the 1-based line where it starts. */
export interface CsvRecord {
  line: number;
  fields: string[];
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

/** Counts CRLF pairs, which csv-parse counts as two lines inside quoted fields. */
function crlfPairs(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\r\n"); i !== -1; i = s.indexOf("\r\n", i + 2)) n++;
  return n;
}

/**
 * Yields every non-empty record of a CSV stream, header included.
 *
 * @example
 * for await (const { line, fields } of csvRecords("users.csv", stream)) { … }
 */
export async function* csvRecords(file: string, input: Readable): AsyncGenerator<CsvRecord> {
  const parser = input.pipe(
    parse({ bom: true, info: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }),
  );
  // csv-parse reports the line a record ends on, and counts a CRLF inside a
  // quoted field twice; correct both so messages name the record's first line.
  let overcount = 0;
  let previous = 0;
  input.on("error", (e) => parser.destroy(e));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
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
      yield { line: info.lines - overcount - inner, fields: record };
    }
  } catch (e) {
    if (e instanceof SourceError) throw e;
    const err = e as { message: string; lines?: number; code?: string };
    const where = err.lines ? `${file}:${err.lines}` : file;
    throw new SourceError(`${where}: not readable as CSV (${err.message})`, { cause: e });
  }
}

/**
 * Yields the header and only the records whose raw text contains one of
 * `needles`, with their first line. Records are split by a quote-aware
 * scanner (a quote opens a quoted field only at a field's start, as
 * csv-parse's relax_quotes reads it); each kept record is then parsed by
 * csv-parse. For focused reads (a lookup) of large files: the rest of the
 * file is skipped without being parsed.
 *
 * @example
 * for await (const r of csvRecordsContaining("enrollments.csv", stream, ["stu-000042"])) { … }
 */
export async function* csvRecordsContaining(
  file: string,
  input: Readable,
  needles: readonly string[],
): AsyncGenerator<CsvRecord> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of input) chunks.push(chunk as Uint8Array);
  let text = new TextDecoder().decode(concat(chunks));
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let line = 1;
  let first = true;
  for (const record of splitRecords(text)) {
    const startLine = line;
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

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Splits CSV text into raw records (each with its line ending), honouring quoted line breaks. */
function* splitRecords(text: string): Generator<string> {
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
        i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
        yield text.slice(start, i);
        start = i;
        break;
      }
      i++;
    }
  }
  if (start < n) yield text.slice(start);
}
