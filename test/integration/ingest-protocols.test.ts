import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/query/index.js';
import { jwtFor } from '../helpers/auth.js';
import { ExportMetricsServiceResponse, RpcStatus, encodeMetricsRequest, metricsRequest } from '../helpers/otlp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Every ingest protocol other than remote write, against a real server and engine, with auth on:
 * Influx line protocol (v1 and v2), VictoriaMetrics JSON-lines import and export, CSV import,
 * OTLP/HTTP (protobuf and JSON), and seed 001's ingest, NDJSON batch and register endpoints.
 * Each test checks the exact points stored, bad and truncated payloads, and tenant isolation.
 */
const SECRET = 'protocols-test-secret-0123456789abcdef';
let s: TestServer;
let tokenA: string;
let tokenB: string;
const NOW = Date.now();

beforeAll(async () => {
  s = await startTestServer({ auth: { enabled: true, jwt_secret: SECRET }, rate_limits: { enabled: false }, batch_write: { flush_interval: '5ms' } });
  tokenA = await jwtFor(SECRET, 'tenant_a', ['read', 'write']);
  tokenB = await jwtFor(SECRET, 'tenant_b', ['read', 'write']);
});
afterAll(async () => {
  await s.close();
});

interface Answer {
  status: number;
  text: string;
  json: () => unknown;
  headers: Headers;
  bytes: Buffer;
}

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}, token: string | null = tokenA): Promise<Answer> {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...headers }, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  return { status: res.status, text, bytes, headers: res.headers, json: () => JSON.parse(text) as unknown };
}

async function get(path: string, token = tokenA): Promise<Answer> {
  const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  return { status: res.status, text, bytes, headers: res.headers, json: () => JSON.parse(text) as unknown };
}

/** Points of a metric as sorted [dimensions JSON, timestamp, value] triples. */
async function pointsOf(metric: string, token = tokenA): Promise<[string, number, number][]> {
  const r = await post('/api/v1/query', JSON.stringify({ queryType: 'range', metricName: metric, timeRange: { relative: '2h' }, limit: 10_000 }), { 'content-type': 'application/json' }, token);
  if (r.status === 404) return [];
  expect(r.status, r.text).toBe(200);
  const results = (r.json() as Extract<QueryResponse, { queryType: 'range' }>).results;
  return results.map((p): [string, number, number] => [JSON.stringify(Object.fromEntries(Object.entries(p.dimensions).sort())), p.timestamp, p.value]).sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1));
}

const errorOf = (a: Answer) => (a.json() as { error: { code: string; message: string; details: Record<string, unknown> } }).error;

async function healthy() {
  const r = await fetch(`${s.url}/api/v1/health`);
  expect(r.status).toBe(200);
}

