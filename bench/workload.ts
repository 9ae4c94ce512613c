/**
 * The benchmark's deterministic high-cardinality workload (issue 2): customers × endpoints ×
 * regions, with a status code per series, ≈ `series` series of `points / series` points each,
 * spread over the last hour, sent in time order (every series' k-th point before any (k+1)-th)
 * as a scraper would. Same seed and sizes → same series, values and relative timestamps.
 */
export interface WorkloadOptions {
  series: number;
  points: number;
  batchSize: number;
  seed: number;
  /** Timestamps fall in [start, start + 55 min]. */
  start: number;
}

export const ENDPOINTS = ['/api/users', '/api/orders', '/api/search', '/api/login', '/api/cart'];
export const REGIONS = ['us-west-2', 'eu-west-1'];
const STATUS = ['200', '200', '200', '201', '404', '500'];

export function customersFor(series: number): number {
  return Math.max(1, Math.floor(series / (ENDPOINTS.length * REGIONS.length)));
}

/** Dimensions of series `s` (0-based). */
export function seriesDims(s: number, customers: number): { customer_id: string; endpoint: string; region: string; status: string } {
  const c = s % customers;
  const rest = Math.floor(s / customers);
  return {
    customer_id: `cust_${String(c).padStart(6, '0')}`,
    endpoint: ENDPOINTS[rest % ENDPOINTS.length]!,
    region: REGIONS[Math.floor(rest / ENDPOINTS.length) % REGIONS.length]!,
    status: STATUS[(s * 2654435761) % STATUS.length]!,
  };
}

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields JSON write bodies of `batchSize` points, in time order. */
export function* batches(o: WorkloadOptions): Generator<{ body: string; points: number }> {
  const perSeries = Math.max(1, Math.round(o.points / o.series));
  const customers = customersFor(o.series);
  const series = customers * ENDPOINTS.length * REGIONS.length;
  const step = Math.floor((55 * 60_000) / perSeries);
  const rnd = prng(o.seed);
  // Dimension JSON fragments are built once per series, as a client library would cache them.
  const dimsJson: string[] = [];
  for (let s = 0; s < series; s++) dimsJson.push(JSON.stringify(seriesDims(s, customers)));
  let parts: string[] = [];
  for (let k = 0; k < perSeries; k++) {
    for (let s = 0; s < series; s++) {
      const ts = o.start + k * step + (s % step);
      // Latency-like values: a long-tailed distribution, 0.1 ms resolution.
      const value = Math.round((5 + 400 * rnd() ** 3) * 10) / 10;
      parts.push(`{"name":"api_latency","timestamp":${ts},"value":${value},"dimensions":${dimsJson[s]}}`);
      if (parts.length === o.batchSize) {
        yield { body: `{"metrics":[${parts.join(',')}]}`, points: parts.length };
        parts = [];
      }
    }
  }
  if (parts.length > 0) yield { body: `{"metrics":[${parts.join(',')}]}`, points: parts.length };
}
