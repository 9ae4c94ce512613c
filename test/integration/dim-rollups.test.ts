import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLimitsOf } from '../../src/luminate.js';
import { QueryService } from '../../src/query/index.js';
import { RollupManager } from '../../src/storage/index.js';
import { dimTableRebuild } from '../../src/storage/rollups.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Per-dimension rollups (src/storage/rollups.ts, rollup_dim_1h) under rollups.dimension_max_values:
 * a key with few values gets rows per value and answers exactly; one with more does not; a key
 * that grows past the limit stops being rolled up and keeps the hours it had.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const start = end - DAY;
const iso = (t: number) => new Date(t).toISOString();
let s: TestServer;

type Point = { name: string; timestamp: number; value: number; dimensions: Record<string, string> };
async function write(points: Point[]) {
  for (let i = 0; i < points.length; i += 10_000) expect((await s.luminate.write({ metrics: points.slice(i, i + 10_000) })).rejected).toBe(0);
}

beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '5ms' }, rollups: { refresh_interval: '1h', dimension_max_values: 3 } });
  const points: Point[] = [];
  let x = 7;
  for (let c = 0; c < 8; c++) {
    for (let t = start + c * 7_000; t < end; t += 120_000) {
      x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
      points.push({ name: 'dr_latency', timestamp: t, value: (x % 10_000) / 10, dimensions: { customer: `c${c}`, region: `r${c % 3}` } });
    }
  }
  await write(points);
  await s.luminate.refreshRollups();
}, 120_000);
afterAll(async () => {
  await s?.close();
});

type Answer = { resolution: string; results: { groupKey: Record<string, string>; timestamp: number; value: number; count: number }[] };
async function ask(body: Record<string, unknown>): Promise<Answer> {
  const r = await s.luminate.query(body);
  if (r.queryType !== 'aggregate') throw new Error('unexpected answer');
  return r as unknown as Answer;
}

const q = { queryType: 'aggregate', metricName: 'dr_latency', timeRange: { start: iso(start), end: iso(end - 1) }, interval: '1h', aggregation: 'p95' };