describe('Influx line protocol', () => {
  it('stores every numeric field of v2 writes with escaping honoured (Token auth, precision)', async () => {
    const t = NOW - 60_000;
    const body = [
      '# a comment line',
      `weather,city=New\\ York,station=a\\,b temp=21.5,humidity=40i,raining=false,note="string \\"skipped\\"" ${t}000000`,
      `weather,city=Zürich temp=-3 ${t + 1}000000`,
      '',
    ].join('\n');
    const r = await post('/api/v2/write?org=o&bucket=b&precision=ns', body, { authorization: `Token ${tokenA}`, 'content-type': 'text/plain; charset=utf-8' }, null);
    expect(r.status, r.text).toBe(204);
    expect(await pointsOf('weather_temp')).toEqual([
      ['{"city":"New York","station":"a,b"}', t, 21.5],
      ['{"city":"Zürich"}', t + 1, -3],
    ]);
    expect(await pointsOf('weather_humidity')).toEqual([['{"city":"New York","station":"a,b"}', t, 40]]);
    expect(await pointsOf('weather_raining')).toEqual([['{"city":"New York","station":"a,b"}', t, 0]]);
    expect(await pointsOf('weather_note')).toEqual([]);

    const secs = Math.floor(NOW / 1000) - 30;
    const v1 = await post('/write?db=x&precision=s', `v1m value=7 ${secs}\n`, { authorization: `Basic ${Buffer.from(`any:${tokenA}`).toString('base64')}` }, null);
    expect(v1.status, v1.text).toBe(204);
    expect(await pointsOf('v1m_value')).toEqual([['{}', secs * 1000, 7]]);
  });

  it('stores the good lines of a partly bad write and names the bad ones by line', async () => {
    const t = NOW - 50_000;
    const body = `part ok=1 ${t}\npart broken= ${t}\npart ok=2 ${t + 1}\npart ok=3 1\npart ok=4 ${t + 2}`;
    const r = await post('/api/v2/write?precision=ms', body);
    expect(r.status).toBe(400);
    const e = errorOf(r);
    expect(e.code).toBe('PARTIAL_WRITE');
    expect(e.details).toMatchObject({ lines: 5, accepted: 3, rejected: 2 });
    expect((e.details.errors as { line: number; code: string }[]).map((x) => [x.line, x.code])).toEqual([
      [2, 'INVALID_PAYLOAD'],
      [4, 'INVALID_TIMESTAMP'],
    ]);
    expect((await pointsOf('part_ok')).map((p) => p[2])).toEqual([1, 2, 4]);
  });

  it('refuses a bad precision, truncated and binary bodies with a clear 4xx, and stays up', async () => {
    expect(errorOf(await post('/api/v2/write?precision=weeks', 'm v=1'))).toMatchObject({ code: 'INVALID_REQUEST' });
    const cut = await post('/api/v2/write', `trunc,host=a value=1 ${NOW}000000\ntrunc,host=b val`);
    expect(cut.status).toBe(400);
    expect(errorOf(cut)).toMatchObject({ code: 'PARTIAL_WRITE', details: { accepted: 1, errors: [{ line: 2 }] } });
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const j = await post('/api/v2/write', junk, { 'content-type': 'application/octet-stream' });
    expect(j.status).toBe(400);
    expect(['INVALID_PAYLOAD', 'INVALID_BATCH']).toContain(errorOf(j).code);
    // A body whose every line is refused by the write path (too old) still names the lines.
    const old = await post('/api/v2/write?precision=ms', '# header\nold_m v=1 1\nold_m v=2 2');
    expect(errorOf(old)).toMatchObject({ code: 'INVALID_TIMESTAMP', details: { accepted: 0, rejected: 2, errors: [{ line: 2 }, { line: 3 }] } });
    const unauth = await post('/api/v2/write', 'm v=1', {}, null);
    expect(unauth.status).toBe(401);
    await healthy();
  });
});

