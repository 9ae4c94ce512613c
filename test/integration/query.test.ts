import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregatePoint, QueryResponse, RatePoint } from '../../src/query/index.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';
import { percentileLinear, rateBuckets, trapezoid } from '../helpers/stats.js';

let s: TestServer;
const T0 = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000; // a minute boundary 30 min ago
const CUSTOMERS = ['c0', 'c1', 'c2', 'c3', 'c4'];
const REGIONS = ['eu', 'us'];

interface Series {
  dims: Record<string, string>;
  points: [number, number][];
}
const latency: Series[] = [];
const requests: Series[] = [];

beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '10ms' }, query_limits: { max_group_by_cardinality: 6, max_result_points: 300 } });
  // Deterministic pseudo-random latencies: 10 series (customer × region), 40 points 15s apart.
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const customer_id of CUSTOMERS) {
    for (const region of REGIONS) {
      const points: [number, number][] = [];
      for (let i = 0; i < 40; i++) points.push([T0 + i * 15_000 + (customer_id === 'c0' ? 7 : 0), Math.round(rnd() * 10_000) / 10]);
      latency.push({ dims: { customer_id, region }, points });
      // A counter growing by a customer-dependent step, reset to 0 at point 25 for c1.
      const counter: [number, number][] = [];
      let v = 100;
      for (let i = 0; i < 40; i++) {
        if (customer_id === 'c1' && i === 25) v = 0;
        else v += 3 + CUSTOMERS.indexOf(customer_id) + (region === 'us' ? 1 : 0);
        counter.push([T0 + i * 15_000, v]);
      }
      requests.push({ dims: { customer_id, region }, points: counter });
    }
  }
  const metrics = [
    ...latency.flatMap((x) => x.points.map(([timestamp, value]) => ({ name: 'q_latency', timestamp, value, dimensions: x.dims }))),
    ...requests.flatMap((x) => x.points.map(([timestamp, value]) => ({ name: 'q_requests', timestamp, value, dimensions: x.dims }))),
  ];
  const r = await postJson(`${s.url}/api/v1/write`, { metrics });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await s.close();
});

