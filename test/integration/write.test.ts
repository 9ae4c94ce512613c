import { metricIdOf, newSeriesOf } from '../../src/ingest/index.js';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '10ms' } });
});
afterAll(async () => {
  await s.close();
});

const point = (name: string, value: number, dims: Record<string, string> = {}, timestamp = Date.now()) => ({ name, timestamp, value, dimensions: dims });
const write = (body: unknown, headers: Record<string, string> = {}) => postJson(`${s.url}/api/v1/write`, body, headers);

async function countOf(metric: string): Promise<number> {
  const [row] = await s.luminate.store.rows<{ c: string }>(`SELECT toString(count()) AS c FROM ${s.luminate.store.db}.samples WHERE metric_id = {m:UInt64}`, { params: { m: BigInt(metricIdOf('default', metric)) } });
  return Number(row!.c);
}

describe('POST /api/v1/write', () => {
  it('stores a batch and answers 200 only once the points are queryable', async () => {
    const r = await write({ metrics: [point('w_ok', 1, { customer_id: 'c1' }), point('w_ok', 2, { customer_id: 'c2' })] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accepted: 2, rejected: 0, errors: [] });
    expect(await countOf('w_ok')).toBe(2);
    // The single-user default (auth off) has no rate limits.
    expect(r.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('answers 207 with per-item errors and stores the valid items', async () => {
    const now = Date.now();
    const r = await write({
      metrics: [
        point('w_partial', 1),
        { name: 'cpu_usage', timestamp: now - 8 * 86_400_000, value: 1 },
        point('w_partial', 2),
        { name: 'w_partial', timestamp: now, value: 'NaN' },
      ],
    });
    expect(r.status).toBe(207);
    expect(r.body).toEqual({
      accepted: 2,
      rejected: 2,
      errors: [
        { index: 1, metric: 'cpu_usage', code: 'INVALID_TIMESTAMP', error: expect.stringMatching(/^timestamp too old/) as string },
        { index: 3, metric: 'w_partial', code: 'INVALID_VALUE', error: expect.any(String) as string },
      ],
    });
    expect(await countOf('w_partial')).toBe(2);
  });

  it.each([
    ['INVALID_METRIC_NAME', { name: '123-invalid', timestamp: Date.now(), value: 1 }],
    ['INVALID_TIMESTAMP', { name: 'x', timestamp: Date.now() + 2 * 3_600_000, value: 1 }],
    ['INVALID_VALUE', { name: 'x', timestamp: Date.now(), value: null }],
    ['INVALID_DIMENSION_KEY', point('x', 1, { 'bad key': 'v' })],
    ['INVALID_DIMENSION_VALUE', point('x', 1, { k: 'a\u0001' })],
    ['RESERVED_DIMENSION', point('x', 1, { _tenant_id: 'other' })],
    ['DIMENSION_LIMIT_EXCEEDED', point('x', 1, Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])))],
    ['INVALID_METRIC', 'just a string'],
  ])('answers 400 %s in the error envelope when nothing is valid', async (code, item) => {
    const r = await write({ metrics: [item] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code, message: expect.any(String) as string, details: { accepted: 0, rejected: 1 } } });
  });

  it('answers INVALID_BATCH when items fail for different reasons', async () => {
    const r = await write({ metrics: [{ name: '1x', timestamp: Date.now(), value: 1 }, { name: 'x', timestamp: 5, value: 1 }] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'INVALID_BATCH', details: { accepted: 0, rejected: 2 } } });
  });

  it('answers 400 BATCH_TOO_LARGE with max_batch_size and received', async () => {
    const metrics = Array.from({ length: 10_001 }, (_, i) => point('w_big', i));
    const r = await write({ metrics });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'BATCH_TOO_LARGE', message: expect.any(String) as string, details: { max_batch_size: 10_000, received: 10_001 } } });
    expect(await countOf('w_big')).toBe(0);
  });

  it('accepts exactly 10,000 metrics', async () => {
    const now = Date.now();
    const metrics = Array.from({ length: 10_000 }, (_, i) => point('w_full', i, { customer_id: `c${i % 100}` }, now - i));
    const r = await write({ metrics });
    expect(r.status).toBe(200);
    expect(await countOf('w_full')).toBe(10_000);
  });

  it('inflates gzip bodies', async () => {
    const body = gzipSync(JSON.stringify({ metrics: [point('w_gzip', 7)] }));
    const res = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
    expect(res.status).toBe(200);
    expect(await countOf('w_gzip')).toBe(1);
  });

  it('answers 413 for a body over 10 MB', async () => {
    const r = await write('{"metrics":[' + ' '.repeat(10_485_761) + ']}');
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', details: { max_request_size_bytes: 10_485_760 } } });
  });

  it('stops a gzip bomb while inflating (413) and stays up', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20)); // 200 MB of spaces in ~200 KB
    expect(bomb.length).toBeLessThan(1_000_000);
    const before = process.memoryUsage().rss;
    const res = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    expect((await write({ metrics: [point('w_after_bomb', 1)] })).status).toBe(200);
  });

  it('answers 400 INVALID_ENCODING for a corrupt gzip body', async () => {
    const res = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Buffer.from('definitely not gzip') });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_ENCODING');
  });

  it('answers 415 for an unsupported content type or encoding', async () => {
    const a = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(a.status).toBe(415);
    expect(((await a.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const b = await write({ metrics: [] }, { 'content-encoding': 'br' });
    expect(b.status).toBe(415);
    expect(b.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', details: { content_encoding: 'br' } } });
  });

  it('answers 400 INVALID_JSON for malformed or empty JSON and INVALID_BATCH for the wrong shape', async () => {
    expect((await write('{"metrics": [')).body).toMatchObject({ error: { code: 'INVALID_JSON' } });
    expect((await write('')).body).toMatchObject({ error: { code: 'INVALID_JSON' } });
    const r = await write({ points: [] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'INVALID_BATCH' } });
  });

  it('keeps _tenant_id out of stored dimensions and ignores a prototype key safely', async () => {
    const r = await write('{"metrics":[{"name":"w_proto","timestamp":' + Date.now() + ',"value":1,"dimensions":{"__proto__":"x","a":"b"}}]}');
    expect(r.status).toBe(200);
    const dims = await s.luminate.listDimensions('w_proto');
    expect(dims).toEqual(['__proto__', 'a']);
  });

  it('answers 404 NOT_FOUND in the envelope for unknown routes', async () => {
    const r = await fetch(`${s.url}/api/v2/nothing`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /api/v2/nothing', details: {} } });
  });

  it('stores every row of a large set of new series, inserted as concurrent statements', async () => {
    const dims = (i: number) => ({ host: `h${i}`, zone: `z${i % 7}` });
    const series = Array.from({ length: 25_001 }, (_, i) => newSeriesOf('bulk', 'bulk_m', dims(i)));
    await s.luminate.store.insertSeries(series);
    const [row] = await s.luminate.store.rows<{ n: string | number; u: string | number; last: string }>(
      `SELECT count() AS n, uniqExact(series_id) AS u, anyIf(dimensions['host'], series_id = ${series[25_000]!.seriesId}) AS last FROM luminate.series WHERE tenant = 'bulk'`,
    );
    expect([Number(row!.n), Number(row!.u), row!.last]).toEqual([25_001, 25_001, 'h25000']);
  });

  it('stores dimension values with quotes, backslashes, Map punctuation, non-ASCII and long values exactly', async () => {
    const values = ["it's", 'back\\slash', 'ends with \\', "\\'", '{a:b},c', '"quoted"', "k':'v", 'ünïcødé ✓ 指标', ' spaced  out ', 'x'.repeat(130), 'é'.repeat(100)];
    const metrics = values.map((v, i) => point('w_odd', i, { v, [`k${i}`]: v }));
    expect((await write({ metrics })).status).toBe(200);
    const stored = await s.luminate.store.rows<{ dimensions: Record<string, string> }>(
      `SELECT dimensions FROM ${s.luminate.store.db}.series WHERE tenant = 'default' AND metric = 'w_odd' ORDER BY toUInt32(substring(arrayFirst(k -> k != 'v', mapKeys(dimensions)), 2))`,
    );
    expect(stored.map((r) => r.dimensions)).toEqual(values.map((v, i) => ({ [`k${i}`]: v, v })));
  });

  it('echoes a request id', async () => {
    const res = await fetch(`${s.url}/livez`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect((await fetch(`${s.url}/livez`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
