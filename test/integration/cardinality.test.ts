import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardinalityReport } from '../../src/cardinality-report.js';
import type { QueryResponse } from '../../src/query/index.js';
import { postJson, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.js';

/**
 * Cardinality protection against a real server process and engine: a flood of new series past the
 * limit, overflow folding, the metric limit, pattern warnings, the cardinality view, and counts
 * that survive a restart.
 */
const LIMIT = 1000;
const dataDir = tempDir();
const configFile = join(dataDir, 'luminate.yaml');
writeFileSync(
  configFile,
  `batch_write:
  flush_interval: 5ms
cardinality_limits:
  max_unique_series_per_metric: ${LIMIT}
  max_metrics_per_tenant: 6
  overflow:
    - metric_pattern: "ovf_*"
      dimensions: [user_id]
`,
);
let s: SpawnedServer;
const start = () => spawnServer(['--data-dir', dataDir, '--config', configFile]);
beforeAll(async () => {
  s = await start();
});
afterAll(async () => {
  s.child.kill('SIGTERM');
  await s.exited;
});

interface WriteAnswer {
  accepted: number;
  rejected: number;
  errors: { index: number; code: string; error: string }[];
  warnings?: { code: string; metric: string | null; dimension?: string; reason?: string; count?: number; limit?: number }[];
  error?: { code: string; message: string; details: { accepted: number; rejected: number } };
}
const now = () => Date.now();
const flood = (from: number, to: number, extra: Record<string, string> = {}) =>
  Array.from({ length: to - from }, (_, i) => ({ name: 'flood', timestamp: now(), value: 1, dimensions: { region: 'eu', customer: `c${from + i}`, ...extra } }));
async function write(metrics: unknown[]): Promise<{ status: number; body: WriteAnswer }> {
  const r = await postJson(`${s.url}/api/v1/write`, { metrics });
  return { status: r.status, body: r.body as WriteAnswer };
}
async function report(limit = 10): Promise<CardinalityReport> {
  const res = await fetch(`${s.url}/api/v1/cardinality?limit=${limit}`);
  expect(res.status).toBe(200);
  return (await res.json()) as CardinalityReport;
}
async function rssBytes(): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(/^luminate_process_resident_memory_bytes (\S+)$/m.exec(text)![1]);
}
async function query<T extends QueryResponse['queryType']>(q: Record<string, unknown>): Promise<Extract<QueryResponse, { queryType: T }>> {
  const r = await postJson(`${s.url}/api/v1/query`, q);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as Extract<QueryResponse, { queryType: T }>;
}

describe('series limit', () => {
  it('warns at 80%, then rejects only new series while existing ones keep flowing', async () => {
    const first = await write(flood(0, 799));
    expect(first.status).toBe(200);
    expect(first.body.warnings ?? []).toEqual([]);
    const warned = await write(flood(799, 800));
    expect(warned.body.warnings).toEqual([expect.objectContaining({ code: 'SERIES_LIMIT_APPROACHING', metric: 'flood', count: 800, limit: LIMIT })]);

    // 300 more: 200 fit, 100 are refused one by one.
    const partial = await write(flood(800, 1100));
    expect(partial.status).toBe(207);
    expect(partial.body.accepted).toBe(200);
    expect(partial.body.errors).toHaveLength(100);
    expect(partial.body.errors[0]).toMatchObject({ index: 200, code: 'CARDINALITY_EXCEEDED' });
    expect(partial.body.errors[0]!.error).toMatch(/limit of 1000 series \(cardinality_limits.max_unique_series_per_metric\)/);
  });

  it('survives a flood of new series: healthy, memory bounded, existing series still accepted', async () => {
    const rssBefore = await rssBytes();
    let refused = 0;
    for (let b = 0; b < 20; b++) {
      // 5,000 new series per request, plus a known series in every other request.
      const batch = flood(10_000 + b * 5000, 15_000 + b * 5000);
      if (b % 2 === 0) batch.push(...flood(b, b + 1));
      const r = await write(batch);
      if (b % 2 === 0) {
        expect(r.status).toBe(207);
        expect(r.body.accepted).toBe(1);
        refused += r.body.rejected;
      } else {
        expect(r.status).toBe(400);
        expect(r.body.error!.code).toBe('CARDINALITY_EXCEEDED');
        refused += r.body.error!.details.rejected;
      }
    }
    expect(refused).toBe(100_000);
    expect((await fetch(`${s.url}/api/v1/health`)).status).toBe(200);
    // 100,000 refused series cost no lasting memory (the counted set stays at the limit).
    expect(await rssBytes()).toBeLessThan(rssBefore + 150 * 2 ** 20);
    const r = await report();
    expect(r.top_metrics[0]).toMatchObject({ metric: 'flood', series: LIMIT, limit: LIMIT, status: 'limited', overflow: false });
    expect(r.top_metrics[0]!.rejected_points).toBe(100_100);
    // Every counted series takes points, the first ones included (they left the request path long ago).
    const known = await write(flood(0, LIMIT));
    expect([known.status, known.body.accepted]).toEqual([200, LIMIT]);
    const distinct = await query<'aggregate'>({ queryType: 'aggregate', metricName: 'flood', aggregation: 'count', groupBy: ['customer'], limit: 1000 });
    expect(distinct.results).toHaveLength(LIMIT);
  });
});

