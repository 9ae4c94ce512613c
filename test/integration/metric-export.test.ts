import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSeriesOf } from '../../src/ingest/index.js';
import { jwtFor } from '../helpers/auth.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * `GET /api/v1/metrics/export` against the real engine: every point of a metric in each format,
 * across several series pages (1,500 series; a page holds 1,000) and Parquet row groups (120,000
 * points; a group holds 100,000), read back by the engine's own Parquet reader and by hyparquet.
 */
const SECRET = 'export-test-secret-0123456789abcdef';
let s: TestServer;
let tokenA: string;
let tokenB: string;
const NOW = Date.now();
const SERIES = 1_500;
const PER_SERIES = 80;
const T0 = NOW - 3_600_000;

/** Series s: region for all, a `tier` only on even series; one value with a comma and a quote. */
const dimsOf = (s: number): Record<string, string> => ({ host: `h${String(s).padStart(4, '0')}`, region: s % 3 === 0 ? 'eu, "west"' : 'us', ...(s % 2 === 0 ? { tier: 'gold' } : {}) });
const valueOf = (s: number, k: number) => s * 1000 + k + (k % 4) / 4;

beforeAll(async () => {
  s = await startTestServer({ auth: { enabled: true, jwt_secret: SECRET }, rate_limits: { enabled: false }, batch_write: { flush_interval: '5ms' } });
  tokenA = await jwtFor(SECRET, 'tenant_a', ['read', 'write']);
  tokenB = await jwtFor(SECRET, 'tenant_b', ['read', 'write']);
  const points: object[] = [];
  for (let k = 0; k < PER_SERIES; k++) for (let i = 0; i < SERIES; i++) points.push({ name: 'exp_latency', timestamp: T0 + k * 1000 + (i % 1000), value: valueOf(i, k), dimensions: dimsOf(i) });
  for (let i = 0; i < points.length; i += 10_000) {
    const r = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' }, body: JSON.stringify({ metrics: points.slice(i, i + 10_000) }) });
    expect(r.status, await r.text()).toBe(200);
  }
  const b = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { authorization: `Bearer ${tokenB}`, 'content-type': 'application/json' }, body: JSON.stringify({ metrics: [{ name: 'exp_latency', timestamp: NOW - 1000, value: 42, dimensions: { host: 'b' } }] }) });
  expect(b.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await s.close();
});

async function exportOf(query: string, token = tokenA): Promise<{ status: number; type: string | null; disposition: string | null; bytes: Buffer; chunks: number }> {
  const res = await fetch(`${s.url}/api/v1/metrics/export?${query}`, { headers: { authorization: `Bearer ${token}` } });
  const parts: Buffer[] = [];
  // Node's web stream is async-iterable: chunks as they arrive.
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parts.push(Buffer.from(chunk));
  return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), bytes: Buffer.concat(parts), chunks: parts.length };
}

/** What was written, as sorted "host|ts|value" keys. */
function expectedKeys(): string[] {
  const out: string[] = [];
  for (let k = 0; k < PER_SERIES; k++) for (let i = 0; i < SERIES; i++) out.push(`${dimsOf(i).host}|${T0 + k * 1000 + (i % 1000)}|${valueOf(i, k)}`);
  return out.sort();
}

