import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/query/index.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

describe('ranked groups past max_result_points', () => {
  // Three customers × 30 minutes of one point a minute; sums rank c > b > a.
  let small: TestServer;
  const start = Math.floor((Date.now() - 40 * 60_000) / 60_000) * 60_000;
  const range = { start: new Date(start).toISOString(), end: new Date(start + 30 * 60_000 - 1).toISOString() };
  beforeAll(async () => {
    small = await startTestServer({ batch_write: { flush_interval: '10ms' }, query_limits: { max_result_points: 50 } });
    const metrics = ['a', 'b', 'c'].flatMap((customer_id, k) =>
      Array.from({ length: 30 }, (_, i) => [
        { name: 'rk_latency', timestamp: start + i * 60_000, value: (k + 1) * 10 + (i % 7), dimensions: { customer_id } },
        { name: 'rk_requests', timestamp: start + i * 60_000, value: (k + 1) * i, dimensions: { customer_id } },
      ]).flat(),
    );
    expect((await postJson(`${small.url}/api/v1/write`, { metrics })).status).toBe(200);
  });
  afterAll(async () => {
    await small.close();
  });
  const ask = (body: Record<string, unknown>) => postJson(`${small.url}/api/v1/query`, { timeRange: range, interval: '1m', groupBy: ['customer_id'], ...body });

  it('the top group comes whole and in time order; more points than the limit is an error, not a cut', async () => {
    const top = await ask({ queryType: 'aggregate', metricName: 'rk_latency', aggregation: 'max', limit: 1 });
    expect(top.status).toBe(200);
    const results = (top.body as Extract<QueryResponse, { queryType: 'aggregate' }>).results;
    expect(results.map((p) => [p.groupKey.customer_id, p.timestamp, p.value])).toEqual(Array.from({ length: 30 }, (_, i) => ['c', start + i * 60_000, 30 + (i % 7)]));
    const two = await ask({ queryType: 'rate', metricName: 'rk_requests', limit: 1 });
    const rates = (two.body as Extract<QueryResponse, { queryType: 'rate' }>).results;
    expect(rates.map((p) => [p.groupKey.customer_id, p.timestamp, p.rate])).toEqual(Array.from({ length: 29 }, (_, i) => ['c', start + (i + 1) * 60_000, 3 / 60]));
    // Two or three groups of 30 buckets pass 50 points.
    for (const body of [{ queryType: 'aggregate', metricName: 'rk_latency', aggregation: 'max', limit: 2 }, { queryType: 'aggregate', metricName: 'rk_latency', aggregation: 'avg' }, { queryType: 'rate', metricName: 'rk_requests' }]) {
      const r = await ask(body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: { code: 'RESULT_TOO_LARGE', details: { max_result_points: 50 } } });
    }
  });
});