describe('per-dimension rollups', () => {
  it('roll up a key with at most dimension_max_values values, and answer as raw samples do', async () => {
    const auto = await ask({ ...q, groupBy: ['region'] });
    const raw = await ask({ ...q, groupBy: ['region'], resolution: 'raw' });
    expect(auto.resolution).toBe('1h');
    expect(raw.resolution).toBe('raw');
    expect(auto.results.length).toBe(3 * 24);
    expect(auto.results).toEqual(raw.results);
    // customer has 8 values: no rows, and its series are too sparse for the sketch.
    expect((await ask({ ...q, groupBy: ['customer'] })).resolution).toBe('raw');
    const keys = await s.luminate.store.rows<{ k: string }>(`SELECT DISTINCT k FROM ${s.luminate.store.db}.rollup_dim_1h ORDER BY k`);
    expect(keys.map((r) => r.k)).toEqual(['', 'region']);
  });

  it('stop rolling up a key that grows past the limit, keeping the hours it covered', async () => {
    // Two more regions: five values.
    const late: Point[] = [];
    for (let c = 8; c < 10; c++) late.push({ name: 'dr_latency', timestamp: Date.now() - 60_000, value: 1, dimensions: { customer: `c${c}`, region: `r${c - 5}` } });
    await write(late);
    // Two hours on (a refresher with a later clock): the next hours' step measures the keys again.
    const later = new RollupManager({ store: s.luminate.store, now: () => Date.now() + 2 * HOUR, dimensionMaxValues: 3 });
    await later.load();
    const wmBefore = later.status().watermarks!['1h'];
    await later.refresh();
    const span = later.coverage('default', 'dr_latency')?.dims?.get('region');
    expect(span?.since).toBe(0);
    expect(span?.until).toBe(wmBefore);
    // The pseudo key stays; customer never was.
    expect(later.coverage('default', 'dr_latency')?.dims?.get('')?.until).toBe(Number.MAX_SAFE_INTEGER);
    expect(later.coverage('default', 'dr_latency')?.dims?.has('customer')).toBe(false);
    // Hours rolled up after the cut (the new points' hour) have rows for the metric, none per region.
    const after = await s.luminate.store.rows<{ k: string }>(
      `SELECT DISTINCT k FROM ${s.luminate.store.db}.rollup_dim_1h WHERE bucket >= fromUnixTimestamp64Milli({t:Int64}, 'UTC')`,
      { params: { t: wmBefore } },
    );
    expect(after.map((r) => r.k)).toEqual(['']);

    // A late point in an hour the closed key still covers: its rows there are rewritten too.
    await write([{ name: 'dr_latency', timestamp: start + 3 * HOUR + 1_000, value: 5_000, dimensions: { customer: 'c1', region: 'r1' } }]);
    await later.refresh(true);
    const svc = new QueryService({ store: s.luminate.store, limits: queryLimitsOf(s.luminate.config), rollups: later });
    const max = { ...q, aggregation: 'max', groupBy: ['region'] };
    const auto = await svc.query(max, 'default');
    const raw = await svc.query({ ...max, resolution: 'raw' }, 'default');
    expect(auto).toMatchObject({ resolution: '1h' });
    if (auto.queryType !== 'aggregate' || raw.queryType !== 'aggregate') throw new Error('unexpected answer');
    expect(auto.results).toContainEqual(expect.objectContaining({ groupKey: { region: 'r1' }, timestamp: start + 3 * HOUR, value: 5_000 }));
    expect(auto.results).toEqual(raw.results);
    svc.close();
    await later.close();
  });

  it('are not used once turned off (dimension_max_values: 0): rows from before would go stale', async () => {
    const off = new RollupManager({ store: s.luminate.store, dimensionMaxValues: 0 });
    await off.load();
    expect(off.coverage('default', 'dr_latency')?.dims ?? null).toBeNull();
    const svc = new QueryService({ store: s.luminate.store, limits: queryLimitsOf(s.luminate.config), rollups: off });
    expect(await svc.query({ ...q, groupBy: ['region'] }, 'default')).toMatchObject({ resolution: 'raw' });
    svc.close();
    await off.close();
  });
  it('are rebuilt hour-first from a metric-first table (schema v4), every row kept, also after a crash mid-rebuild', async () => {
    const store = s.luminate.store;
    const db = store.db;
    const dump = () => store.rows<Record<string, unknown>>(`SELECT * EXCEPT version FROM ${db}.rollup_dim_1h FINAL ORDER BY metric_id, k, v, bucket`);
    const sortingKey = async () => (await store.rows<{ sorting_key: string }>(`SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = 'rollup_dim_1h'`, { params: { db } }))[0]?.sorting_key;
    const rollups = new RollupManager({ store, dimensionMaxValues: 3 });
    await rollups.load();
    const svc = new QueryService({ store, limits: queryLimitsOf(s.luminate.config), rollups });
    const region = { ...q, groupBy: ['region'] };
    const before = await dump();
    const answer = await svc.query(region, 'default');
    expect(before.length).toBeGreaterThan(0);
    expect(answer).toMatchObject({ resolution: '1h' });
    // The table as schema v3 made it (sorted by metric first), with the late rewrite's duplicates.
    const v3 = (await store.rows<{ q: string }>(`SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = 'rollup_dim_1h'`, { params: { db } }))[0]!.q
      .replace('rollup_dim_1h', 'rollup_dim_1h_v3').replace(/ORDER BY \([^)]*\)/, 'ORDER BY (metric_id, k, bucket, v)');
    await store.client.command({ query: v3 });
    await store.client.command({ query: `INSERT INTO ${db}.rollup_dim_1h_v3 SELECT * FROM ${db}.rollup_dim_1h` });
    await store.client.command({ query: `EXCHANGE TABLES ${db}.rollup_dim_1h AND ${db}.rollup_dim_1h_v3` });
    await store.client.command({ query: `DROP TABLE ${db}.rollup_dim_1h_v3` });
    expect(await sortingKey()).toBe('metric_id, k, bucket, v');

    // A crash after the swap, before the last statement and the migration's record: all of it runs again.
    const steps = dimTableRebuild(db);
    for (const sql of steps.slice(0, -1)) await store.client.command({ query: sql });
    await store.client.command({ query: `ALTER TABLE ${db}.schema_migrations DELETE WHERE version = 4 SETTINGS mutations_sync = 2` });
    expect(await store.migrate()).toEqual([4]);
    expect(await sortingKey()).toBe('bucket, metric_id, k, v');
    expect(await dump()).toEqual(before);
    const rebuilt = await svc.query(region, 'default');
    expect({ ...rebuilt, executionTimeMs: 0 }).toEqual({ ...answer, executionTimeMs: 0 });
    svc.close();
    await rollups.close();
    expect(await store.rows(`SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE 'rollup_dim_1h_%'`, { params: { db } })).toEqual([]);
  });
});
