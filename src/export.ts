import { metricIdOf } from './ingest/index.js';
import { nameMatches, type Selector } from './query/index.js';
import type { Store } from './storage/index.js';

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
}

/**
 * `GET /api/v1/export`: a tenant's series matching any selector, as VictoriaMetrics JSON lines
 * (`{"metric":{"__name__":…,labels},"values":[…],"timestamps":[…]}`), the format
 * `POST /api/v1/import` reads. Produced page by page (series, then samples by keyset), so memory
 * stays bounded whatever the export's size; each yielded string is one or more whole lines.
 */
export async function* exportJsonLines(store: Store, tenant: string, metrics: readonly string[], selectors: readonly Selector[], opts: ExportOptions): AsyncGenerator<string> {
  const seriesPerPage = opts.seriesPerPage ?? 1000;
  const rowsPerPage = opts.rowsPerPage ?? 100_000;
  const perLine = opts.samplesPerLine ?? 10_000;
  for (const metric of metrics) {
    const matching = selectors.filter((s) => nameMatches(s, metric));
    if (matching.length === 0) continue;
    const metricId = metricIdOf(tenant, metric);
    // Series of this metric matching any selector (union, each once).
    const seen = new Set<string>();
    for (const sel of matching) {
      let after: string | null = null;
      for (;;) {
        const page = await store.seriesPage(tenant, metric, sel.labels, after, seriesPerPage, opts.timeoutMs);
        if (page.length === 0) break;
        after = page[page.length - 1]!.id;
        const fresh = page.filter((p) => !seen.has(p.id));
        for (const p of fresh) seen.add(p.id);
        if (fresh.length > 0) yield* samplesOf(store, metric, metricId, fresh, opts, rowsPerPage, perLine);
        if (page.length < seriesPerPage) break;
      }
    }
  }
}

async function* samplesOf(
  store: Store,
  metric: string,
  metricId: string,
  series: readonly { id: string; dimensions: Record<string, string> }[],
  opts: ExportOptions,
  rowsPerPage: number,
  perLine: number,
): AsyncGenerator<string> {
  const dims = new Map(series.map((s) => [s.id, s.dimensions]));
  const ids = series.map((s) => s.id);
  let cursor: { id: string; ts: number } | null = null;
  let cur: string | null = null;
  let values: number[] = [];
  let timestamps: number[] = [];
  const line = (): string => {
    const labels = { __name__: metric, ...dims.get(cur!) };
    const text = `${JSON.stringify({ metric: labels, values, timestamps })}\n`;
    values = [];
    timestamps = [];
    return text;
  };
  for (;;) {
    const rows = await store.samplesPage(metricId, ids, opts.start, opts.end, cursor, rowsPerPage, opts.timeoutMs);
    if (rows.length === 0) break;
    let out = '';
    for (const r of rows) {
      if ((r.id !== cur || values.length >= perLine) && values.length > 0) out += line();
      cur = r.id;
      values.push(r.value);
      timestamps.push(r.ts);
    }
    const last = rows[rows.length - 1]!;
    cursor = { id: last.id, ts: last.ts };
    if (out !== '') yield out;
    if (rows.length < rowsPerPage) break;
  }
  if (values.length > 0) yield line();
}
