import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLimitsOf } from '../../src/luminate.js';
import { QueryService, type QueryResponse } from '../../src/query/index.js';
import { metricIdOf } from '../../src/ingest/index.js';
import { RollupManager } from '../../src/storage/index.js';
import { createInProcessEventBus } from '../../src/cluster/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Rollups answer as raw samples do. Three days of two metrics (a gauge with 30 series, a counter
 * with resets), written out of time order; every aggregation is asked raw and auto, with and
 * without interval, grouped, filtered: exact ones must agree to float rounding, percentiles
 * within the sketch's documented error. Late points, deletes and a refresher that lost its
 * in-memory marks (a crash) keep answers exact.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let s: TestServer;
// Hours, aligned, so that ranges can start mid-hour on purpose.
const now = Date.now();
const end = Math.floor(now / HOUR) * HOUR - HOUR + 17_000;
const start = end - 3 * DAY + 1_234_567;

function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

type Point = { name: string; timestamp: number; value: number; dimensions: Record<string, string> };
function dataset(): Point[] {
  const r = rng(42);
  const points: Point[] = [];
  for (let c = 0; c < 10; c++) {
    for (let g = 0; g < 3; g++) {
      // Irregular spacing, several points per minute for some series, one every few minutes for others.
      const step = 20_000 + (c * 3 + g) * 9_000;
      for (let t = start - 2 * HOUR + Math.floor(r() * step); t < now - 30_000; t += step + Math.floor(r() * 5_000)) {
        points.push({ name: 'ru_latency', timestamp: t, value: Math.round(Math.exp(3 + 2 * r()) * 1000) / 1000, dimensions: { customer: `c${c}`, region: `r${g}` } });
      }
    }
  }
  for (let c = 0; c < 6; c++) {
    let v = 0;
    for (let t = start - HOUR; t < now - 30_000; t += 40_000 + Math.floor(r() * 20_000)) {
      v = r() < 0.002 ? Math.floor(r() * 10) : v + Math.floor(r() * 50); // occasional counter reset
      points.push({ name: 'ru_requests', timestamp: t, value: v, dimensions: { customer: `c${c}`, region: `r${c % 2}` } });
    }
  }
  // A dense metric (a point every 5 s): auto answers its percentiles from the sketch.
  for (let c = 0; c < 3; c++) {
    for (let t = end - 30 * HOUR + c * 1_000; t < end; t += 5_000) points.push({ name: 'ru_dense', timestamp: t, value: Math.round(Math.exp(2 + 3 * r()) * 100) / 100, dimensions: { customer: `c${c}` } });
  }
  // Shuffle whole chunks: points of one series reach the engine out of time order.
  const chunks: Point[][] = [];
  for (let i = 0; i < points.length; i += 5_000) chunks.push(points.slice(i, i + 5_000));
  for (let i = chunks.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
  }
  return chunks.flat();
}

async function write(points: readonly Point[]) {
  for (let i = 0; i < points.length; i += 10_000) {
    const res = await s.luminate.write({ metrics: points.slice(i, i + 10_000) });
    expect(res.rejected).toBe(0);
  }
}

const iso = (t: number) => new Date(t).toISOString();
type Answer = Extract<QueryResponse, { queryType: 'aggregate' | 'rate' }>;
async function ask(body: Record<string, unknown>, svc?: QueryService): Promise<Answer> {
  const r = svc ? await svc.query(body, 'default') : await s.luminate.query(body);
  if (r.queryType !== 'aggregate' && r.queryType !== 'rate') throw new Error('unexpected answer');
  return r;
}

/**
 * The sketch's guarantee: within 1% of the value at the closest ranks of the raw points (one rank
 * either side for rank conventions). Where the raw answer (interpolated) is not within 1%, the
 * group's sorted raw values in that bucket are read from the engine and the bracket checked.
 */
