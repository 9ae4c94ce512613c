import { metricIdOf } from './ingest/index.js';
import { nameMatches, type Selector } from './query/index.js';
import { ParquetStream } from './parquet-stream.js';
import type { LabelMatcher, Store } from './storage/index.js';

export interface ExportOptions {
  /** Unix ms, inclusive. */
  start: number;
  end: number;
  /** Engine time limit per statement. */
  timeoutMs: number;
  /** Series per samples query. @default 1000 */
  seriesPerPage?: number;
  /** Rows per samples query (a page may run over to finish a timestamp). @default 100_000 */
  rowsPerPage?: number;
  /** Samples per output line; a longer series continues on the next line. @default 10_000 */
  samplesPerLine?: number;
  /** Where raw points come from when archived days overlap the range (Luminate.samplesSource); null: the samples table. */
  source?: string | null;
}

/**
 * `GET /api/v1/export`: a tenant's series matching any selector, as VictoriaMetrics JSON lines
 * (`{"metric":{"__name__":…,labels},"values":[…],"timestamps":[…]}`), the format
 * `POST /api/v1/import` reads. Produced page by page (series, then samples by keyset), so memory
 * stays bounded whatever the export's size; each yielded string is one or more whole lines.
 */
export async function* exportJsonLines(store: Store, tenant: string, metrics: readonly string[], selectors: readonly Selector[], opts: ExportOptions): AsyncGenerator<string> {
  const perLine = opts.samplesPerLine ?? 10_000;
  for (const metric of metrics) {
    const matching = selectors.filter((s) => nameMatches(s, metric));
    if (matching.length === 0) continue;
    // Series of this metric matching any selector (union, each once).
    const seen = new Set<string>();
    for (const sel of matching) {
      let cur: string | null = null;
      let curDims: Record<string, string> = {};
      let values: number[] = [];
      let timestamps: number[] = [];
      const line = (): string => {
        const text = `${JSON.stringify({ metric: { __name__: metric, ...curDims }, values, timestamps })}\n`;
        values = [];
        timestamps = [];
        return text;
      };
      for await (const page of pointPages(store, tenant, metric, sel.labels, seen, opts)) {
        let out = '';
        for (const r of page.rows) {
          if ((r.id !== cur || values.length >= perLine) && values.length > 0) out += line();
          if (r.id !== cur) {
            cur = r.id;
            curDims = page.dimensions.get(r.id)!;
          }
          values.push(r.value);
          timestamps.push(r.ts);
        }
        if (out !== '') yield out;
      }
      if (values.length > 0) yield line();
    }
  }
}

/** Samples of some series, with those series' dimensions. */
export interface PointPage {
  rows: readonly { id: string; ts: number; value: number }[];
  dimensions: ReadonlyMap<string, Record<string, string>>;
}

/**
 * A metric's points in [start, end], page by page: series matching `matchers` (skipping and then
 * recording those in `seen`), a page of series at a time, then their samples by keyset (series,
 * time), so memory stays bounded whatever the size.
 */
export async function* pointPages(store: Store, tenant: string, metric: string, matchers: readonly LabelMatcher[], seen: Set<string>, opts: ExportOptions): AsyncGenerator<PointPage> {
  const seriesPerPage = opts.seriesPerPage ?? 1000;
  const rowsPerPage = opts.rowsPerPage ?? 100_000;
  const metricId = metricIdOf(tenant, metric);
  let after: string | null = null;
  for (;;) {
    const page = await store.seriesPage(tenant, metric, matchers, after, seriesPerPage, opts.timeoutMs);
    if (page.length === 0) return;
    after = page[page.length - 1]!.id;
    const fresh = page.filter((p) => !seen.has(p.id));
    for (const p of fresh) seen.add(p.id);
    if (fresh.length > 0) {
      const dimensions = new Map(fresh.map((s) => [s.id, s.dimensions]));
      const ids = fresh.map((s) => s.id);
      let cursor: { id: string; ts: number } | null = null;
      for (;;) {
        const rows = await store.samplesPage(metricId, ids, opts.start, opts.end, cursor, rowsPerPage, opts.timeoutMs, opts.source ?? null);
        if (rows.length === 0) break;
        yield { rows, dimensions };
        const last = rows[rows.length - 1]!;
        cursor = { id: last.id, ts: last.ts };
        if (rows.length < rowsPerPage) break;
      }
    }
    if (page.length < seriesPerPage) return;
  }
}

