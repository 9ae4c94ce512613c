import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '5ms' }, metrics: { interval: '1ms' } });
});
afterAll(async () => {
  await s.close();
});

interface Scrape {
  families: Map<string, PrometheusFamily>;
  text: string;
}

async function scrape(): Promise<Scrape> {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  // The whole exposition must parse with an independent Prometheus text-format parser.
  return { families: new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f])), text };
}

/**
 * The value of one counter or gauge sample, or of a histogram's `_count` (0 when the labelled
 * sample does not exist yet). Histogram counts are read from the text: the parser keeps only the
 * buckets of one label set per histogram.
 */
function value(sc: Scrape, name: string, labels: Record<string, string> = {}): number {
  const f = sc.families.get(name);
  if (f?.type === 'HISTOGRAM') {
    const line = sc.text.split('\n').find((l) => {
      const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(l);
      if (m?.[1] !== `${name}_count`) return false;
      const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x): [string, string] => [x[1]!, x[2]!]));
      return Object.entries(labels).every(([k, v]) => have.get(k) === v);
    });
    return Number(line?.split(' ').pop() ?? 0);
  }
  const sample = f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(sample?.value ?? 0);
}

const now = () => Date.now();

describe('GET /metrics', () => {
  it('exposes the seed metrics in Prometheus text format, and they move as the server works', async () => {
    const before = await scrape();
    for (const name of ['luminate_up', 'luminate_storage_health', 'luminate_storage_size_bytes', 'luminate_series_count', 'luminate_active_queries', 'luminate_write_buffer_points', 'luminate_process_cpu_seconds_total', 'luminate_process_resident_memory_bytes', 'luminate_nodejs_heap_used_bytes']) {
      expect(before.families.has(name), name).toBe(true);
    }
    expect(value(before, 'luminate_up')).toBe(1);
    expect(value(before, 'luminate_storage_health')).toBe(1);

    // One clean write (3 points), one partial (1 stored, 1 rejected), one failed request.
    expect((await postJson(`${s.url}/api/v1/write`, { metrics: [1, 2, 3].map((v) => ({ name: 'sm_a', timestamp: now(), value: v, dimensions: { k: `v${v}` } })) })).status).toBe(200);
    expect((await postJson(`${s.url}/api/v1/write`, { metrics: [{ name: 'sm_a', timestamp: now(), value: 4 }, { name: 'bad-name', timestamp: now(), value: 1 }] })).status).toBe(207);
    expect((await postJson(`${s.url}/api/v1/write`, { metrics: [{ name: 'sm_a', timestamp: 5, value: 1 }] })).status).toBe(400);
    // Two good queries of two types and one bad one.
    expect((await postJson(`${s.url}/api/v1/query`, { queryType: 'range', metricName: 'sm_a' })).status).toBe(200);
    expect((await postJson(`${s.url}/api/v1/query`, { queryType: 'aggregate', metricName: 'sm_a', aggregation: 'sum', groupBy: ['k'] })).status).toBe(200);
    expect((await postJson(`${s.url}/api/v1/query`, { queryType: 'aggregate', metricName: 'sm_a', aggregation: 'median' })).status).toBe(400);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('luminate_write_requests_total', { tenant_id: 'default', status: 'success' })).toBe(1);
    expect(delta('luminate_write_requests_total', { tenant_id: 'default', status: 'partial' })).toBe(1);
    expect(delta('luminate_write_requests_total', { tenant_id: 'default', status: 'error' })).toBe(1);
    expect(delta('luminate_metrics_ingested_total', { tenant_id: 'default' })).toBe(4);
    expect(delta('luminate_write_errors_total', { code: 'INVALID_METRIC_NAME' })).toBe(1);
    expect(delta('luminate_write_errors_total', { code: 'INVALID_TIMESTAMP' })).toBe(1);
    expect(delta('luminate_write_latency_seconds')).toBe(3); // histogram count
    expect(delta('luminate_query_requests_total', { query_type: 'range' })).toBe(1);
    expect(delta('luminate_query_requests_total', { query_type: 'aggregate' })).toBe(2);
    expect(delta('luminate_query_errors_total', { query_type: 'aggregate', code: 'INVALID_QUERY' })).toBe(1);
    expect(delta('luminate_query_latency_seconds', { query_type: 'aggregate' })).toBe(2);
    expect(delta('luminate_query_result_points')).toBe(2);
    expect(delta('luminate_flush_latency_seconds')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'luminate_series_count')).toBeGreaterThanOrEqual(4);
    expect(value(after, 'luminate_cardinality_by_metric', { tenant_id: 'default', metric: 'sm_a' })).toBe(4);
    expect(value(after, 'luminate_storage_size_bytes')).toBeGreaterThan(0);
    expect(value(after, 'luminate_active_queries')).toBe(0);
    expect(value(after, 'luminate_process_cpu_seconds_total')).toBeGreaterThan(value(before, 'luminate_process_cpu_seconds_total'));
    expect(value(after, 'luminate_process_resident_memory_bytes')).toBeGreaterThan(50 * 2 ** 20);
  });
});