async function query<T extends QueryResponse = QueryResponse>(body: Record<string, unknown>): Promise<T> {
  const r = await postJson(`${s.url}/api/v1/query`, body);
  if (r.status !== 200) throw new Error(`query answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as T;
}
async function queryError(body: Record<string, unknown>): Promise<{ status: number; code: string; details: Record<string, unknown> }> {
  const r = await postJson(`${s.url}/api/v1/query`, body);
  const e = (r.body as { error: { code: string; details: Record<string, unknown> } }).error;
  return { status: r.status, code: e.code, details: e.details };
}

const values = (xs: Series[]) => xs.flatMap((x) => x.points.map((p) => p[1]));
const byCustomer = (xs: Series[]) => new Map(CUSTOMERS.map((c) => [c, xs.filter((x) => x.dims.customer_id === c)]));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

const REFERENCE: Record<string, (xs: Series[]) => number> = {
  avg: (xs) => mean(values(xs)),
  sum: (xs) => values(xs).reduce((a, b) => a + b, 0),
  count: (xs) => values(xs).length,
  min: (xs) => Math.min(...values(xs)),
  max: (xs) => Math.max(...values(xs)),
  p50: (xs) => percentileLinear(values(xs), 0.5),
  p95: (xs) => percentileLinear(values(xs), 0.95),
  p99: (xs) => percentileLinear(values(xs), 0.99),
  integral: (xs) => xs.reduce((a, x) => a + trapezoid(x.points), 0),
};

describe('aggregate', () => {
  it.each(Object.keys(REFERENCE))('%s over everything matches the reference computation', async (aggregation) => {
    const r = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation, timeRange: { relative: '1h' } });
    expect(r.queryType).toBe('aggregate');
    expect(r.results).toHaveLength(1);
    expect(r.results[0]!.groupKey).toEqual({});
    expect(r.results[0]!.count).toBe(400);
    expect(r.results[0]!.value).toBeCloseTo(REFERENCE[aggregation]!(latency), 6);
    expect(typeof r.executionTimeMs).toBe('number');
  });

  it.each(Object.keys(REFERENCE))('%s grouped by customer_id matches per group, ordered by value descending', async (aggregation) => {
    const r = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation, groupBy: ['customer_id'] });
    const expected = [...byCustomer(latency)].map(([c, xs]) => ({ c, v: REFERENCE[aggregation]!(xs) })).sort((a, b) => b.v - a.v);
    expect(r.results.map((x: AggregatePoint) => x.groupKey.customer_id)).toEqual(expected.map((e) => e.c));
    r.results.forEach((x, i) => {
      expect(x.value).toBeCloseTo(expected[i]!.v, 6);
      expect(x.count).toBe(80);
    });
  });

  it('groups by two dimensions, filters by equality and takes the top N', async () => {
    const r = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({
      queryType: 'aggregate', metricName: 'q_latency', aggregation: 'max', groupBy: ['customer_id', 'region'], filters: { region: 'us' }, limit: 2,
    });
    const expected = latency.filter((x) => x.dims.region === 'us').map((x) => ({ k: x.dims, v: Math.max(...x.points.map((p) => p[1])) })).sort((a, b) => b.v - a.v).slice(0, 2);
    expect(r.results.map((x) => ({ k: x.groupKey, v: x.value }))).toEqual(expected);
  });

  it('answers TOO_MANY_GROUPS past max_group_by_cardinality without a limit, but a top-N within it is fine', async () => {
    const e = await queryError({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'avg', groupBy: ['customer_id', 'region'] });
    expect(e).toEqual({ status: 400, code: 'TOO_MANY_GROUPS', details: { max_group_by_cardinality: 6 } });
    const ok = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'avg', groupBy: ['customer_id', 'region'], limit: 3 });
    expect(ok.results).toHaveLength(3);
  });

  it('returns no results for a metric or range without data', async () => {
    expect((await query({ queryType: 'aggregate', metricName: 'q_nothing', aggregation: 'avg' })).results).toEqual([]);
    const old = new Date(T0 - 3 * 3_600_000).toISOString();
    expect((await query({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'sum', timeRange: { start: old, end: new Date(T0 - 3_600_000).toISOString() } })).results).toEqual([]);
  });
});

describe('aggregate over time (interval)', () => {
  const interval = 60_000;
  /** The series' points cut into epoch-aligned buckets. */
  function bucketed(xs: Series[], width = interval): Map<number, Series[]> {
    const out = new Map<number, Series[]>();
    for (const x of xs) {
      const per = new Map<number, [number, number][]>();
      for (const p of x.points) {
        const b = Math.floor(p[0] / width) * width;
        per.set(b, [...(per.get(b) ?? []), p]);
      }
      for (const [b, points] of per) out.set(b, [...(out.get(b) ?? []), { dims: x.dims, points }]);
    }
    return new Map([...out].sort((a, b) => a[0] - b[0]));
  }

  it.each(Object.keys(REFERENCE).filter((a) => a !== 'integral'))('%s per bucket matches a reference computation', async (aggregation) => {
    const r = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation, interval: '1m', filters: { customer_id: 'c2' } });
    const exp = bucketed(latency.filter((x) => x.dims.customer_id === 'c2'));
    expect(r.results.map((p) => p.timestamp)).toEqual([...exp.keys()]);
    for (const p of r.results) {
      expect(p.groupKey).toEqual({});
      expect(p.value).toBeCloseTo(REFERENCE[aggregation]!(exp.get(p.timestamp!)!), 6);
      expect(p.count).toBe(values(exp.get(p.timestamp!)!).length);
    }
  });

  it('integral per bucket: each segment counts in the bucket of its later point; the buckets sum to the whole', async () => {
    const r = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'integral', interval: '1m' });
    const whole = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'integral' });
    expect(r.results.reduce((a, p) => a + p.value, 0)).toBeCloseTo(whole.results[0]!.value, 6);
    const seg = new Map<number, number>();
    for (const x of latency) {
      for (let i = 1; i < x.points.length; i++) {
        const [t1, v1] = x.points[i]!;
        const [t0, v0] = x.points[i - 1]!;
        const b = Math.floor(t1 / interval) * interval;
        seg.set(b, (seg.get(b) ?? 0) + ((v0 + v1) / 2) * ((t1 - t0) / 1000));
      }
    }
    expect(r.results.map((p) => p.timestamp)).toEqual([...seg.keys()].sort((a, b) => a - b));
    for (const p of r.results) expect(p.value).toBeCloseTo(seg.get(p.timestamp!)!, 6);
  });

  it('groups per bucket, top-N by the sum of bucket values; limits are errors, never cuts', async () => {
    const r = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'max', interval: '5m', groupBy: ['customer_id'], limit: 2 });
    const totals = CUSTOMERS.map((c) => {
      const b = bucketed(latency.filter((x) => x.dims.customer_id === c), 300_000);
      return [c, [...b.values()].reduce((a, xs) => a + REFERENCE.max!(xs), 0)] as const;
    }).sort((a, b) => b[1] - a[1]);
    expect([...new Set(r.results.map((p) => p.groupKey.customer_id))]).toEqual(totals.slice(0, 2).map((t) => t[0]));
    expect((await queryError({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'avg', interval: '1m', groupBy: ['customer_id', 'region'] })).code).toBe('TOO_MANY_GROUPS');
    expect((await queryError({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'avg', interval: '1s', timeRange: { relative: '1h' } })).code).toBe('RESULT_TOO_LARGE');
    expect((await queryError({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'avg', interval: '500ms' })).code).toBe('INVALID_QUERY');
  });
});

describe('multi-value filters', () => {
  it('an array matches any of its values, in every query type', async () => {
    const agg = await query<Extract<QueryResponse, { queryType: 'aggregate' }>>({ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'count', groupBy: ['customer_id'], filters: { customer_id: ['c1', 'c3'] } });
    expect(agg.results.map((p) => p.groupKey.customer_id).sort()).toEqual(['c1', 'c3']);
    const range = await query<Extract<QueryResponse, { queryType: 'range' }>>({ queryType: 'range', metricName: 'q_latency', filters: { customer_id: ['c1', 'c3'], region: 'eu' } });
    expect(range.results).toHaveLength(80);
    const rate = await query<Extract<QueryResponse, { queryType: 'rate' }>>({ queryType: 'rate', metricName: 'q_requests', interval: '1m', groupBy: ['customer_id'], filters: { customer_id: ['c0', 'c4'] } });
    expect([...new Set(rate.results.map((p) => p.groupKey.customer_id))].sort()).toEqual(['c0', 'c4']);
    expect((await queryError({ queryType: 'range', metricName: 'q_latency', filters: { customer_id: [] } })).code).toBe('INVALID_QUERY');
    expect((await queryError({ queryType: 'range', metricName: 'q_latency', filters: { customer_id: ['c1', 2] } })).code).toBe('INVALID_QUERY');
  });
});

describe('range', () => {
  it('returns raw points of the filtered series with their dimensions, oldest first', async () => {
    const r = await query<Extract<QueryResponse, { queryType: 'range' }>>({ queryType: 'range', metricName: 'q_latency', filters: { customer_id: 'c2', region: 'eu' } });
    const x = latency.find((l) => l.dims.customer_id === 'c2' && l.dims.region === 'eu')!;
    expect(r.truncated).toBe(false);
    expect(r.results).toEqual(x.points.map(([timestamp, value]) => ({ timestamp, value, dimensions: { customer_id: 'c2', region: 'eu' } })));
    // Asked again, the dimensions come from the querier's cache: the answer is the same.
    const again = await query<Extract<QueryResponse, { queryType: 'range' }>>({ queryType: 'range', metricName: 'q_latency', filters: { customer_id: 'c2', region: 'eu' } });
    expect(again.results).toEqual(r.results);
  });

  it('honours an absolute time range', async () => {
    const start = new Date(T0 + 60_000).toISOString();
    const end = new Date(T0 + 120_000).toISOString();
    const r = await query<Extract<QueryResponse, { queryType: 'range' }>>({ queryType: 'range', metricName: 'q_latency', filters: { customer_id: 'c3' }, timeRange: { start, end } });
    // Points at +60s, +75s, +90s, +105s, +120s for each of two regions.
    expect(r.results).toHaveLength(10);
    expect(r.results.every((p) => p.timestamp >= T0 + 60_000 && p.timestamp <= T0 + 120_000)).toBe(true);
  });

  it('cuts at an explicit limit and says so; past max_result_points without a limit it is a 400', async () => {
    const r = await query<Extract<QueryResponse, { queryType: 'range' }>>({ queryType: 'range', metricName: 'q_latency', limit: 7 });
    expect(r.results).toHaveLength(7);
    expect(r.truncated).toBe(true);
    expect(await queryError({ queryType: 'range', metricName: 'q_latency' })).toEqual({ status: 400, code: 'RESULT_TOO_LARGE', details: { max_result_points: 300 } });
  });
});

describe('rate', () => {
  const interval = 60_000;
  function expectedRate(xs: Series[]): Map<number, number> {
    const total = new Map<number, number>();
    for (const x of xs) for (const [b, r] of rateBuckets(x.points, interval)) total.set(b, (total.get(b) ?? 0) + r);
    return total;
  }

  it('is the per-second increase per interval bucket, ignoring the counter reset', async () => {
    const r = await query<Extract<QueryResponse, { queryType: 'rate' }>>({ queryType: 'rate', metricName: 'q_requests', interval: '1m', filters: { customer_id: 'c1', region: 'eu' } });
    const exp = expectedRate(requests.filter((x) => x.dims.customer_id === 'c1' && x.dims.region === 'eu'));
    expect(r.results.map((p: RatePoint) => p.timestamp)).toEqual([...exp.keys()]);
    r.results.forEach((p) => expect(p.rate).toBeCloseTo(exp.get(p.timestamp)!, 9));
    // c1/eu grows 4 per 15s = 16 per minute → 0.2667/s, except the first bucket (its first point
    // has no predecessor) and the bucket holding the reset (the negative delta counts as 0).
    expect(r.results.filter((p) => Math.abs(p.rate - 16 / 60) < 1e-9).length).toBe(r.results.length - 2);
    const reset = requests.find((x) => x.dims.customer_id === 'c1' && x.dims.region === 'eu')!.points[25]![0];
    expect(r.results.find((p) => p.timestamp === Math.floor(reset / interval) * interval)!.rate).toBeCloseTo(12 / 60, 9); // deltas +4, reset (0), +4, +4
  });

  it('sums per-series rates per group and ranks groups top-N', async () => {
    const r = await query<Extract<QueryResponse, { queryType: 'rate' }>>({ queryType: 'rate', metricName: 'q_requests', interval: '1m', groupBy: ['customer_id'], limit: 2 });
    const groups = [...new Set(r.results.map((p) => p.groupKey.customer_id))];
    expect(groups).toEqual(['c4', 'c3']);
    for (const c of groups) {
      const exp = expectedRate(requests.filter((x) => x.dims.customer_id === c));
      const got = r.results.filter((p) => p.groupKey.customer_id === c);
      expect(got.map((p) => p.timestamp)).toEqual([...exp.keys()]);
      got.forEach((p) => expect(p.rate).toBeCloseTo(exp.get(p.timestamp)!, 9));
    }
  });

  it('answers TOO_MANY_GROUPS and RESULT_TOO_LARGE past the limits', async () => {
    expect((await queryError({ queryType: 'rate', metricName: 'q_requests', interval: '1m', groupBy: ['customer_id', 'region'] })).code).toBe('TOO_MANY_GROUPS');
    expect(await queryError({ queryType: 'rate', metricName: 'q_requests', interval: '1s', timeRange: { relative: '1h' } })).toMatchObject({ status: 400, code: 'RESULT_TOO_LARGE' });
  });
});

describe('listDimensionValues query type and errors', () => {
  it('lists values like the discovery endpoint', async () => {
    const r = await query({ queryType: 'listDimensionValues', metricName: 'q_latency', dimension: 'region', limit: 10 });
    expect(r).toMatchObject({ queryType: 'listDimensionValues', results: ['eu', 'us'] });
  });

  it.each([
    [{ queryType: 'aggregate', metricName: 'q_latency', aggregation: 'p42' }, 'INVALID_QUERY'],
    [{ queryType: 'range', metricName: 'q_latency', timeRange: { relative: '91d' } }, 'TIME_RANGE_TOO_LARGE'],
    [{ queryType: 'range', metricName: 'q_latency', timeout: '45s' }, 'INVALID_QUERY'],
  ])('answers 400 for %j', async (body, code) => {
    const e = await queryError(body);
    expect(e.status).toBe(400);
    expect(e.code).toBe(code);
  });

  it('answers INVALID_JSON for a malformed body', async () => {
    const r = await postJson(`${s.url}/api/v1/query`, '{"queryType":');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'INVALID_JSON' } });
  });
});