async function withinSketch(body: Record<string, unknown>, row: Record<string, unknown>, got: number): Promise<boolean> {
  const db = s.luminate.store.db;
  const p = { p50: 0.5, p95: 0.95, p99: 0.99 }[body.aggregation as string]!;
  const r = (body.timeRange ?? {}) as { start: string; end: string };
  let from = Date.parse(r.start);
  let to = Date.parse(r.end);
  if (typeof row.timestamp === 'number') {
    const iv = ({ '1h': HOUR, '3h': 3 * HOUR, '6h': 6 * HOUR } as Record<string, number>)[body.interval as string]!;
    from = Math.max(from, row.timestamp);
    to = Math.min(to, row.timestamp + iv - 1);
  }
  const metric = body.metricName as string;
  const dims = { ...((body.filters ?? {}) as Record<string, string | string[]>), ...(row.groupKey as Record<string, string>) };
  const where = Object.keys(dims).map((_k, i) => `dimensions[{k${i}:String}] IN {v${i}:Array(String)}`);
  const params: Record<string, unknown> = { mid: BigInt(metricIdOf('default', metric)), metric, from, to };
  Object.entries(dims).forEach(([k, v], i) => ((params[`k${i}`] = k), (params[`v${i}`] = Array.isArray(v) ? v : [v])));
  const [res] = await s.luminate.store.rows<{ v: number[] }>(
    `SELECT arraySort(groupArray(value)) AS v FROM ${db}.samples WHERE metric_id = {mid:UInt64}
       AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       AND series_id IN (SELECT series_id FROM ${db}.series WHERE metric = {metric:String} ${where.map((w) => 'AND ' + w).join(' ')})`,
    { params },
  );
  const v = res!.v;
  const h = (v.length - 1) * p;
  const lo = v[Math.max(0, Math.floor(h) - 1)]!;
  const hi = v[Math.min(v.length - 1, Math.ceil(h) + 1)]!;
  return got >= lo * 0.99 && got <= hi * 1.01;
}

/** Raw and auto answers of one query, matched row by row; returns the largest relative difference. */
async function compare(body: Record<string, unknown>, tolerance: number | 'sketch', want: 'raw' | '1m' | '1h', svc?: QueryService) {
  const raw = await ask({ ...body, resolution: 'raw' }, svc);
  const auto = await ask(body, svc);
  expect(raw.resolution).toBe('raw');
  expect(auto.resolution, JSON.stringify(body)).toBe(want);
  const key = (r: Record<string, unknown>) => JSON.stringify([r.groupKey, r.timestamp ?? null]);
  const rawRows = new Map(raw.results.map((r) => [key(r as unknown as Record<string, unknown>), r as unknown as Record<string, number>]));
  expect(auto.results.length, JSON.stringify(body)).toBe(raw.results.length);
  expect(raw.results.length).toBeGreaterThan(0);
  let worst = 0;
  for (const a of auto.results as unknown as Record<string, number>[]) {
    const r = rawRows.get(key(a));
    expect(r, `${JSON.stringify(body)}: ${key(a)} missing from raw`).toBeDefined();
    const field = 'rate' in a ? 'rate' : 'value';
    const exact = r![field]!;
    const err = Math.abs(a[field]! - exact) / Math.max(Math.abs(exact), 1e-9);
    worst = Math.max(worst, err);
    const ok = tolerance === 'sketch' ? err <= 0.01 || (await withinSketch(body, a, a[field]!)) : err <= tolerance;
    if (!ok) throw new Error(`${JSON.stringify(body)} ${key(a)}: rollup ${a[field]} vs raw ${exact} (${(err * 100).toFixed(3)}%)`);
    if ('count' in a) expect(a.count, key(a)).toBe(r!.count);
  }
  return worst;
}

const EXACT = 1e-9;

beforeAll(async () => {
  // A long refresh interval: the test drives refreshes itself.
  // Correctness, not speed: raw reference queries over three days may pass the default 10 s
  // timeout while the full suite loads both cores.
  s = await startTestServer({ batch_write: { flush_interval: '5ms' }, rollups: { refresh_interval: '1h' }, query_limits: { default_query_timeout: '30s' } });
  await write(dataset());
  await s.luminate.refreshRollups();
}, 120_000);
afterAll(async () => {
  await s.close();
});

