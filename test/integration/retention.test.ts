import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricIdOf } from '../../src/ingest/index.js';
import type { QueryResponse } from '../../src/query/index.js';
import { jwtFor } from '../helpers/auth.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'retention-secret-0123456789-abcdefg';
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    auth: { enabled: true, jwt_secret: SECRET },
    batch_write: { flush_interval: '5ms' },
    retention: { default_retention: '30d', policies: [{ metric_pattern: 'debug_*', retention: '1d' }, { metric_pattern: 'roll_*', rollup_1h_retention: '1d' }] },
  });
});
afterAll(async () => {
  await s.close();
});

const headers = async (tenant: string, scopes: string[]) => ({
  authorization: `Bearer ${await jwtFor(SECRET, tenant, scopes)}`,
  'content-type': 'application/json',
});
async function call(tenant: string, method: string, path: string, body?: unknown, scopes = ['read', 'write', 'admin']) {
  const res = await fetch(`${s.url}${path}`, { method, headers: await headers(tenant, scopes), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const DAY = 86_400_000;
/** 10 points two days old and 5 from the last hour. */
async function seed(tenant: string, metric: string) {
  const now = Date.now();
  const metrics = [
    ...Array.from({ length: 10 }, (_, i) => ({ name: metric, timestamp: now - 2 * DAY - i * 1000, value: i })),
    ...Array.from({ length: 5 }, (_, i) => ({ name: metric, timestamp: now - 3_600_000 + i * 1000, value: i })),
  ];
  expect((await call(tenant, 'POST', '/api/v1/write', { metrics })).status).toBe(200);
}
async function count(tenant: string, metric: string): Promise<number> {
  const r = await call(tenant, 'POST', '/api/v1/query', { queryType: 'aggregate', metricName: metric, aggregation: 'count', timeRange: { relative: '3d' } });
  return (r.body as Extract<QueryResponse, { queryType: 'aggregate' }>).results[0]?.count ?? 0;
}

describe('retention and admin deletes', () => {
  it('removes exactly the points past each metric\'s retention (config pattern, per-tenant admin policy, default)', async () => {
    await seed('a', 'debug_cache');
    await seed('a', 'app_latency');
    await seed('a', 'other');
    await seed('b', 'app_latency');

    const set = await call('a', 'POST', '/api/v1/admin/retention', { metric_name: 'app_latency', retention_days: 1 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ metric_name: 'app_latency', retention_days: 1, applied_at: expect.any(String) as string });

    // The rules are engine TTLs; merges apply them. Force the merge rather than wait for it.
    await s.luminate.store.client.command({ query: `OPTIMIZE TABLE ${s.luminate.store.db}.samples FINAL` });
    expect(await count('a', 'debug_cache')).toBe(5); // pattern debug_* = 1d
    expect(await count('a', 'app_latency')).toBe(5); // tenant a's admin policy = 1d
    expect(await count('b', 'app_latency')).toBe(15); // tenant b has no such policy: default 30d
    expect(await count('a', 'other')).toBe(15); // default 30d
  });

  it('deletes a tenant\'s points before a time, and only that tenant\'s', async () => {
    await seed('a', 'purge_me');
    await seed('b', 'purge_me');
    const before = new Date(Date.now() - DAY).toISOString();
    const r = await call('a', 'DELETE', `/api/v1/admin/metrics/purge_me?before=${encodeURIComponent(before)}`);
    expect(r).toEqual({ status: 200, body: { metric_name: 'purge_me', before: Date.parse(before), deleted_points: 10 } });
    expect(await count('a', 'purge_me')).toBe(5);
    expect(await count('b', 'purge_me')).toBe(15);
    const ms = await call('a', 'DELETE', `/api/v1/admin/metrics/purge_me?before=${Date.now()}`);
    expect(ms.body).toMatchObject({ deleted_points: 5 });
  });

  it('applies per-metric retention to each rollup level (engine TTL), defaults elsewhere', async () => {
    await seed('a', 'roll_kept_short');
    await seed('a', 'plain_metric');
    // Rolled up before the rules name the metric (the engine also drops expired rows on insert).
    await s.luminate.refreshRollups();
    const db = s.luminate.store.db;
    const rows = async (table: string, metric: string) => {
      const [r] = await s.luminate.store.rows<{ n: string }>(
        `SELECT toString(count()) AS n FROM ${db}.${table} FINAL WHERE metric_id = {mid:UInt64}`,
        { params: { mid: BigInt(metricIdOf('a', metric)) } },
      );
      return Number(r?.n ?? 0);
    };
    // Two hours with points (two days ago, and the last hour unless it is still open): both rolled up.
    const before1h = await rows('rollup_1h', 'roll_kept_short');
    const before1m = await rows('rollup_1m', 'roll_kept_short');
    expect(before1h).toBeGreaterThanOrEqual(1);
    expect(before1m).toBeGreaterThanOrEqual(2);
    // Patterns resolve through the metrics that exist: setting any policy re-applies the rules.
    expect((await call('a', 'POST', '/api/v1/admin/retention', { metric_name: 'unrelated', retention_days: 5 })).status).toBe(200);
    for (const t of ['rollup_1m', 'rollup_1h']) await s.luminate.store.client.command({ query: `OPTIMIZE TABLE ${db}.${t} FINAL` });
    const [ttl] = await s.luminate.store.rows<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'rollup_1h'`, { params: { db } });
    // (The engine prints the TTL rules without the implicit DELETE.)
    expect(ttl?.engine_full).toContain(`bucket + toIntervalSecond(86400) WHERE metric_id IN (${metricIdOf('a', 'roll_kept_short')})`);
    expect(ttl?.engine_full).toContain('bucket + toIntervalSecond(34560000) WHERE metric_id NOT IN'); // the 400d default
    // roll_*: hourly rollups past a day are gone; minutes keep their 90d default, and other metrics keep both.
    expect(await rows('rollup_1h', 'roll_kept_short')).toBe(before1h - 1);
    expect(await rows('rollup_1m', 'roll_kept_short')).toBe(before1m);
    expect(await rows('rollup_1h', 'plain_metric')).toBe(before1h);
  });

  it('validates and requires the admin scope', async () => {
    expect((await call('a', 'POST', '/api/v1/admin/retention', { metric_name: 'x', retention_days: -1 })).status).toBe(400);
    expect((await call('a', 'POST', '/api/v1/admin/retention', { metric_name: 'bad-name', retention_days: 1 })).status).toBe(400);
    expect((await call('a', 'DELETE', '/api/v1/admin/metrics/x')).body).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    expect((await call('a', 'DELETE', '/api/v1/admin/metrics/x?before=yesterday')).status).toBe(400);
    expect((await call('a', 'POST', '/api/v1/admin/retention', { metric_name: 'x', retention_days: 1 }, ['read', 'write'])).status).toBe(403);
    expect((await call('a', 'DELETE', `/api/v1/admin/metrics/x?before=${Date.now()}`, undefined, ['read', 'write'])).status).toBe(403);
  });
});