export const EXPORT_FORMATS = ['ndjson', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Columns every export has; a dimension with one of these keys is exported as `dimension_<key>`. */
const FIXED_COLUMNS = new Set(['timestamp', 'name', 'value']);
const columnOf = (key: string) => (FIXED_COLUMNS.has(key) ? `dimension_${key}` : key);

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows per Parquet row group: pages are gathered up to this before a group is written. */
const ROW_GROUP_ROWS = 100_000;

/**
 * `GET /api/v1/metrics/export`: every point of one metric in [start, end], streamed page by page
 * (`pointPages`), as
 * - `ndjson`: `{"name","timestamp","value","dimensions"}` per line, the write API's point shape
 *   (so `POST /api/v1/metrics/ingest/batch` re-imports it);
 * - `csv`: a header `timestamp,name,value,<dimension keys…>`, then one row per point, the time in
 *   RFC 3339 UTC with milliseconds and an empty field for a dimension a series lacks;
 * - `parquet`: columns `timestamp` (INT64 TIMESTAMP_MILLIS), `name`, `value` (DOUBLE), one
 *   optional string column per dimension key; one row group per ~100,000 rows, each sent as soon
 *   as it is written, the footer last.
 * `dimensionKeys` are the metric's keys (the columns of csv and parquet).
 */
export async function* exportMetric(store: Store, tenant: string, metric: string, dimensionKeys: readonly string[], format: ExportFormat, opts: ExportOptions): AsyncGenerator<Buffer> {
  const pages = pointPages(store, tenant, metric, [], new Set(), opts);
  const keys = [...dimensionKeys].sort();
  if (format === 'ndjson') {
    const nameJson = JSON.stringify(metric);
    for await (const page of pages) {
      let out = '';
      // Each series' dimensions serialized once per page.
      const dims = new Map<string, string>();
      for (const r of page.rows) {
        let d = dims.get(r.id);
        if (d === undefined) dims.set(r.id, (d = JSON.stringify(page.dimensions.get(r.id))));
        out += `{"name":${nameJson},"timestamp":${r.ts},"value":${r.value},"dimensions":${d}}\n`;
      }
      yield Buffer.from(out);
    }
    return;
  }
  if (format === 'csv') {
    yield Buffer.from(`${['timestamp', 'name', 'value', ...keys.map(columnOf)].map(csvField).join(',')}\n`);
    const nameField = csvField(metric);
    for await (const page of pages) {
      let out = '';
      // Each series' dimension fields once per page.
      const tails = new Map<string, string>();
      for (const r of page.rows) {
        let tail = tails.get(r.id);
        if (tail === undefined) {
          const dims = page.dimensions.get(r.id)!;
          tails.set(r.id, (tail = keys.map((k) => `,${csvField(dims[k] ?? '')}`).join('')));
        }
        out += `${new Date(r.ts).toISOString()},${nameField},${r.value}${tail}\n`;
      }
      yield Buffer.from(out);
    }
    return;
  }
  yield* parquetRows(metric, keys, pages);
}

async function* parquetRows(metric: string, keys: readonly string[], pages: AsyncIterable<PointPage>): AsyncGenerator<Buffer> {
  const out = new ParquetStream([
    { name: 'timestamp', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'REQUIRED' },
    { name: 'name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: 'value', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    ...keys.map((k) => ({ name: columnOf(k), type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const })),
  ]);
  let ts: number[] = [];
  let values: number[] = [];
  let dims: (string | null)[][] = keys.map(() => []);
  const flush = () => {
    out.rowGroup([ts, new Array<string>(ts.length).fill(metric), values, ...dims]);
    ts = [];
    values = [];
    dims = keys.map(() => []);
  };
  yield out.take();
  for await (const page of pages) {
    for (const r of page.rows) {
      const d = page.dimensions.get(r.id)!;
      ts.push(r.ts);
      values.push(r.value);
      for (let k = 0; k < keys.length; k++) dims[k]!.push(d[keys[k]!] ?? null);
    }
    if (ts.length >= ROW_GROUP_ROWS) {
      flush();
      yield out.take();
    }
  }
  if (ts.length > 0) flush();
  out.finish();
  yield out.take();
}