describe('VictoriaMetrics import, export and CSV', () => {
  it('round-trips through export exactly, per tenant', async () => {
    const t = NOW - 40_000;
    const lines = [
      { metric: { __name__: 'vm_rt', job: 'api', instance: 'i1' }, values: [1, 2.5, -3], timestamps: [t, t + 1000, t + 2000] },
      { metric: { __name__: 'vm_rt', job: 'db', instance: 'i2' }, values: [10], timestamps: [t] },
      { metric: { __name__: 'vm_other', job: 'api' }, values: [5], timestamps: [t] },
    ];
    const r = await post('/api/v1/import', lines.map((l) => JSON.stringify(l)).join('\n'));
    expect(r.status, r.text).toBe(204);

    const exported = await get(`/api/v1/export?match[]=${encodeURIComponent('vm_rt{job=~"api|db"}')}&match[]=${encodeURIComponent('{__name__="vm_other"}')}`);
    expect(exported.status, exported.text).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/stream\+json/);
    const got = exported.text.trim().split('\n').map((l) => JSON.parse(l) as (typeof lines)[number]);
    const key = (l: (typeof lines)[number]) => JSON.stringify(Object.entries(l.metric).sort());
    expect(got.map(key).sort()).toEqual(lines.map(key).sort());
    for (const l of lines) expect(got.find((g) => key(g) === key(l))).toEqual(l);

    // Label matchers and the time range narrow it.
    const narrowed = await get(`/api/v1/export?match[]=${encodeURIComponent('vm_rt{job!="db",instance=~"i.*"}')}&start=${(t + 500) / 1000}&end=${new Date(t + 1500).toISOString()}`);
    expect(narrowed.text.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ metric: { __name__: 'vm_rt', job: 'api', instance: 'i1' }, values: [2.5], timestamps: [t + 1000] }]);

    // Another tenant sees none of it, and its own import of the same names stays its own.
    expect((await get(`/api/v1/export?match[]=vm_rt`, tokenB)).text).toBe('');
    expect((await post('/api/v1/import', JSON.stringify({ metric: { __name__: 'vm_rt', job: 'b' }, values: [99], timestamps: [t] }), {}, tokenB)).status).toBe(204);
    expect((await get(`/api/v1/export?match[]=vm_rt`, tokenB)).text.trim()).toBe(JSON.stringify({ metric: { __name__: 'vm_rt', job: 'b' }, values: [99], timestamps: [t] }));
    expect((await pointsOf('vm_rt')).map((p) => p[2]).sort((a, b) => a - b)).toEqual([-3, 1, 2.5, 10]);

    // What export writes, import reads back (into a fresh name, by rewriting it).
    const again = await post('/api/v1/import', exported.text.replaceAll('"vm_rt"', '"vm_copy"'));
    expect(again.status).toBe(204);
    expect((await pointsOf('vm_copy')).length).toBe(4);
  });

  it('pages long exports without losing or repeating points', async () => {
    const t = NOW - 3_000_000;
    // One series with 25,000 points (three output lines of ≤10,000), duplicates at one timestamp.
    const n = 25_000;
    const timestamps = Array.from({ length: n }, (_, i) => t + i * 100);
    timestamps[12_000] = timestamps[11_999]!;
    const r = await post('/api/v1/import', JSON.stringify({ metric: { __name__: 'vm_long', k: 'v' }, values: timestamps.map((_, i) => i), timestamps }));
    expect(r.status, r.text).toBe(204);
    const out = (await get('/api/v1/export?match[]=vm_long')).text.trim().split('\n').map((l) => JSON.parse(l) as { values: number[]; timestamps: number[] });
    expect(out.map((l) => l.values.length)).toEqual([10_000, 10_000, 5_000]);
    expect(out.flatMap((l) => l.values).sort((a, b) => a - b)).toEqual(timestamps.map((_, i) => i));
  });

  it('reports bad import lines by number and explains bad selectors', async () => {
    const t = NOW - 30_000;
    const body = [JSON.stringify({ metric: { __name__: 'vm_bad' }, values: [1], timestamps: [t] }), '{"metric":', JSON.stringify({ metric: { __name__: 'vm_bad' }, values: [2, 3], timestamps: [t + 1, 'x'] })].join('\n');
    const r = await post('/api/v1/import', body);
    expect(errorOf(r)).toMatchObject({ code: 'PARTIAL_WRITE', details: { accepted: 2, rejected: 2 } });
    expect((errorOf(r).details.errors as { line: number; code: string }[]).map((e) => [e.line, e.code])).toEqual([
      [2, 'INVALID_PAYLOAD'],
      [3, 'INVALID_TIMESTAMP'],
    ]);
    for (const q of ['', '?match[]=', `?match[]=${encodeURIComponent('x{a=')}`, `?match[]=${encodeURIComponent('{a="b"}')}`, '?match[]=x&start=yesterday', '?match[]=x&start=10&end=5']) {
      const e = await get(`/api/v1/export${q}`);
      expect(e.status, q).toBe(400);
      expect(errorOf(e).code).toBe('INVALID_QUERY');
    }
  });

  it('imports CSV by its format parameter', async () => {
    const t = NOW - 20_000;
    const csv = `${t},host-1,"eu,west",0.5,10\n${t + 1000},host-2,us,,20\n`;
    const r = await post('/api/v1/import/csv?format=1:time:unix_ms,2:label:host,3:label:region,4:metric:csv_cpu,5:metric:csv_mem', csv, { 'content-type': 'text/csv' });
    expect(r.status, r.text).toBe(204);
    expect(await pointsOf('csv_cpu')).toEqual([['{"host":"host-1","region":"eu,west"}', t, 0.5]]);
    expect(await pointsOf('csv_mem')).toEqual([
      ['{"host":"host-1","region":"eu,west"}', t, 10],
      ['{"host":"host-2","region":"us"}', t + 1000, 20],
    ]);
    expect(errorOf(await post('/api/v1/import/csv?format=1:label:x', 'a'))).toMatchObject({ code: 'INVALID_REQUEST', details: { parameter: 'format' } });
    const bad = await post('/api/v1/import/csv?format=1:metric:csv_x', '"unterminated\n');
    expect(errorOf(bad)).toMatchObject({ code: 'INVALID_PAYLOAD', details: { accepted: 0, errors: [{ line: 1 }] } });
  });
});

