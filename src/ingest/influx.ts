import type { LineParser } from './lines.js';
import type { SeriesSamples } from './resolve.js';
import type { Violation } from './validate.js';

/**
 * InfluxDB line protocol (v1 `/write` and v2 `/api/v2/write`):
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * Each numeric field becomes a sample of the metric `<measurement>_<field>` with the tags as
 * dimensions. Escaping follows InfluxDB: in the measurement `\,` and `\ `; in tag keys, tag values
 * and field keys also `\=`; in string field values `\"` and `\\`. Floats, integers (`1i`),
 * unsigned integers (`1u`) and booleans (`t`/`true`… → 1, `f`/`false`… → 0) are stored; string
 * fields are skipped (a line with only string fields stores nothing and is not an error).
 * Names and tag keys are made valid metric identifiers: any character outside [A-Za-z0-9_]
 * becomes `_`, and a leading digit gets a `_` prefix (`disk.io` → `disk_io`).
 */

/** Timestamp precisions: v2 (ns, us, ms, s) and v1 (n, u, ms, s, m, h). */
export type InfluxPrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

export function influxPrecision(raw: string | undefined): InfluxPrecision | null {
  switch (raw ?? 'ns') {
    case 'ns':
    case 'n':
      return 'ns';
    case 'us':
    case 'u':
    case 'µ':
      return 'us';
    case 'ms':
      return 'ms';
    case 's':
      return 's';
    case 'm':
      return 'm';
    case 'h':
      return 'h';
    default:
      return null;
  }
}

const invalid = (message: string): Violation => ({ code: 'INVALID_PAYLOAD', message: `line protocol: ${message}` });

/** `disk.io` → `disk_io`; `1m` → `_1m`: a name the write path accepts, or '' when empty. */
export function sanitizeName(raw: string): string {
  let out = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (out.length > 0 && out.charCodeAt(0) >= 48 && out.charCodeAt(0) <= 57) out = '_' + out;
  return out;
}

/**
 * Reads an escaped token up to one of the `stops` characters (unescaped) or the end; returns
 * [text, index of the stop]. A backslash before a stop character (or a backslash) escapes it;
 * before anything else it is a literal backslash (InfluxDB's rule).
 */
function token(line: string, from: number, stops: string): [string, number] {
  let out = '';
  let start = from;
  let i = from;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      const next = line[i + 1]!;
      if (stops.includes(next) || next === '\\') {
        out += line.slice(start, i) + next;
        i++;
        start = i + 1;
      }
      continue;
    }
    if (stops.includes(c)) break;
  }
  return [out + line.slice(start, i), i];
}

function fieldValue(raw: string): number | null {
  const last = raw[raw.length - 1];
  if (last === 'i' || last === 'u') {
    const digits = raw.slice(0, -1);
    if (!(last === 'i' ? /^-?\d+$/ : /^\d+$/).test(digits)) return null;
    return Number(digits);
  }
  switch (raw) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return 1;
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return 0;
  }
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(raw)) return null;
  return Number(raw);
}

const MS_PER: Record<InfluxPrecision, bigint> = { ns: 1_000_000n, us: 1000n, ms: 1n, s: 1n, m: 1n, h: 1n };
const MULT: Record<InfluxPrecision, number> = { ns: 1, us: 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function timestampMs(raw: string, precision: InfluxPrecision): number | null {
  if (!/^-?\d{1,19}$/.test(raw)) return null;
  const div = MS_PER[precision];
  if (div === 1n) return Number(raw) * MULT[precision];
  // Floor division in BigInt: nanosecond timestamps are past 2^53.
  const big = BigInt(raw);
  const q = big / div;
  return Number(big < 0n && q * div !== big ? q - 1n : q);
}

/** A parser for one request: `now` stamps lines without a timestamp. */
export function influxParser(precision: InfluxPrecision, now: number): LineParser {
  return (line: string, out: SeriesSamples[]): Violation | null => {
    let i = 0;
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    const [measurement, mEnd] = token(line, i, ', ');
    if (measurement === '') return invalid('missing measurement');
    i = mEnd;
    const dims: [string, string][] = [];
    while (i < line.length && line[i] === ',') {
      const [k, kEnd] = token(line, i + 1, ',= ');
      if (line[kEnd] !== '=') return invalid(`tag ${k === '' ? '(empty)' : k} has no value`);
      const [v, vEnd] = token(line, kEnd + 1, ', =');
      if (k === '' || v === '') return invalid('tag key and value must not be empty');
      if (line[vEnd] === '=') return invalid(`unescaped = in the value of tag ${k}`);
      dims.push([sanitizeName(k), v]);
      i = vEnd;
    }
    if (line[i] !== ' ') return invalid('expected a space and fields after the measurement and tags');
    while (line[i] === ' ') i++;
    const fields: [string, number][] = [];
    let strings = 0;
    for (;;) {
      const [k, kEnd] = token(line, i, ',= ');
      if (k === '' || line[kEnd] !== '=') return invalid(`field ${k === '' ? '(empty key)' : k} has no value`);
      i = kEnd + 1;
      if (line[i] === '"') {
        // A string field: skipped, but parsed to find where it ends.
        let j = i + 1;
        for (; j < line.length; j++) {
          if (line[j] === '\\') j++;
          else if (line[j] === '"') break;
        }
        if (j >= line.length) return invalid(`unterminated string in field ${k}`);
        strings++;
        i = j + 1;
      } else {
        let j = i;
        while (j < line.length && line[j] !== ',' && line[j] !== ' ') j++;
        const raw = line.slice(i, j);
        const v = fieldValue(raw);
        if (v === null) return invalid(`field ${k}: ${raw === '' ? 'missing value' : `invalid value ${raw}`}`);
        fields.push([k, v]);
        i = j;
      }
      if (line[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    let ts = now;
    if (i < line.length) {
      if (line[i] !== ' ') return invalid(`unexpected ${line[i]} after the fields`);
      while (line[i] === ' ') i++;
      const raw = line.slice(i).trimEnd();
      if (raw !== '') {
        const t = timestampMs(raw, precision);
        if (t === null) return invalid(`invalid timestamp ${raw.length > 40 ? raw.slice(0, 40) + '…' : raw}`);
        ts = t;
      }
    }
    if (fields.length === 0 && strings === 0) return invalid('no fields');
    const prefix = sanitizeName(measurement) + '_';
    const dimensions = Object.fromEntries(dims);
    for (const [k, v] of fields) out.push({ name: prefix + sanitizeName(k), dimensions, timestamps: [ts], values: [v] });
    return null;
  };
}
