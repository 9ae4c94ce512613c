import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_PARTITION } from '../../src/storage/schema.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Schema v5 (src/storage/schema.ts, rebuildSamples) rewrites day-partitioned samples into 6-hour
 * partitions: every point kept, the late-point view made again, and a crash at any step repaired
 * by running the migration again.
 */
const HOUR = 3_600_000;
/** SAMPLES_PARTITION as the engine prints it back. */
const SIX_HOURS = 'toStartOfInterval(ts, toIntervalHour(6))';
const DAY = 24 * HOUR;
let s: TestServer;
let db: string;

const sql = (query: string) => s.luminate.store.client.command({ query });
const rows = <T>(q: string) => s.luminate.store.rows<T>(q, { params: { db } });
const partitionKey = async () => (await rows<{ k: string }>(`SELECT partition_key AS k FROM system.tables WHERE database = {db:String} AND name = 'samples'`))[0]?.k;
/** Count and an order-free checksum of every sample. */
const fingerprint = async () => (await rows<{ n: string; h: string }>(`SELECT toString(count()) AS n, toString(sum(cityHash64(metric_id, series_id, ts, value))) AS h FROM ${db}.samples`))[0];
const tables = async () => (await rows<{ name: string }>(`SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE 'samples%' ORDER BY name`)).map((r) => r.name);

/** The samples table as schema v1-v4 made it (day partitions), holding the current samples, and v5 not recorded. */
async function asBeforeV5(): Promise<void> {
  await sql(`DROP VIEW IF EXISTS ${db}.rollup_dirty_mv`);
  await sql(`CREATE TABLE ${db}.samples_v4 AS ${db}.samples ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (metric_id, series_id, ts) SETTINGS non_replicated_deduplication_window = 10000`);
  await sql(`INSERT INTO ${db}.samples_v4 SELECT * FROM ${db}.samples SETTINGS insert_deduplicate = 0`);
  await sql(`EXCHANGE TABLES ${db}.samples AND ${db}.samples_v4`);
  await sql(`DROP TABLE ${db}.samples_v4`);
  await sql(`CREATE MATERIALIZED VIEW ${db}.rollup_dirty_mv TO ${db}.rollup_dirty AS SELECT metric_id, toStartOfMinute(ts) AS minute, now64(3, 'UTC') AS at FROM ${db}.samples WHERE ts < now64(3, 'UTC') - INTERVAL 60 SECOND GROUP BY metric_id, minute`);
  await sql(`ALTER TABLE ${db}.schema_migrations DELETE WHERE version = 5 SETTINGS mutations_sync = 2`);
  expect(await partitionKey()).toBe('toDate(ts)');
}

beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '5ms' }, rollups: { refresh_interval: '1h' } });
  db = s.luminate.store.db;
  // Three days of points for 20 series, some with equal timestamps and values across series.
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const metrics = [];
  for (let t = end - 3 * DAY; t < end; t += 10 * 60_000) {
    for (let c = 0; c < 20; c++) metrics.push({ name: 'mig_latency', timestamp: t, value: (t / 60_000 + c) % 17, dimensions: { customer: `c${c}` } });
  }
  for (let i = 0; i < metrics.length; i += 5_000) expect((await s.luminate.write({ metrics: metrics.slice(i, i + 5_000) })).rejected).toBe(0);
}, 120_000);
afterAll(async () => {
  await s?.close();
});

describe('schema v5: samples in 6-hour partitions', () => {
  it('new data directories have them', async () => {
    expect(await partitionKey()).toBe(SIX_HOURS);
    expect((await rows<{ p: string }>(`SELECT DISTINCT partition AS p FROM system.parts WHERE database = {db:String} AND table = 'samples' AND active`)).length).toBeGreaterThan(3 * 4 - 1);
  });

  it('rewrites day partitions keeping every point, and the late-point log still hears writes', async () => {
    const before = await fingerprint();
    await asBeforeV5();
    const progress: string[] = [];
    expect(await s.luminate.store.migrate((m) => progress.push(m))).toEqual([5]);
    expect(progress[0]).toMatch(/6-hour partitions .*: [34] days/);
    expect(await partitionKey()).toBe(SIX_HOURS);
    expect(await fingerprint()).toEqual(before);
    expect(await tables()).toEqual(['samples']);
    // A late point goes through the view made again into the late log.
    const late = Date.now() - 30 * 60_000;
    const logged = async () => Number((await rows<{ n: string }>(`SELECT toString(count()) AS n FROM ${db}.rollup_dirty WHERE minute = toStartOfMinute(fromUnixTimestamp64Milli(${late}, 'UTC'))`))[0]?.n);
    const was = await logged();
    expect((await s.luminate.write({ metrics: [{ name: 'mig_latency', timestamp: late, value: 1, dimensions: { customer: 'c0' } }] })).rejected).toBe(0);
    expect(await logged()).toBe(was + 1);
  });

  it('repairs a crash in the middle of the copy or after the swap by running again', async () => {
    const before = await fingerprint();
    // Crashed mid-copy: the view dropped, a partial copy left.
    await asBeforeV5();
    await sql(`DROP VIEW ${db}.rollup_dirty_mv`);
    await sql(`CREATE TABLE ${db}.samples_rebuild AS ${db}.samples ENGINE = MergeTree PARTITION BY ${SAMPLES_PARTITION} ORDER BY (metric_id, series_id, ts)`);
    await sql(`INSERT INTO ${db}.samples_rebuild SELECT * FROM ${db}.samples LIMIT 100`);
    expect(await s.luminate.store.migrate()).toEqual([5]);
    expect(await fingerprint()).toEqual(before);
    expect(await tables()).toEqual(['samples']);

    // Crashed after the swap: the old table still there under the copy's name, v5 not recorded.
    await asBeforeV5();
    await sql(`DROP VIEW ${db}.rollup_dirty_mv`);
    await sql(`CREATE TABLE ${db}.samples_rebuild AS ${db}.samples ENGINE = MergeTree PARTITION BY ${SAMPLES_PARTITION} ORDER BY (metric_id, series_id, ts)`);
    await sql(`INSERT INTO ${db}.samples_rebuild SELECT * FROM ${db}.samples SETTINGS insert_deduplicate = 0`);
    await sql(`EXCHANGE TABLES ${db}.samples AND ${db}.samples_rebuild`);
    expect(await partitionKey()).toBe(SIX_HOURS);
    expect(await s.luminate.store.migrate()).toEqual([5]);
    expect(await partitionKey()).toBe(SIX_HOURS);
    expect(await fingerprint()).toEqual(before);
    expect(await tables()).toEqual(['samples']);
    expect(await rows(`SELECT name FROM system.tables WHERE database = {db:String} AND name = 'rollup_dirty_mv'`)).toHaveLength(1);
  });
});