describe('OTLP/HTTP metrics', () => {
  it('stores every metric type from protobuf and answers partial success as OTLP specifies', async () => {
    const ms = NOW - 10_000;
    const r = await post('/v1/metrics', encodeMetricsRequest(metricsRequest(ms)), { 'content-type': 'application/x-protobuf' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const resp = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(r.bytes), { longs: Number }) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
    expect(resp.partialSuccess.rejectedDataPoints).toBe(1);
    expect(resp.partialSuccess.errorMessage).toMatch(/exp\.bad: exponential histogram scale 21/);

    const svc = { deployment_environment: 'prod', service_name: 'checkout' };
    const dims = (extra: Record<string, string> = {}) => JSON.stringify(Object.fromEntries(Object.entries({ ...svc, ...extra }).sort()));
    expect(await pointsOf('queue_depth')).toEqual([[dims({ ok: 'true', prio: '2', queue: 'q1' }), ms, 3.5]]);
    expect(await pointsOf('http_server_requests')).toEqual([
      [dims({ http_method: 'GET' }), ms, 42],
      [dims({ http_method: 'POST' }), ms, 7],
    ]);
    expect((await pointsOf('latency_bucket')).map((p) => [(JSON.parse(p[0]) as Record<string, string>).le!, p[2]]).sort()).toEqual([
      ['+Inf', 6],
      ['10', 1],
      ['100', 3],
    ]);
    expect(await pointsOf('latency_sum')).toEqual([[dims(), ms, 120.5]]);
    expect(await pointsOf('latency_count')).toEqual([[dims(), ms, 6]]);
    expect((await pointsOf('rpc_duration')).map((p) => [(JSON.parse(p[0]) as Record<string, string>).quantile!, p[2]])).toEqual([
      ['0.5', 2],
      ['0.99', 5],
    ]);
    expect(await pointsOf('skipped')).toEqual([]);
    // The exponential histogram as cumulative le buckets (scale 1: base √2).
    expect((await pointsOf('exp_hist_bucket')).map((p) => [(JSON.parse(p[0]) as Record<string, string>).le!, p[2]]).sort((a, b) => Number(a[1]) - Number(b[1]) || Number(a[0] === '+Inf') - Number(b[0] === '+Inf'))).toEqual([
      ['-1', 1],
      ['0', 2],
      ['1', 3],
      [String(Math.SQRT2), 5],
      ['+Inf', 5],
    ]);
    expect(await pointsOf('exp_hist_count')).toEqual([[dims(), ms, 5]]);
    expect(await pointsOf('exp_bad_bucket')).toEqual([]);

    // Declared types, units and descriptions reach discovery.
    const details = (await get('/api/v1/metrics?details=true')).json() as { name: string; type: string | null; unit: string; description: string }[];
    expect(details.find((m) => m.name === 'http_server_requests')).toEqual({ name: 'http_server_requests', type: 'counter', unit: '1', description: 'Requests' });
    expect(details.find((m) => m.name === 'latency_bucket')).toMatchObject({ type: 'histogram' });
  });

  it('takes OTLP/JSON, gzip, and the /api/v1/otlp path', async () => {
    const ms = NOW - 9_000;
    const doc = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'otlp.json.gauge', gauge: { dataPoints: [{ timeUnixNano: `${ms}000000`, asDouble: 1.25 }] } }] }] }] };
    const r = await post('/api/v1/otlp/v1/metrics', gzipSync(JSON.stringify(doc)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual({});
    expect(await pointsOf('otlp_json_gauge')).toEqual([['{}', ms, 1.25]]);
  });

  it('answers corrupt, truncated, oversized and mistyped payloads with a clear 4xx', async () => {
    const good = encodeMetricsRequest(metricsRequest(NOW));
    for (const body of [good.subarray(0, good.length - 7), Buffer.from([0xff, 0xff, 0xff]), Buffer.from('not protobuf at all')]) {
      const r = await post('/v1/metrics', body, { 'content-type': 'application/x-protobuf' });
      expect(r.status).toBe(400);
      const status = RpcStatus.toObject(RpcStatus.decode(r.bytes)) as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/INVALID_PAYLOAD: OTLP/);
    }
    expect(errorOf(await post('/v1/metrics', '{"resourceMetrics": 5}', { 'content-type': 'application/json' }))).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect(errorOf(await post('/v1/metrics', '{"resourceMetrics": [', { 'content-type': 'application/json' }))).toMatchObject({ code: 'INVALID_JSON' });
    expect((await post('/v1/metrics', Buffer.alloc(11 * 1024 * 1024), { 'content-type': 'application/x-protobuf' })).status).toBe(413);
    expect((await post('/v1/metrics', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    // Every point invalid (too old): a 400, nothing stored.
    const old = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'otlp_old', gauge: { dataPoints: [{ timeUnixNano: '1000000000000', asDouble: 1 }] } }] }] }] };
    expect(errorOf(await post('/v1/metrics', JSON.stringify(old), { 'content-type': 'application/json' }))).toMatchObject({ code: 'INVALID_PAYLOAD', details: { rejected_data_points: 1 } });
    await healthy();
  });
});

