import { StringDecoder } from 'node:string_decoder';
import type { CardinalityWarning } from './cardinality.js';
import type { WriteResult } from './acceptor.js';
import type { SeriesSamples } from './resolve.js';
import type { Violation } from './validate.js';

/**
 * Line-oriented ingest (NDJSON, VictoriaMetrics JSON lines and CSV, Influx line protocol), read as
 * a stream: lines are parsed as they arrive and written in chunks of at most `chunkSamples`
 * samples, each awaited before more of the body is read. A body of any size therefore costs one
 * chunk of memory, and a bad line is reported by its number while the good ones are stored.
 */

/** One rejected line (1-based), as the line endpoints report it. */
export interface LineError {
  line: number;
  metric: string | null;
  code: string;
  error: string;
}

/** Parses one non-empty line, appending its series to `out`; returns why the line is refused, or null. */
export type LineParser = (line: string, out: SeriesSamples[]) => Violation | null;

export interface LineIngestOptions {
  /** A line longer than this (in UTF-16 units, ≈ bytes for ASCII) is refused without being held. */
  maxLineLength: number;
  /** Samples per write. @default 10_000 (batch_write.max_batch_size) */
  chunkSamples: number;
  /** Errors kept for the answer (all are counted). @default 1000 */
  maxErrors?: number;
  /** Lines starting with this are comments (Influx `#`). */
  comment?: string;
}

export interface LineIngestResult {
  /** Non-empty, non-comment lines read. */
  lines: number;
  accepted: number;
  rejected: number;
  /** The first `maxErrors` rejected lines (a line rejected for several samples is listed once per sample). */
  errors: LineError[];
  warnings: CardinalityWarning[];
}

export async function ingestLines(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  parse: LineParser,
  /** Stores a chunk; answers accepted 0 with its errors (not a throw) when nothing in it is valid. */
  write: (series: SeriesSamples[]) => Promise<WriteResult>,
  opts: LineIngestOptions,
): Promise<LineIngestResult> {
  const maxErrors = opts.maxErrors ?? 1000;
  const result: LineIngestResult = { lines: 0, accepted: 0, rejected: 0, errors: [], warnings: [] };
  const warned = new Set<string>();
  const reject = (e: LineError) => {
    result.rejected++;
    if (result.errors.length < maxErrors) result.errors.push(e);
  };

  let chunk: SeriesSamples[] = [];
  /** Line number of each sample of the chunk (write errors come back by sample ordinal). */
  let lineOf: number[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const series = chunk;
    const lines = lineOf;
    chunk = [];
    lineOf = [];
    // A chunk with nothing valid comes back as accepted 0 with its errors: the stream goes on.
    const r = await write(series);
    result.accepted += r.accepted;
    for (const e of r.errors) reject({ line: lines[e.index] ?? 0, metric: e.metric, code: e.code, error: e.error });
    for (const w of r.warnings ?? []) {
      const key = `${w.code}\u0000${w.metric ?? ''}\u0000${w.dimension ?? ''}`;
      if (!warned.has(key)) {
        warned.add(key);
        result.warnings.push(w);
      }
    }
  };

  let lineNo = 0;
  const take = async (line: string) => {
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '' || (opts.comment !== undefined && line.startsWith(opts.comment))) return;
    result.lines++;
    const before = chunk.length;
    const v = parse(line, chunk);
    if (v !== null) {
      chunk.length = before;
      reject({ line: lineNo, metric: null, code: v.code, error: v.message });
      return;
    }
    for (let i = before; i < chunk.length; i++) {
      const n = chunk[i]!.timestamps.length;
      for (let k = 0; k < n; k++) lineOf.push(lineNo);
    }
    if (lineOf.length >= opts.chunkSamples) await flush();
  };

  const decoder = new StringDecoder('utf8');
  let carry = '';
  /** Inside a line already refused for its length: drop text up to its end. */
  let skipping = false;
  const tooLong = () => {
    lineNo++;
    result.lines++;
    reject({ line: lineNo, metric: null, code: 'INVALID_PAYLOAD', error: `line is longer than ${opts.maxLineLength} characters` });
  };
  const feed = async (text: string) => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (skipping) skipping = false;
      else if (carry.length + nl - start > opts.maxLineLength) tooLong();
      else await take(carry + text.slice(start, nl));
      carry = '';
      start = nl + 1;
    }
    if (skipping) return;
    if (carry.length + text.length - start > opts.maxLineLength) {
      tooLong();
      carry = '';
      skipping = true;
      return;
    }
    carry += text.slice(start);
  };

  for await (const piece of source) await feed(typeof piece === 'string' ? piece : decoder.write(piece));
  await feed(decoder.end());
  if (!skipping && carry !== '') await take(carry);
  await flush();
  // Parse errors are found as lines arrive, write errors when their chunk is stored: list by line.
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}
