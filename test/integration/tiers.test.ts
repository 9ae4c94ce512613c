import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLuminate, type Luminate } from '../../src/luminate.js';
import type { QueryResponse } from '../../src/query/index.js';
import type { StorageReport } from '../../src/storage/index.js';
import { startLocalS3, type LocalS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/server.js';

/**
 * Storage tiers against a real S3-compatible endpoint (s3rver): parts land on hot, warm and cold
 * by age, move in the background as they age, queries read all tiers alike, the storage report
 * counts each tier, and a restart reads the cold parts back from the bucket. Last, the archive to
 * a bucket: with the clock 10 days on, every day is archived as Parquet on S3 and read from there.
 */
const DAY = 86_400_000;
let s3: LocalS3;
let dataDir: string;
let warmDir: string;
let lum: Luminate;
let url = '';
let closeApp: () => Promise<void>;
let clock = Date.now();

function configFor(overrides: { warmPath?: string } = {}) {
  return loadConfig({
    overrides: {
      logging: { level: 'silent' },
      batch_write: { flush_interval: '5ms' },
      retention: { default_retention: '0d' },
      rollups: { refresh_interval: '1h' },
      auth: { enabled: false },
      archive: { enabled: true, s3: { endpoint: `${s3.url}/lum/archive/`, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey }, after: '8d', interval: '0s' },
      storage: {
        data_dir: dataDir,
        tiers: {
          warm: { path: overrides.warmPath ?? warmDir, after: '2d' },
          cold: { endpoint: `${s3.url}/lum/cold/`, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey, after: '4d' },
        },
      },
    },
  });
}

async function open() {
  const config = configFor();
  lum = await createLuminate(config, { now: () => clock });
  const app = await buildApp(config, { luminate: lum });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  url = typeof addr === 'object' && addr !== null ? `http://127.0.0.1:${addr.port}` : '';
  closeApp = async () => {
    await app.close();
    await lum.close();
  };
}

const now = Date.now();
// One series a day old, one 3 days (warm), one 5 days (cold), and one that crosses the warm
// boundary 15 s after it is written: 2 days old minus 15 s.
const AGES = { hot: DAY, warm: 3 * DAY, cold: 5 * DAY, crossing: 2 * DAY - 15_000 };
const POINTS = 50;

async function write(metrics: unknown[]) {
  const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics }) });
  expect(res.status).toBe(200);
}

async function countBy(age: keyof typeof AGES): Promise<number> {
  const res = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ queryType: 'aggregate', metricName: 'tiered', aggregation: 'sum', filters: { age }, timeRange: { start: new Date(now - 7 * DAY).toISOString(), end: new Date(now).toISOString() }, resolution: 'raw' }),
  });
  const body = (await res.json()) as Extract<QueryResponse, { queryType: 'aggregate' }>;
  return body.results[0]?.value ?? 0;
}

async function disksOf(table: string): Promise<Record<string, number>> {
  const rows = await lum.store.rows<{ disk: string; rows: string }>(
    `SELECT disk_name AS disk, toString(sum(rows)) AS rows FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active GROUP BY disk`,
    { params: { db: lum.store.db, t: table } },
  );
  return Object.fromEntries(rows.map((r) => [r.disk, Number(r.rows)]));
}

function filesUnder(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    n += statSync(p).isDirectory() ? filesUnder(p) : 1;
  }
  return n;
}

beforeAll(async () => {
  s3 = await startLocalS3(['lum']);
  dataDir = tempDir();
  warmDir = tempDir('lm-warm-');
  await open();
  const metrics = Object.entries(AGES).flatMap(([age, ms]) => Array.from({ length: POINTS }, (_, i) => ({ name: 'tiered', timestamp: now - ms - i * 100, value: i + 1, dimensions: { age } })));
  await write(metrics);
}, 60_000);
afterAll(async () => {
  await closeApp?.();
  await s3?.close();
});