describe('GET /api/v1/metrics/export', () => {
  it('streams every point as NDJSON in the write API shape', async () => {
    const r = await exportOf('name=exp_latency');
    expect(r.status, r.bytes.toString().slice(0, 300)).toBe(200);
    expect(r.type).toMatch(/application\/x-ndjson/);
    expect(r.disposition).toBe('attachment; filename="exp_latency.ndjson"');
    const lines = r.bytes.toString().trim().split('\n').map((l) => JSON.parse(l) as { name: string; timestamp: number; value: number; dimensions: Record<string, string> });
    expect(lines.length).toBe(SERIES * PER_SERIES);
    expect(lines.map((p) => `${p.dimensions.host}|${p.timestamp}|${p.value}`).sort()).toEqual(expectedKeys());
    const first = lines.find((p) => p.dimensions.host === 'h0003')!;
    expect(first).toEqual({ name: 'exp_latency', timestamp: first.timestamp, value: first.value, dimensions: { host: 'h0003', region: 'eu, "west"' } });
    expect(r.chunks).toBeGreaterThan(1);
  });

  it('narrows to [start, end] (unix ms or RFC 3339, both ends inclusive)', async () => {
    const start = T0 + 10_000;
    const end = T0 + 11_000;
    const r = await exportOf(`name=exp_latency&start=${start}&end=${encodeURIComponent(new Date(end).toISOString())}`);
    const ts = r.bytes.toString().trim().split('\n').map((l) => (JSON.parse(l) as { timestamp: number }).timestamp);
    const want = expectedKeys().map((k) => Number(k.split('|')[1])).filter((t) => t >= start && t <= end);
    expect(ts.sort()).toEqual(want.sort());
  });

  it('writes CSV with a column per dimension key, quoting as RFC 4180 says', async () => {
    const r = await exportOf('name=exp_latency&format=csv&end=' + (T0 + 999));
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/text\/csv/);
    const lines = r.bytes.toString().trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,name,value,host,region,tier');
    expect(lines.length - 1).toBe(SERIES); // k = 0: ts T0 + (i % 1000)
    const h3 = lines.find((l) => l.includes(',h0003,'))!;
    expect(h3).toBe(`${new Date(T0 + 3).toISOString()},exp_latency,${valueOf(3, 0)},h0003,"eu, ""west""",`);
    expect(lines.find((l) => l.includes(',h0004,'))).toBe(`${new Date(T0 + 4).toISOString()},exp_latency,${valueOf(4, 0)},h0004,us,gold`);
  });

  it('writes Parquet that the engine and hyparquet both read back exactly', async () => {
    const r = await exportOf('name=exp_latency&format=parquet');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/vnd.apache.parquet');
    expect(r.bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(r.bytes.subarray(-4).toString()).toBe('PAR1');
    // Header, two row groups (120,000 rows in groups of 100,000), footer: sent as produced.
    expect(r.chunks).toBeGreaterThanOrEqual(3);

    const file = new Uint8Array(r.bytes).buffer; // an ArrayBuffer of exactly the file
    const rows = (await parquetReadObjects({ file })) as { timestamp: Date; name: string; value: number; host: string; region: string; tier: string | null }[];
    expect(rows.length).toBe(SERIES * PER_SERIES);
    expect(rows.map((p) => `${p.host}|${p.timestamp.getTime()}|${p.value}`).sort()).toEqual(expectedKeys());
    expect(rows.find((p) => p.host === 'h0003')).toMatchObject({ name: 'exp_latency', region: 'eu, "west"', tier: null });

    // The engine's own reader (ClickHouse's Parquet input format) through the file() table function.
    const path = join(mkdtempSync(join(tmpdir(), 'lm-export-')), 'exp.parquet');
    writeFileSync(path, r.bytes);
    const [summary] = await s.luminate.store.rows<{ n: string | number; total: number; gold: string | number; first: string }>(
      `SELECT count() AS n, sum(value) AS total, countIf(tier = 'gold') AS gold, toString(min(timestamp)) AS first FROM file('${path}', Parquet)`,
    );
    expect(Number(summary!.n)).toBe(SERIES * PER_SERIES);
    expect(summary!.total).toBeCloseTo(rows.reduce((a, p) => a + p.value, 0), 3);
    expect(Number(summary!.gold)).toBe((SERIES / 2) * PER_SERIES);
    expect(summary!.first).toBe(new Date(T0).toISOString().replace('T', ' ').replace('Z', ''));
  });

  it('is tenant-scoped', async () => {
    const r = await exportOf('name=exp_latency', tokenB);
    expect(r.bytes.toString().trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ name: 'exp_latency', timestamp: NOW - 1000, value: 42, dimensions: { host: 'b' } }]);
  });

  it('exports a series whose row was written twice (not merged yet) once', async () => {
    // What a restart or a series-cache eviction does: the same series row inserted again.
    const again = [0, 1, 2].map((i) => newSeriesOf('tenant_a', 'exp_latency', dimsOf(i)));
    await s.luminate.store.insertSeries(again);
    const [rows] = await s.luminate.store.rows<{ n: string | number }>(`SELECT count() AS n FROM luminate.series WHERE tenant = 'tenant_a'`);
    expect(Number(rows!.n)).toBe(SERIES + 3);
    const r = await exportOf('name=exp_latency');
    expect(r.bytes.toString().trim().split('\n').length).toBe(SERIES * PER_SERIES);
  });

  it('answers bad requests with the error envelope', async () => {
    const codeOf = async (q: string, token = tokenA) => {
      const r = await exportOf(q, token);
      return [r.status, (JSON.parse(r.bytes.toString()) as { error: { code: string } }).error.code];
    };
    expect(await codeOf('')).toEqual([400, 'INVALID_QUERY']);
    expect(await codeOf('name=bad-name')).toEqual([400, 'INVALID_QUERY']);
    expect(await codeOf('name=exp_latency&format=xml')).toEqual([400, 'INVALID_QUERY']);
    expect(await codeOf('name=exp_latency&start=yesterday')).toEqual([400, 'INVALID_QUERY']);
    expect(await codeOf('name=exp_latency&start=10&end=5')).toEqual([400, 'INVALID_QUERY']);
    expect(await codeOf('name=no_such_metric')).toEqual([404, 'METRIC_NOT_FOUND']);
    expect(await codeOf('name=exp_latency', 'not-a-token')).toEqual([401, 'UNAUTHORIZED']);
  });
});