describe('overflow mode', () => {
  it('folds the offending dimension into __overflow__ and keeps every point', async () => {
    const pts = Array.from({ length: 1500 }, (_, i) => ({ name: 'ovf_requests', timestamp: now(), value: 1, dimensions: { region: i % 2 === 0 ? 'eu' : 'us', user_id: `user-${i}` } }));
    let accepted = 0;
    for (let i = 0; i < pts.length; i += 500) {
      const r = await write(pts.slice(i, i + 500));
      expect(r.status).toBe(200);
      accepted += r.body.accepted;
      if (i >= 1000) expect(r.body.warnings?.map((w) => w.code)).toContain('SERIES_OVERFLOW');
    }
    expect(accepted).toBe(1500);
    const total = await query<'aggregate'>({ queryType: 'aggregate', metricName: 'ovf_requests', aggregation: 'sum' });
    expect(total.results[0]!.value).toBe(1500);
    // The 500 past the limit landed in one folded series per region, regions kept.
    const folded = await query<'aggregate'>({ queryType: 'aggregate', metricName: 'ovf_requests', aggregation: 'sum', filters: { user_id: '__overflow__' }, groupBy: ['region'] });
    expect(folded.results.map((g) => [g.groupKey.region, g.value]).sort()).toEqual([['eu', 250], ['us', 250]]);
    const r = await report();
    expect(r.top_metrics.find((m) => m.metric === 'ovf_requests')).toMatchObject({ series: LIMIT + 2, overflow: true, overflow_points: 500 });
  });
});

describe('metric limit and patterns', () => {
  it('refuses new metrics past max_metrics_per_tenant', async () => {
    // flood and ovf_requests exist; three more fit (the fifth, 80% of 6, warns), the seventh does not.
    const r = await write(['m3', 'm4', 'm5', 'm6', 'm7'].map((name) => ({ name, timestamp: now(), value: 1 })));
    expect(r.status).toBe(207);
    expect(r.body.errors.map((e) => [e.index, e.code])).toEqual([[4, 'CARDINALITY_EXCEEDED']]);
    expect(r.body.errors[0]!.error).toMatch(/limit of 6 metrics/);
    expect(r.body.warnings?.map((w) => w.code)).toContain('METRIC_LIMIT_APPROACHING');
  });

  it('warns about high-cardinality keys and values in the response, the log, /metrics and the view', async () => {
    const r = await write([
      { name: 'm3', timestamp: now(), value: 1, dimensions: { session_id: 's-1' } },
      { name: 'm4', timestamp: now(), value: 1, dimensions: { req: '3f2b8c1e-9a4d-4c7e-8f10-2b3c4d5e6f70' } },
      { name: 'm5', timestamp: now(), value: 1, dimensions: { at: '1763900000123' } },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.warnings?.map((w) => [w.metric, w.dimension, w.reason])).toEqual([
      ['m3', 'session_id', 'id_key'],
      ['m4', 'req', 'uuid_value'],
      ['m5', 'at', 'timestamp_value'],
    ]);
    expect(s.output()).toMatch(/"code":"HIGH_CARDINALITY_PATTERN".*"dimension":"session_id"/);
    expect(s.output()).toMatch(/"code":"SERIES_LIMIT_APPROACHING","metric":"flood"/);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(Number(/^luminate_cardinality_warnings_total\{tenant_id="default",code="HIGH_CARDINALITY_PATTERN"\} (\S+)$/m.exec(text)?.[1])).toBe(4);
    expect(/^luminate_cardinality_by_metric\{tenant_id="default",metric="flood"\} 1000$/m.test(text)).toBe(true);
    expect(/^luminate_cardinality_overflow_points_total\{tenant_id="default"\} 500$/m.test(text)).toBe(true);

    const view = await report(50);
    expect(view.metrics).toEqual({ count: 6, limit: 6, usage: 1 });
    // flood, ovf_requests (+2 folded), m3-m6 bare, m3-m5 with a dimension.
    expect(view.series).toBe(LIMIT + LIMIT + 2 + 4 + 3);
    expect(view.top_dimensions[0]).toMatchObject({ metric: 'ovf_requests', dimension: 'user_id', pattern: 'id_key' });
    expect(view.top_dimensions[0]!.distinct_values).toBeGreaterThan(980);
    expect(view.top_dimensions.find((d) => d.metric === 'm4' && d.dimension === 'req')).toMatchObject({ distinct_values: 1, pattern: 'uuid_value' });
    const codes = view.warnings.map((w) => `${w.code}:${w.metric ?? ''}:${w.dimension ?? ''}`);
    expect(codes).toEqual(expect.arrayContaining(['METRIC_LIMIT_APPROACHING::', 'SERIES_LIMIT_APPROACHING:flood:', 'SERIES_LIMIT_APPROACHING:ovf_requests:', 'HIGH_CARDINALITY_PATTERN:m3:session_id', 'HIGH_CARDINALITY_PATTERN:m4:req', 'HIGH_CARDINALITY_PATTERN:ovf_requests:user_id']));
    const bad = await fetch(`${s.url}/api/v1/cardinality?limit=0`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
  });
});

describe('after a restart', () => {
  it('keeps the counts: the limit still holds and known series still flow', async () => {
    s.child.kill('SIGTERM');
    expect((await s.exited).code).toBe(0);
    s = await start();
    expect(s.output()).toMatch(/"series":2009.*"msg":"series counts loaded"/);
    const r = await report();
    expect(r.top_metrics.slice(0, 2).map((m) => [m.metric, m.series])).toEqual([['ovf_requests', LIMIT + 2], ['flood', LIMIT]]);
    expect(r.metrics.count).toBe(6);
    const known = await write(flood(0, 10));
    expect([known.status, known.body.accepted]).toEqual([200, 10]);
    const fresh = await write(flood(500_000, 500_001));
    expect([fresh.status, fresh.body.error?.code]).toEqual([400, 'CARDINALITY_EXCEEDED']);
    expect((await write([{ name: 'm8', timestamp: now(), value: 1 }])).status).toBe(400);
  });
});