const range = { start: iso(start), end: iso(end) };
const AGGS = ['avg', 'sum', 'count', 'min', 'max', 'p50', 'p95', 'p99', 'integral'] as const;

describe('rollups answer as raw samples do', () => {
  it('every aggregation, whole range and per hour, grouped and filtered, from the 1h rollup', async () => {
    for (const aggregation of AGGS) {
      const quantile = aggregation.startsWith('p');
      // ru_latency is sparse (≤ 3 points a minute): auto reads its percentiles raw, so ask for the sketch.
      const base = { queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation, ...(quantile ? { resolution: '1h' } : {}) };
      const tol = quantile ? 'sketch' : EXACT;
      const whole = Math.max(await compare(base, tol, '1h'), await compare({ ...base, groupBy: ['customer'] }, tol, '1h'));
      // The sketch is used (not an exact path in disguise), and over thousands of points it is
      // about as close as its 1% accuracy.
      if (quantile) expect(whole).toBeGreaterThan(0);
      if (quantile) expect(whole).toBeLessThan(0.015);
      await compare({ ...base, groupBy: ['region'], filters: { customer: ['c1', 'c7'] } }, tol, '1h');
      await compare({ ...base, interval: '1h' }, tol, '1h');
      // Top-N by sketch values may rank near-equal groups differently: exact aggregations only.
      await compare({ ...base, interval: '6h', groupBy: ['customer'], ...(quantile ? {} : { limit: 3 }) }, tol, '1h');
    }
  });

  it('auto answers percentiles of dense series from the sketch, of sparse ones raw', async () => {
    const q = { queryType: 'aggregate', metricName: 'ru_dense', timeRange: { start: iso(end - 30 * HOUR), end: iso(end) }, groupBy: ['customer'] };
    await compare({ ...q, aggregation: 'p95' }, 'sketch', '1h');
    await compare({ ...q, aggregation: 'p50', interval: '3h' }, 'sketch', '1h');
    expect((await ask({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation: 'p95' })).resolution).toBe('raw');
  });

  it('rate with counter resets, per hour and per 10 minutes (1m rollup)', async () => {
    const base = { queryType: 'rate', metricName: 'ru_requests', timeRange: range };
    await compare({ ...base, interval: '1h' }, EXACT, '1h');
    await compare({ ...base, interval: '1h', groupBy: ['region'] }, EXACT, '1h');
    await compare({ ...base, interval: '10m', filters: { customer: 'c3' } }, EXACT, '1m');
    await compare({ ...base, interval: '2h', groupBy: ['customer'], limit: 2 }, EXACT, '1h');
  });

  it('short ranges and intervals finer than an hour use the 1m rollup; ranges ending now read their tail raw', async () => {
    const six = { start: iso(now - 6 * HOUR - 12_345), end: iso(now) };
    for (const aggregation of ['avg', 'max', 'count', 'integral'] as const) {
      await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: six, aggregation, interval: '5m', groupBy: ['region'] }, EXACT, '1m');
    }
    // Up to now (a relative range would move between the raw and the rollup query).
    const twoDays = { start: iso(now - 2 * DAY), end: iso(now) };
    await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: twoDays, aggregation: 'sum', groupBy: ['customer'] }, EXACT, '1h');
    await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: twoDays, aggregation: 'p99', resolution: '1h' }, 'sketch', '1h');
    // Percentiles at minute steps: the 1m level has no sketch, so raw (exact).
    expect((await ask({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: six, aggregation: 'p95', interval: '5m' })).resolution).toBe('raw');
  });

  it('GET /api/v1/admin/rollups and POST /api/v1/admin/rollups/refresh report the watermarks', async () => {
    const before = (await (await fetch(`${s.url}/api/v1/admin/rollups`)).json()) as { completed: number; watermarks: Record<string, number> };
    expect(before.watermarks['1m']).toBeGreaterThan(now - 4 * 60_000);
    expect(before.watermarks['1h']).toBe(Math.floor(before.watermarks['1m']! / HOUR) * HOUR);
    const r = await fetch(`${s.url}/api/v1/admin/rollups/refresh`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ watermarks: { '1m': expect.any(Number) as number, '1h': expect.any(Number) as number }, rewritten: 0 });
    const after = (await (await fetch(`${s.url}/api/v1/admin/rollups`)).json()) as { completed: number; running: boolean; last: unknown };
    expect(after).toMatchObject({ running: false, completed: before.completed + 1, last: { rewritten: 0 } });
  });

  it('resolution: raw forces raw, a level is honoured or refused with INVALID_QUERY', async () => {
    const base = { queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation: 'avg' };
    expect((await ask({ ...base, resolution: 'raw' })).resolution).toBe('raw');
    expect((await ask({ ...base, resolution: '1m' })).resolution).toBe('1m');
    expect((await ask({ ...base, resolution: '1h', interval: '3h' })).resolution).toBe('1h');
    await expect(ask({ ...base, resolution: '1h', interval: '5m' })).rejects.toMatchObject({ code: 'INVALID_QUERY', details: { field: 'resolution' } });
    await expect(ask({ ...base, resolution: 'fine' })).rejects.toMatchObject({ code: 'INVALID_QUERY', details: { field: 'resolution' } });
    await expect(s.luminate.query({ queryType: 'range', metricName: 'ru_latency', resolution: '1m' })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    // An interval that is not a multiple of a minute cannot use a rollup.
    expect((await ask({ ...base, interval: '90s', timeRange: { relative: '1h' } })).resolution).toBe('raw');
    // Over HTTP the field is in the answer.
    const res = await fetch(`${s.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...base, groupBy: ['customer'] }) });
    expect(await res.json()).toMatchObject({ queryType: 'aggregate', resolution: '1h' });
  });

  it('per-dimension rows answer one-key queries, percentiles at 1-hour steps exactly', async () => {
    // ru_latency is sparse: without per-value rows auto reads its percentiles raw; with them the
    // rollup gives the raw answer itself.
    const base = { queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, interval: '1h' };
    for (const aggregation of ['p50', 'p95', 'p99'] as const) {
      await compare({ ...base, aggregation, groupBy: ['customer'] }, EXACT, '1h');
      await compare({ ...base, aggregation, groupBy: ['region'], limit: 2 }, EXACT, '1h');
      await compare({ ...base, aggregation }, EXACT, '1h');
      await compare({ ...base, aggregation, filters: { customer: 'c4' } }, EXACT, '1h');
      await compare({ ...base, aggregation, groupBy: ['customer'], filters: { customer: ['c1', 'c9'] } }, EXACT, '1h');
    }
    for (const aggregation of ['avg', 'sum', 'count', 'min', 'max'] as const) {
      await compare({ ...base, aggregation, interval: '3h', groupBy: ['region'] }, EXACT, '1h');
      await compare({ ...base, aggregation, interval: undefined, groupBy: ['customer'], filters: { customer: ['c0', 'c3', 'c5'] } }, EXACT, '1h');
      await compare({ ...base, aggregation, interval: undefined, filters: { region: ['r0', 'r2'] } }, EXACT, '1h');
    }
    // Neither a second key nor a percentile that merges values can be read from them.
    expect((await ask({ ...base, aggregation: 'p95', interval: '6h', groupBy: ['customer'] })).resolution).toBe('raw');
    expect((await ask({ ...base, aggregation: 'p95', groupBy: ['customer'], filters: { region: 'r1' } })).resolution).toBe('raw');
    // The rows are there: per hour the metric (1), its customers (10) and regions (3).
    const [row] = await s.luminate.store.rows<{ n: string; h: string }>(
      `SELECT toString(count()) AS n, toString(uniqExact(bucket)) AS h FROM ${s.luminate.store.db}.rollup_dim_1h FINAL WHERE metric_id = {mid:UInt64}`,
      { params: { mid: BigInt(metricIdOf('default', 'ru_latency')) } },
    );
    expect(Number(row!.n)).toBe(Number(row!.h) * 14);
    const storage = (await (await fetch(`${s.url}/api/v1/admin/storage`)).json()) as { tables: { table: string; role: string; rows: number }[] };
    expect(storage.tables.find((t) => t.table === 'rollup_dim_1h')).toMatchObject({ role: 'rollup', rows: expect.any(Number) as number });
  });

  it('late points: answers stay exact before the refresh (raw is read there) and use the rollup again after it', async () => {
    const late: Point[] = [];
    for (let i = 0; i < 200; i++) late.push({ name: 'ru_latency', timestamp: start + DAY + i * 7_919, value: 5_000 + i, dimensions: { customer: 'c2', region: 'r1' } });
    late.push({ name: 'ru_requests', timestamp: start + 2 * DAY + 1_000, value: 1e6, dimensions: { customer: 'c1', region: 'r1' } });
    await write(late);
    const base = { queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, groupBy: ['customer'] };
    // The late hours are stale: the planner keeps to raw samples for them (here: the whole query).
    await compare({ ...base, aggregation: 'max' }, EXACT, 'raw');
    const rep = await s.luminate.refreshRollups();
    expect(rep?.rewritten).toBeGreaterThan(0);
    for (const aggregation of ['max', 'sum', 'count', 'integral'] as const) await compare({ ...base, aggregation }, EXACT, '1h');
    await compare({ ...base, aggregation: 'p99', resolution: '1h' }, 'sketch', '1h');
    await compare({ queryType: 'rate', metricName: 'ru_requests', timeRange: range, interval: '1h', groupBy: ['customer'] }, EXACT, '1h');
  });

  it('a timer refresh waits until late points have settled (a backfill is rewritten once), at most 5 minutes', async () => {
    let skew = 0;
    const m = new RollupManager({ store: s.luminate.store, bus: s.luminate.bus, now: () => Date.now() + skew });
    await m.load();
    await m.refresh(true);
    const late = (i: number) => ({ name: 'ru_latency', timestamp: start + 2 * DAY + 3_000_000 + i * 1_000, value: 7 + i, dimensions: { customer: 'c6', region: 'r2' } });
    await write([late(0)]);
    const stale = m.coverage('default', 'ru_latency')!['1m'];
    expect(stale).toBeLessThan(start + 2 * DAY + 3_600_000);
    expect((await m.refresh()).rewritten).toBe(0); // just marked: not settled
    skew = 31_000;
    await write([late(1)]); // still arriving: the span stays open
    expect((await m.refresh()).rewritten).toBe(0);
    skew = 62_000;
    expect((await m.refresh()).rewritten).toBe(1);
    expect(m.coverage('default', 'ru_latency')!['1m']).toBeGreaterThan(stale);
    // A span that never settles is rewritten after 5 minutes all the same.
    for (let i = 2; i < 14; i++) {
      skew += 29_000;
      await write([late(i)]);
      const rep = await m.refresh();
      if (i < 11) expect(rep.rewritten, `after ${i}`).toBe(0);
      else if (rep.rewritten > 0) break;
      if (i === 13) throw new Error('a span that kept changing was never rewritten');
    }
    await m.close();
    // m saved its state with a clock minutes ahead: drop it, so the next test reads the real one.
    await s.luminate.store.client.command({ query: `TRUNCATE TABLE ${s.luminate.store.db}.rollup_state` });
    await s.luminate.refreshRollups();
  });

  it('a refresher that lost its in-memory marks (a crash) rewrites late hours from the engine\'s log', async () => {
    const store = s.luminate.store;
    // A second refresher on the same tables, deaf to the bus: it only knows what the engine logged.
    const recovered = new RollupManager({ store });
    await recovered.load();
    const svc = new QueryService({ store, limits: queryLimitsOf(s.luminate.config), rollups: recovered });
    const late = Array.from({ length: 50 }, (_, i) => ({ name: 'ru_latency', timestamp: start + 2 * DAY + 600_000 + i * 1_000, value: 90_000 + i, dimensions: { customer: 'c4', region: 'r0' } }));
    await write(late);
    await recovered.refresh(true);
    for (const aggregation of ['max', 'count', 'avg'] as const) {
      await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation, groupBy: ['customer'] }, EXACT, '1h', svc);
    }
    await recovered.close();
    svc.close();
    await s.luminate.refreshRollups();
  });

  it('a first refresh over existing data backfills it (an upgrade), a day per statement', async () => {
    const store = s.luminate.store;
    for (const t of ['rollup_1m', 'rollup_1h', 'rollup_state']) await store.client.command({ query: `TRUNCATE TABLE ${store.db}.${t}` });
    const progress: number[] = [];
    // With a bus, as in the server: the late-point log is read once, by the first refresh.
    let skew = 0;
    const fresh = new RollupManager({ store, bus: createInProcessEventBus(() => {}), now: () => Date.now() + skew, onProgress: (p) => progress.push(p.done) });
    await fresh.load();
    expect(fresh.coverage('default', 'ru_latency')).toBeNull();
    // As the timer runs it (not forced: unsettled late marks wait).
    const rep = await fresh.refresh();
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(rep.watermarks['1m']).toBeGreaterThan(now - 4 * 60_000);
    const svc = new QueryService({ store, limits: queryLimitsOf(s.luminate.config), rollups: fresh });
    await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation: 'integral', groupBy: ['region'] }, EXACT, '1h', svc);
    await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation: 'p95', interval: '1h', resolution: '1h' }, 'sketch', '1h', svc);
    await compare({ queryType: 'rate', metricName: 'ru_requests', timeRange: range, interval: '1h' }, EXACT, '1h', svc);
    // Every backfilled minute is in the late-point log (the points were written late); the
    // backfill read them all, so the next refresh has nothing to rewrite but what the last
    // points' own marks name (it was every hour of the backfill).
    skew = 31_000; // past the settling time of any mark the first refresh kept
    const next = await fresh.refresh();
    expect(next.rewritten).toBeLessThan(10);
    await fresh.close();
    svc.close();
  });

  it('deleting points before a time removes them from the rollups too', async () => {
    const before = start + DAY + 1_800_000; // mid-hour: the straddling buckets are rebuilt
    await s.luminate.deleteBefore('default', 'ru_latency', before);
    await s.luminate.refreshRollups();
    await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation: 'count', groupBy: ['customer'] }, EXACT, '1h');
    await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation: 'min', interval: '1h' }, EXACT, '1h');
  });

  // Last: it empties the tables the server's own refresher believes full.
  it('rollups.minute_level off: only hours are rolled up, and queries needing minutes read raw', async () => {
    const store = s.luminate.store;
    for (const t of ['rollup_1m', 'rollup_1h', 'rollup_state']) await store.client.command({ query: `TRUNCATE TABLE ${store.db}.${t}` });
    const hoursOnly = new RollupManager({ store, minutes: false });
    await hoursOnly.load();
    await hoursOnly.refresh(true);
    const count = async (t: string) => Number((await store.rows<{ n: string }>(`SELECT toString(count()) AS n FROM ${store.db}.${t}`))[0]?.n);
    expect(await count('rollup_1m')).toBe(0);
    expect(await count('rollup_1h')).toBeGreaterThan(0);
    expect(hoursOnly.coverage('default', 'ru_latency')?.['1m']).toBe(-Infinity);
    const svc = new QueryService({ store, limits: queryLimitsOf(s.luminate.config), rollups: hoursOnly });
    await compare({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: range, aggregation: 'sum', groupBy: ['region'] }, EXACT, '1h', svc);
    const six = { start: iso(now - 6 * HOUR - 12_345), end: iso(now) };
    expect((await ask({ queryType: 'aggregate', metricName: 'ru_latency', timeRange: six, aggregation: 'avg', interval: '5m' }, svc)).resolution).toBe('raw');
    svc.close();
    await hoursOnly.close();
  });
});
