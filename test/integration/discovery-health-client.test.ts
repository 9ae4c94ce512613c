import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuminateClient, LuminateClientError } from '../../src/client/index.js';
import { getJson, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let client: LuminateClient;

beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '10ms' } });
  client = new LuminateClient({ url: s.url });
  const now = Date.now();
  const metrics = [];
  // customer_id values with different series counts: acme 3, beta 2, cobalt 1.
  for (const [c, n] of [['acme', 3], ['beta', 2], ['cobalt', 1]] as const) {
    for (let i = 0; i < n; i++) metrics.push({ name: 'd_requests', timestamp: now - i, value: i, dimensions: { customer_id: c, endpoint: `/e${i}` } });
  }
  metrics.push({ name: 'd_cpu', timestamp: now, value: 1, dimensions: { host: 'web-01' } });
  metrics.push({ name: 'd_bare', timestamp: now, value: 1 });
  const r = await client.write(metrics);
  expect(r).toEqual({ accepted: 8, rejected: 0, errors: [] });
});
afterAll(async () => {
  await s.close();
});

describe('discovery', () => {
  it('lists metric names', async () => {
    expect(await getJson(`${s.url}/api/v1/metrics`)).toEqual({ status: 200, body: ['d_bare', 'd_cpu', 'd_requests'] });
  });

  it('lists dimension keys of a metric ([] for a metric without dimensions)', async () => {
    expect((await getJson(`${s.url}/api/v1/metrics/d_requests/dimensions`)).body).toEqual(['customer_id', 'endpoint']);
    expect((await getJson(`${s.url}/api/v1/metrics/d_bare/dimensions`)).body).toEqual([]);
  });

  it('lists values most frequent first, with limit and prefix', async () => {
    expect((await getJson(`${s.url}/api/v1/metrics/d_requests/dimensions/customer_id/values`)).body).toEqual(['acme', 'beta', 'cobalt']);
    expect((await getJson(`${s.url}/api/v1/metrics/d_requests/dimensions/customer_id/values?limit=2`)).body).toEqual(['acme', 'beta']);
    expect((await getJson(`${s.url}/api/v1/metrics/d_requests/dimensions/customer_id/values?prefix=co`)).body).toEqual(['cobalt']);
    expect((await getJson(`${s.url}/api/v1/metrics/d_requests/dimensions/customer_id/values?prefix=zz`)).body).toEqual([]);
  });

  it('answers 404 METRIC_NOT_FOUND for an unknown metric and 400 for bad names or limits', async () => {
    expect(await getJson(`${s.url}/api/v1/metrics/nope/dimensions`)).toMatchObject({ status: 404, body: { error: { code: 'METRIC_NOT_FOUND' } } });
    expect(await getJson(`${s.url}/api/v1/metrics/nope/dimensions/k/values`)).toMatchObject({ status: 404, body: { error: { code: 'METRIC_NOT_FOUND' } } });
    expect(await getJson(`${s.url}/api/v1/metrics/bad-name/dimensions`)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_QUERY' } } });
    expect(await getJson(`${s.url}/api/v1/metrics/d_requests/dimensions/bad-key/values`)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_QUERY' } } });
    expect(await getJson(`${s.url}/api/v1/metrics/d_requests/dimensions/customer_id/values?limit=0`)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_QUERY' } } });
  });
});

describe('health', () => {
  it('reports the seed shape when healthy, and livez/readyz', async () => {
    const h = await getJson(`${s.url}/api/v1/health`);
    expect(h.status).toBe(200);
    expect(h.body).toEqual({
      status: 'healthy',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/) as string,
      storage: { backend: 'embedded', status: 'healthy', disk_used_bytes: expect.any(Number) as number },
      uptime_seconds: expect.any(Number) as number,
    });
    expect((h.body as { storage: { disk_used_bytes: number } }).storage.disk_used_bytes).toBeGreaterThan(0);
    expect(await getJson(`${s.url}/livez`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${s.url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
  });
});

describe('typed client', () => {
  it('queries, lists and reports health', async () => {
    expect(await client.listMetrics()).toEqual(['d_bare', 'd_cpu', 'd_requests']);
    expect(await client.listDimensions('d_requests')).toEqual(['customer_id', 'endpoint']);
    expect(await client.listDimensionValues('d_requests', 'customer_id', { limit: 1 })).toEqual(['acme']);
    const r = await client.query({ queryType: 'aggregate', metricName: 'd_requests', aggregation: 'count', groupBy: ['customer_id'] });
    expect(r.queryType === 'aggregate' && r.results.map((x) => [x.groupKey.customer_id, x.value])).toEqual([['acme', 3], ['beta', 2], ['cobalt', 1]]);
    expect((await client.health()).status).toBe('healthy');
  });

  it('gzips large writes and reports 207 details', async () => {
    const now = Date.now();
    const metrics = Array.from({ length: 2000 }, (_, i) => ({ name: 'd_bulk', timestamp: now - i, value: i, dimensions: { k: `v${i % 10}` } }));
    metrics.push({ name: 'bad-name', timestamp: now, value: 1, dimensions: { k: 'v' } });
    const r = await client.write(metrics);
    expect(r.accepted).toBe(2000);
    expect(r.errors).toEqual([{ index: 2000, metric: 'bad-name', code: 'INVALID_METRIC_NAME', error: expect.any(String) as string }]);
  });

  it("surfaces the server's error code", async () => {
    const err = await client.query({ queryType: 'range', metricName: 'd_cpu', timeRange: { relative: '100d' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LuminateClientError);
    expect(err).toMatchObject({ status: 400, code: 'TIME_RANGE_TOO_LARGE', details: { max_query_time_range: '90d' } });
    await expect(client.listDimensions('missing_metric')).rejects.toMatchObject({ status: 404, code: 'METRIC_NOT_FOUND' });
  });
});

describe('health when storage is gone', () => {
  it('answers 503 with the seed unhealthy shape', async () => {
    await s.luminate.store.close();
    const h = await getJson(`${s.url}/api/v1/health`);
    expect(h.status).toBe(503);
    expect(h.body).toMatchObject({ status: 'unhealthy', storage: { backend: 'embedded', status: 'unavailable', error: expect.any(String) as string } });
    expect((await getJson(`${s.url}/readyz`)).status).toBe(503);
  });
});
