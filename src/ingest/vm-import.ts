import type { LineParser } from './lines.js';
import type { Violation } from './validate.js';

/**
 * Line formats other systems export and import:
 * - VictoriaMetrics JSON lines (`/api/v1/import`, `/api/v1/export`):
 *   `{"metric":{"__name__":"up","job":"x"},"values":[1,0],"timestamps":[1700000000000,1700000015000]}`
 * - VictoriaMetrics CSV (`/api/v1/import/csv?format=1:metric:ask,2:label:ticker,3:time:unix_s`)
 * - NDJSON of seed 003 metrics (`/api/v1/metrics/ingest/batch`): `{"name","timestamp","value","dimensions"}`
 */

const invalid = (what: string, message: string): Violation => ({ code: 'INVALID_PAYLOAD', message: `${what}: ${message}` });

/** The parsed line, or the violation saying why it is not JSON. */
function parseJsonLine(line: string, what: string): { doc: unknown } | Violation {
  try {
    return { doc: JSON.parse(line) as unknown };
  } catch (err) {
    return invalid(what, `not valid JSON: ${(err as Error).message}`);
  }
}

/** One VictoriaMetrics JSON line → one series with its samples. */
export const vmJsonLine: LineParser = (line, out) => {
  const parsed = parseJsonLine(line, 'JSON line');
  if (!('doc' in parsed)) return parsed;
  const doc = parsed.doc;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return invalid('JSON line', 'expected an object {"metric":{...},"values":[...],"timestamps":[...]}');
  const { metric, values, timestamps } = doc as { metric?: unknown; values?: unknown; timestamps?: unknown };
  if (typeof metric !== 'object' || metric === null || Array.isArray(metric)) return invalid('JSON line', '"metric" must be an object of label names to values');
  if (!Array.isArray(values) || !Array.isArray(timestamps)) return invalid('JSON line', '"values" and "timestamps" must be arrays');
  if (values.length !== timestamps.length) return invalid('JSON line', `"values" has ${values.length} items but "timestamps" has ${timestamps.length}`);
  let name: unknown;
  const dims: [string, string][] = [];
  for (const [k, v] of Object.entries(metric as Record<string, unknown>)) {
    if (typeof v !== 'string') return invalid('JSON line', `label ${k} must be a string`);
    if (k === '__name__') name = v;
    else if (v !== '') dims.push([k, v]);
  }
  if (typeof name !== 'string' || name === '') return invalid('JSON line', '"metric" needs a "__name__"');
  // Values and timestamps are checked per sample by the write path (INVALID_VALUE, INVALID_TIMESTAMP).
  out.push({ name, dimensions: Object.fromEntries(dims), timestamps: timestamps as number[], values: values as number[] });
  return null;
};

/**
 * One NDJSON line of a seed 003 metric. Only the shape is checked here; the write path applies
 * every rule of `POST /api/v1/write` (name, dimensions, timestamp, value) with the same codes.
 */
export const seedMetricLine: LineParser = (line, out) => {
  const parsed = parseJsonLine(line, 'NDJSON line');
  if (!('doc' in parsed)) return parsed;
  const p = parsed.doc as { name?: unknown; timestamp?: unknown; value?: unknown; dimensions?: unknown } | null;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return { code: 'INVALID_METRIC', message: 'each line must be a metric object {name, timestamp, value, dimensions}' };
  // The write path checks each field's type; the casts only carry the values there.
  out.push({ name: p.name as string, dimensions: (p.dimensions ?? {}) as Record<string, string>, timestamps: [p.timestamp as number], values: [p.value as number] });
  return null;
};

/** A column of a VictoriaMetrics CSV `format`. */
export type CsvColumn = { col: number; kind: 'metric' | 'label'; name: string } | { col: number; kind: 'time'; format: 'unix_s' | 'unix_ms' | 'unix_ns' | 'rfc3339' };

/**
 * Parses `format=1:metric:ask,2:label:ticker,3:time:unix_s` (VictoriaMetrics' syntax; columns
 * are 1-based). Returns the columns or a message saying what is wrong.
 */