describe('storage tiers', () => {
  it('puts the tables on the tier policy', async () => {
    const tables = await lum.store.rows<{ name: string; storage_policy: string }>(`SELECT name, storage_policy FROM system.tables WHERE database = {db:String} AND name IN ('samples', 'rollup_1m', 'rollup_1h', 'series')`, { params: { db: lum.store.db } });
    expect(Object.fromEntries(tables.map((t) => [t.name, t.storage_policy]))).toEqual({ samples: 'luminate_tiered', rollup_1m: 'luminate_tiered', rollup_1h: 'luminate_tiered', series: 'default' });
  });

  it('places data on hot, warm and cold by age, and moves a part once it ages', async () => {
    // Each 6 hours is its own partition, so parts are placed by their own age.
    let disks = await disksOf('samples');
    expect(disks.cold).toBe(POINTS);
    expect(filesUnder(join(s3.directory, 'lum', 'cold'))).toBeGreaterThan(0);
    // The crossing series is written hot (or warm if the write was slow) and ends on warm.
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && (disks.warm ?? 0) < 2 * POINTS) {
      await new Promise((r) => setTimeout(r, 1000));
      disks = await disksOf('samples');
    }
    expect(disks).toEqual({ default: POINTS, warm: 2 * POINTS, cold: POINTS });
  }, 60_000);

  it('answers queries over every tier through the same API', async () => {
    const sum = (POINTS * (POINTS + 1)) / 2;
    for (const age of Object.keys(AGES) as (keyof typeof AGES)[]) expect(await countBy(age)).toBe(sum);
  });

  it('tiers the rollups too', async () => {
    await lum.refreshRollups();
    const disks = await disksOf('rollup_1h');
    expect(Object.keys(disks).sort()).toEqual(['cold', 'default', 'warm'].filter((d) => disks[d] !== undefined).sort());
    expect(disks.cold).toBeGreaterThan(0);
  }, 60_000);

  it('reports rows and bytes per tier', async () => {
    const res = await fetch(`${url}/api/v1/admin/storage`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as StorageReport;
    expect(report.tiers.map((t) => t.tier)).toEqual(['hot', 'warm', 'cold']);
    const samplesOn = (tier: string) => report.tiers.find((t) => t.tier === tier)!.tables.find((t) => t.table === 'samples')?.rows ?? 0;
    expect([samplesOn('hot'), samplesOn('warm'), samplesOn('cold')]).toEqual([POINTS, 2 * POINTS, POINTS]);
    for (const t of report.tiers) expect(t.bytes_on_disk).toBeGreaterThan(0);
    expect(report.points).toBe(4 * POINTS);
  });

  it('reads the cold tier back from the bucket after a restart', async () => {
    await closeApp();
    await open();
    const sum = (POINTS * (POINTS + 1)) / 2;
    expect(await countBy('cold')).toBe(sum);
    expect(await countBy('hot')).toBe(sum);
    expect((await disksOf('samples')).cold).toBe(POINTS);
  }, 60_000);

  it('refuses to start when a tier that holds data is re-pointed', async () => {
    await closeApp();
    await expect(createLuminate(configFor({ warmPath: tempDir('lm-other-') }))).rejects.toThrow(/storage\.tiers\.warm\.path was .* parts on the warm tier would be lost/);
    await open();
    expect(await countBy('warm')).toBe((POINTS * (POINTS + 1)) / 2);
  }, 60_000);

  it('archives to an S3 bucket and reads the archived days from it', async () => {
    const sum = (POINTS * (POINTS + 1)) / 2;
    clock = Date.now() + 10 * DAY;
    const res = await fetch(`${url}/api/v1/admin/archive`, { method: 'POST' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { archived: { day: string; files: number }[] };
    // Every day that holds a point ended more than 8 (shifted) days ago.
    expect(report.archived.length).toBeGreaterThanOrEqual(4);
    expect(await disksOf('samples')).toEqual({});
    expect(filesUnder(join(s3.directory, 'lum', 'archive'))).toBeGreaterThan(report.archived.length);
    for (const age of Object.keys(AGES) as (keyof typeof AGES)[]) expect(await countBy(age)).toBe(sum);
    // A restart reads the manifest back from the bucket.
    await closeApp();
    await open();
    for (const age of Object.keys(AGES) as (keyof typeof AGES)[]) expect(await countBy(age)).toBe(sum);
  }, 60_000);
});
