/**
 * Streams the records of one CSV file (RFC 4180, UTF-8 with or without BOM,
 * CRLF or LF) with the line each record starts on.
 */
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
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
  input.on("error", (e) => parser.destroy(e));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      let inner = 0;
      for (const field of record) {
        if (field.indexOf("\n") !== -1 || field.indexOf("\r") !== -1) {
          inner += lineBreaks(field);
          overcount += crlfPairs(field);
        }
      }
      yield { line: info.lines - overcount - inner, fields: record };
    }
  } catch (e) {
    if (e instanceof SourceError) throw e;
    const err = e as { message: string; lines?: number; code?: string };
    const where = err.lines ? `${file}:${err.lines}` : file;
    throw new SourceError(`${where}: not readable as CSV (${err.message})`, { cause: e });
  }
}