export function parseCsvFormat(raw: string | undefined): CsvColumn[] | string {
  if (raw === undefined || raw.trim() === '') return 'the format parameter is required, e.g. format=1:metric:cpu,2:label:host,3:time:unix_ms';
  const cols: CsvColumn[] = [];
  const seen = new Set<number>();
  for (const part of raw.split(',')) {
    const m = /^(\d+):(metric|label|time):(.+)$/.exec(part.trim());
    if (m === null) return `format entry "${part}" must be <column>:metric:<name>, <column>:label:<name> or <column>:time:<unix_s|unix_ms|unix_ns|rfc3339>`;
    const col = Number(m[1]);
    if (col < 1 || col > 1000) return `format entry "${part}": column must be 1-1000`;
    if (seen.has(col)) return `format: column ${col} is listed twice`;
    seen.add(col);
    const kind = m[2] as 'metric' | 'label' | 'time';
    const arg = m[3]!;
    if (kind === 'time') {
      if (arg !== 'unix_s' && arg !== 'unix_ms' && arg !== 'unix_ns' && arg !== 'rfc3339') return `format entry "${part}": time format must be unix_s, unix_ms, unix_ns or rfc3339`;
      if (cols.some((c) => c.kind === 'time')) return 'format: at most one time column';
      cols.push({ col: col - 1, kind, format: arg });
    } else {
      cols.push({ col: col - 1, kind, name: arg });
    }
  }
  if (!cols.some((c) => c.kind === 'metric')) return 'format: at least one metric column is required';
  return cols;
}

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote). Null when a quote is unterminated. */
export function splitCsv(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return null;
        v += line.slice(j, q);
        if (line[q + 1] === '"') {
          v += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      out.push(v);
      i = j;
    } else {
      const c = line.indexOf(',', i);
      out.push(line.slice(i, c < 0 ? line.length : c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) return out;
    if (line[i] !== ',') return null;
    i++;
    if (i === line.length) {
      out.push('');
      return out;
    }
  }
}

function csvTime(raw: string, format: 'unix_s' | 'unix_ms' | 'unix_ns' | 'rfc3339'): number | null {
  if (format === 'rfc3339') {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(raw)) return null;
    const t = Date.parse(raw);
    return Number.isNaN(t) ? null : t;
  }
  if (!/^-?\d+(\.\d+)?$/.test(raw)) return null;
  const n = Number(raw);
  return format === 'unix_s' ? Math.round(n * 1000) : format === 'unix_ms' ? Math.round(n) : Math.floor(n / 1e6);
}

/** A CSV line parser for one request's columns; `now` stamps rows without a time column. */
export function csvParser(cols: readonly CsvColumn[], now: number): LineParser {
  const width = Math.max(...cols.map((c) => c.col)) + 1;
  return (line, out) => {
    const cells = splitCsv(line);
    if (cells === null) return invalid('CSV', 'unterminated quoted field or text after a closing quote');
    if (cells.length < width) return invalid('CSV', `expected at least ${width} columns, got ${cells.length}`);
    let ts = now;
    const dims: [string, string][] = [];
    for (const c of cols) {
      if (c.kind === 'time') {
        const t = csvTime(cells[c.col]!.trim(), c.format);
        if (t === null) return invalid('CSV', `column ${c.col + 1}: "${cells[c.col]}" is not a ${c.format} time`);
        ts = t;
      } else if (c.kind === 'label' && cells[c.col] !== '') dims.push([c.name, cells[c.col]!]);
    }
    const dimensions = Object.fromEntries(dims);
    for (const c of cols) {
      if (c.kind !== 'metric') continue;
      const raw = cells[c.col]!.trim();
      if (raw === '') continue;
      const v = Number(raw);
      if (Number.isNaN(v) && raw !== 'NaN') return invalid('CSV', `column ${c.col + 1}: "${raw}" is not a number`);
      out.push({ name: c.name, dimensions, timestamps: [ts], values: [v] });
    }
    return null;
  };
}