describe('seed 001 endpoints', () => {
  it('ingests one metric, with the write path\'s codes', async () => {
    const ok = await post('/api/v1/metrics/ingest', JSON.stringify({ name: 'single_m', timestamp: NOW - 5000, value: 3, dimensions: { a: 'b' } }), { 'content-type': 'application/json' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    expect(await pointsOf('single_m')).toEqual([['{"a":"b"}', NOW - 5000, 3]]);
    expect(errorOf(await post('/api/v1/metrics/ingest', JSON.stringify({ name: 'bad name', timestamp: NOW, value: 1 }), { 'content-type': 'application/json' }))).toMatchObject({ code: 'INVALID_METRIC_NAME' });
    expect(errorOf(await post('/api/v1/metrics/ingest', '{"name":', { 'content-type': 'application/json' }))).toMatchObject({ code: 'INVALID_JSON' });
  });

  it('streams an NDJSON batch: lines are stored before the body ends, bad lines reported by number', async () => {
    // The first 10,000 lines (one write chunk) must be queryable while the request is still open.
    const t = NOW - 100_000;
    const lineOf = (i: number) => JSON.stringify({ name: 'nd_stream', timestamp: t + i, value: i, dimensions: { shard: String(i % 10) } }) + '\n';
    const url = new URL(`${s.url}/api/v1/metrics/ingest/batch`);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      let first = '';
      for (let i = 0; i < 10_000; i++) first += lineOf(i);
      req.write(first);
      void (async () => {
        const until = Date.now() + 20_000;
        for (;;) {
          const n = await countOf('nd_stream');
          if (n === 10_000) break;
          if (Date.now() > until) throw new Error(`first chunk not stored while the body was open (${n} points)`);
          await new Promise((r) => setTimeout(r, 50));
        }
        req.write('this line is junk\n' + lineOf(10_000) + JSON.stringify({ name: 'nd-bad', timestamp: t, value: 1 }) + '\n');
        req.end(lineOf(10_001));
      })().catch(reject);
    });
    const r = await answer;
    expect(r.status, r.body).toBe(207);
    const body = JSON.parse(r.body) as { lines: number; accepted: number; rejected: number; errors: { line: number; code: string }[] };
    expect(body).toMatchObject({ lines: 10_004, accepted: 10_002, rejected: 2 });
    expect(body.errors.map((e) => [e.line, e.code])).toEqual([
      [10_001, 'INVALID_PAYLOAD'],
      [10_003, 'INVALID_METRIC_NAME'],
    ]);
    expect(await countOf('nd_stream')).toBe(10_002);
  });

  it('accepts an NDJSON body far larger than the request size limit', async () => {
    const t = NOW - 200_000;
    const n = 120_000;
    const chunks: string[] = [];
    for (let i = 0; i < n; i++) chunks.push(JSON.stringify({ name: 'nd_big', timestamp: t + (i % 100_000), value: i, dimensions: { pad: 'x'.repeat(60), k: String(i % 1000) } }));
    const body = chunks.join('\n');
    expect(body.length).toBeGreaterThan(12 * 1024 * 1024);
    const r = await post('/api/v1/metrics/ingest/batch', body, { 'content-type': 'application/x-ndjson' });
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.json()).toEqual({ lines: n, accepted: n, rejected: 0, errors: [] });
    expect(await countOf('nd_big')).toBe(n);
    expect(errorOf(await post('/api/v1/metrics/ingest/batch', ''))).toMatchObject({ code: 'INVALID_BATCH' });
    expect(errorOf(await post('/api/v1/metrics/ingest/batch', 'a\nb'))).toMatchObject({ code: 'INVALID_PAYLOAD', details: { rejected: 2 } });
  });

  it('registers metric types shown by discovery, per tenant', async () => {
    const reg = await post('/api/v1/metrics/register', JSON.stringify({ name: 'single_m', type: 'gauge', unit: 'ms', description: 'One metric' }), { 'content-type': 'application/json' });
    expect(reg.status, reg.text).toBe(200);
    expect(reg.json()).toMatchObject({ name: 'single_m', type: 'gauge', unit: 'ms', description: 'One metric' });
    expect((await post('/api/v1/metrics/register', JSON.stringify({ name: 'declared_only', type: 'counter' }), { 'content-type': 'application/json' })).status).toBe(200);
    expect((await get('/api/v1/metrics/single_m')).json()).toEqual({ name: 'single_m', type: 'gauge', unit: 'ms', description: 'One metric', dimensions: ['a'] });
    expect((await get('/api/v1/metrics/declared_only')).json()).toEqual({ name: 'declared_only', type: 'counter', unit: '', description: '', dimensions: [] });
    // Explicit registration wins over what OTLP declares later.
    await post('/api/v1/metrics/register', JSON.stringify({ name: 'queue_depth', type: 'gauge', unit: 'items', description: 'mine' }), { 'content-type': 'application/json' });
    await post('/v1/metrics', encodeMetricsRequest(metricsRequest(NOW - 1000)), { 'content-type': 'application/x-protobuf' });
    expect((await get('/api/v1/metrics/queue_depth')).json()).toMatchObject({ unit: 'items', description: 'mine' });
    // Names without details stay a plain list; tenant B sees none of A's declarations.
    expect((await get('/api/v1/metrics')).json()).not.toContain('declared_only');
    expect((await get('/api/v1/metrics?details=true', tokenB)).json()).not.toContainEqual(expect.objectContaining({ name: 'declared_only' }));
    expect((await get('/api/v1/metrics/declared_only', tokenB)).status).toBe(404);
    for (const [body, code] of [
      [{ name: 'x', type: 'timer' }, 'INVALID_REGISTRATION'],
      [{ name: 'x y', type: 'gauge' }, 'INVALID_METRIC_NAME'],
      [{ name: 'x', type: 'gauge', unit: 'u'.repeat(65) }, 'INVALID_REGISTRATION'],
      [{ name: 'x', type: 'gauge', extra: 1 }, 'INVALID_REGISTRATION'],
      [[1], 'INVALID_REGISTRATION'],
    ] as const) {
      expect(errorOf(await post('/api/v1/metrics/register', JSON.stringify(body), { 'content-type': 'application/json' })).code).toBe(code);
    }
  });
});

async function countOf(metric: string): Promise<number> {
  const r = await post('/api/v1/query', JSON.stringify({ queryType: 'aggregate', metricName: metric, aggregation: 'count', timeRange: { relative: '2h' } }), { 'content-type': 'application/json' });
  if (r.status === 404) return 0;
  expect(r.status, r.text).toBe(200);
  const results = (r.json() as { results: { value: number }[] }).results;
  return results[0]?.value ?? 0;
}
