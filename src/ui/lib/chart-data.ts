import type { QueryResponse } from './types.js';

/** One line of a chart: its label and a value per x (null where the series has no point). */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

/** Time-aligned series: `x` in unix seconds (uPlot's time scale), ascending. */
export interface ChartData {
  x: number[];
  series: ChartSeries[];
}

/** `{customer_id="c1", region="eu"}`, or the fallback when there are no dimensions. */
export function labelOf(dims: Record<string, string>, fallback: string): string {
  const keys = Object.keys(dims).sort();
  if (keys.length === 0) return fallback;
  return keys.map((k) => `${k}=${dims[k]}`).join(', ');
}

/** True when the answer is a time series (range, rate, or aggregate with an interval). */
export function isTimeSeries(r: QueryResponse): boolean {
  if (r.queryType === 'range' || r.queryType === 'rate') return true;
  if (r.queryType === 'aggregate') return r.results.some((p) => p.timestamp !== undefined);
  return false;
}

/**
 * API answer → aligned series for a chart: range points by their dimensions, rate and bucketed
 * aggregates by group key. Series keep the API's order (top-N first); x is the union of all
 * timestamps, so series with gaps get nulls rather than shifted points.
 */
export function toChartData(r: QueryResponse, metric: string): ChartData {
  const bySeries = new Map<string, Map<number, number>>();
  const add = (label: string, t: number, v: number) => {
    let m = bySeries.get(label);
    if (m === undefined) bySeries.set(label, (m = new Map<number, number>()));
    m.set(t, v);
  };
  switch (r.queryType) {
    case 'range':
      for (const p of r.results) add(labelOf(p.dimensions, metric), p.timestamp, p.value);
      break;
    case 'rate':
      for (const p of r.results) add(labelOf(p.groupKey, metric), p.timestamp, p.rate);
      break;
    case 'aggregate':
      for (const p of r.results) if (p.timestamp !== undefined) add(labelOf(p.groupKey, metric), p.timestamp, p.value);
      break;
    case 'listDimensionValues':
      break;
  }
  const times = new Set<number>();
  for (const m of bySeries.values()) for (const t of m.keys()) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  return {
    x: xs.map((t) => t / 1000),
    series: [...bySeries].map(([label, m]) => ({ label, values: xs.map((t) => m.get(t) ?? null) })),
  };
}

/** uPlot's data layout: `[x, ...ys]`. */
export function toUplotData(d: ChartData): [number[], ...(number | null)[][]] {
  return [d.x, ...d.series.map((s) => s.values)];
}

/** One row per series or group, for table, gauge and bar panels. */
export interface Row {
  label: string;
  value: number;
  /** Raw points behind the value, when the API says. */
  count?: number;
  /** Time of the value, for time series (their latest point). */
  timestamp?: number;
}

/**
 * API answer → rows: an aggregate's groups as they are; for time series, each series' latest
 * value (what a gauge or a bar shows "now").
 */
export function toRows(r: QueryResponse, metric: string): Row[] {
  if (r.queryType === 'aggregate' && !isTimeSeries(r)) {
    return r.results.map((p) => ({ label: labelOf(p.groupKey, metric), value: p.value, count: p.count }));
  }
  const d = toChartData(r, metric);
  const rows: Row[] = [];
  for (const s of d.series) {
    for (let i = s.values.length - 1; i >= 0; i--) {
      const v = s.values[i];
      if (v !== null && v !== undefined) {
        rows.push({ label: s.label, value: v, timestamp: d.x[i]! * 1000 });
        break;
      }
    }
  }
  return rows;
}
