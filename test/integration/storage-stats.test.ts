import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageReport } from '../../src/storage/index.js';
import { jwtFor } from '../helpers/auth.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** `GET /api/v1/admin/storage` against the real engine. */
const SECRET = 'storage-test-secret-0123456789abcdef';
let s: TestServer;
let admin: string;
let writer: string;
const NOW = Date.now();
const points = Array.from({ length: 3000 }, (_, i) => ({
  name: i % 2 === 0 ? 'st_cpu' : 'st_memory_bytes',
  timestamp: NOW - 600_000 + i * 100,
  value: i % 7 === 0 ? i : Math.round(i * 1.37 * 100) / 100,
  dimensions: { host: `host-${i % 50}`, region: i % 3 === 0 ? 'eu-west-1' : 'us-east-1' },
}));

beforeAll(async () => {
  // Rollups off here: the storage figures are the raw tables', and the rollup endpoints say why they refuse.
  s = await startTestServer({ auth: { enabled: true, jwt_secret: SECRET }, rate_limits: { enabled: false }, batch_write: { flush_interval: '5ms' }, rollups: { enabled: false } });
  admin = await jwtFor(SECRET, 'tenant_a', ['read', 'write', 'admin']);
  writer = await jwtFor(SECRET, 'tenant_a', ['read', 'write']);
  const r = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: JSON.stringify({ metrics: points }) });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await s.close();
});

describe('GET /api/v1/admin/storage', () => {
  it('reports rows and bytes per table and disk, and the ratio to the same points as JSON', async () => {
    const r = await fetch(`${s.url}/api/v1/admin/storage`, { headers: { authorization: `Bearer ${admin}` } });
    expect(r.status).toBe(200);
    const report = (await r.json()) as StorageReport;
    expect(report.points).toBe(points.length);
    const raw = report.tables.find((t) => t.role === 'raw')!;
    expect(raw).toMatchObject({ table: 'samples', rows: points.length });
    expect(raw.parts).toBeGreaterThan(0);
    expect(raw.bytes_on_disk).toBeGreaterThan(0);
    expect(raw.uncompressed_bytes).toBeGreaterThan(raw.compressed_bytes);
    expect(report.tables.find((t) => t.role === 'series')).toMatchObject({ table: 'series', rows: 100 });
    expect(report.bytes_on_disk).toBe(report.tables.reduce((a, t) => a + t.bytes_on_disk, 0));
    expect(report.bytes_per_point).toBeCloseTo(report.bytes_on_disk / points.length, 6);
    // The engine computes the JSON size from what it stores: exactly what JSON.stringify gives.
    expect(report.raw_json_bytes).toBe(points.reduce((a, p) => a + JSON.stringify(p).length, 0));
    expect(report.compression_ratio).toBeCloseTo(report.raw_json_bytes / report.bytes_on_disk, 6);
    expect(report.space_saving).toBeCloseTo(1 - report.bytes_on_disk / report.raw_json_bytes, 6);
    const disk = report.disks.find((d) => d.disk === 'default')!;
    // The disk holds every table's rows: points, series, and the rollups and their bookkeeping.
    expect(disk.rows).toBe(report.tables.reduce((a, t) => a + t.rows, 0));
    expect(disk.rows).toBeGreaterThanOrEqual(points.length + 100);
    expect(disk.total_bytes).toBeGreaterThan(disk.free_bytes);
  });

  it('needs the admin scope', async () => {
    const r = await fetch(`${s.url}/api/v1/admin/storage`, { headers: { authorization: `Bearer ${writer}` } });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });

  it('rollup endpoints answer 409 ROLLUPS_DISABLED when rollups are off', async () => {
    for (const [method, path] of [['GET', '/api/v1/admin/rollups'], ['POST', '/api/v1/admin/rollups/refresh']] as const) {
      const r = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${admin}` } });
      expect(r.status).toBe(409);
      expect(await r.json()).toMatchObject({ error: { code: 'ROLLUPS_DISABLED' } });
    }
  });
});
