import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/query/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'test-secret-0123456789-abcdefghij';
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ auth: { enabled: true, jwt_secret: SECRET, token_expiry: '24h' }, batch_write: { flush_interval: '5ms' } });
});
afterAll(async () => {
  await s.close();
});

async function token(claims: Record<string, unknown>, opts: { secret?: string; exp?: number | null; iat?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(opts.iat ?? now);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? now + 3600);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}
const as = (t: string) => ({ authorization: `Bearer ${t}` });

async function call(method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
const codeOf = (r: { body?: Record<string, unknown> }) => (r.body?.error as { code?: string } | undefined)?.code;
const point = (name: string, value: number, dims: Record<string, string> = {}) => ({ name, timestamp: Date.now(), value, dimensions: dims });

describe('authentication', () => {
  it('rejects missing, malformed, wrongly signed, expired, unsigned and claim-less tokens with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ tenant_id: 'a', scopes: ['read'], exp: now + 60 })).toString('base64url')}.`;
    const cases: [string, Record<string, string>][] = [
      ['no header', {}],
      ['basic auth', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['garbage', as('abc.def.ghi')],
      ['wrong secret', as(await token({ tenant_id: 'a', scopes: ['read'] }, { secret: 'another-secret-0123456789-abcdef' }))],
      ['expired', as(await token({ tenant_id: 'a', scopes: ['read'] }, { iat: now - 7200, exp: now - 3600 }))],
      ['unsigned (alg none)', as(unsigned)],
      ['no exp', as(await token({ tenant_id: 'a', scopes: ['read'] }, { exp: null }))],
      ['lifetime past token_expiry', as(await token({ tenant_id: 'a', scopes: ['read'] }, { iat: now, exp: now + 48 * 3600 }))],
      ['no tenant_id', as(await token({ scopes: ['read'] }))],
      ['bad tenant_id', as(await token({ tenant_id: 'a b/../c', scopes: ['read'] }))],
    ];
    for (const [label, headers] of cases) {
      const r = await call('GET', '/api/v1/metrics', headers);
      expect([label, r.status, codeOf(r)]).toEqual([label, 401, 'UNAUTHORIZED']);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="luminate"');
    }
  });

  it('answers 403 FORBIDDEN when the token lacks the scope, before reading the body', async () => {
    const readOnly = await token({ tenant_id: 'a', scopes: ['read'] });
    const writeOnly = await token({ tenant_id: 'a', scopes: ['write'] });
    const w = await call('POST', '/api/v1/write', as(readOnly), { metrics: [point('x', 1)] });
    expect([w.status, codeOf(w)]).toEqual([403, 'FORBIDDEN']);
    expect(w.body).toMatchObject({ error: { details: { required_scope: 'write', scopes: ['read'] } } });
    const q = await call('POST', '/api/v1/query', as(writeOnly), { queryType: 'range', metricName: 'x' });
    expect([q.status, codeOf(q)]).toEqual([403, 'FORBIDDEN']);
    expect((await call('GET', '/api/v1/metrics/x/dimensions', as(writeOnly))).status).toBe(403);
  });

  it('leaves health, probes, /metrics and unknown routes open', async () => {
    expect((await call('GET', '/api/v1/health')).status).toBe(200);
    expect((await call('GET', '/livez')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(200);
    expect((await call('GET', '/api/v1/nothing')).status).toBe(404);
  });
});

describe('tenancy', () => {
  it('keeps each tenant to its own data on every read path', async () => {
    const a = as(await token({ tenant_id: 'tenant_a', scopes: ['read', 'write'] }));
    const b = as(await token({ tenant_id: 'tenant_b', scopes: ['read', 'write'] }));
    expect((await call('POST', '/api/v1/write', a, { metrics: [point('shared', 10, { customer_id: 'a1' }), point('shared', 30, { customer_id: 'a2' }), point('only_a', 1, { secret: 'a-secret' })] })).status).toBe(200);
    expect((await call('POST', '/api/v1/write', b, { metrics: [point('shared', 1000, { customer_id: 'b1' })] })).status).toBe(200);

    // Discovery.
    expect((await call('GET', '/api/v1/metrics', a)).body).toEqual(['only_a', 'shared']);
    expect((await call('GET', '/api/v1/metrics', b)).body).toEqual(['shared']);
    expect((await call('GET', '/api/v1/metrics/shared/dimensions/customer_id/values', b)).body).toEqual(['b1']);
    const hidden = await call('GET', '/api/v1/metrics/only_a/dimensions', b);
    expect([hidden.status, codeOf(hidden)]).toEqual([404, 'METRIC_NOT_FOUND']);
    expect((await call('GET', '/api/v1/metrics/only_a/dimensions/secret/values', b)).status).toBe(404);

    // Queries of every type.
    const sumB = (await call('POST', '/api/v1/query', b, { queryType: 'aggregate', metricName: 'shared', aggregation: 'sum' })).body as Extract<QueryResponse, { queryType: 'aggregate' }>;
    expect(sumB.results).toEqual([{ groupKey: {}, value: 1000, count: 1 }]);
    const sumA = (await call('POST', '/api/v1/query', a, { queryType: 'aggregate', metricName: 'shared', aggregation: 'sum', groupBy: ['customer_id'] })).body as Extract<QueryResponse, { queryType: 'aggregate' }>;
    expect(sumA.results.map((r) => r.groupKey.customer_id)).toEqual(['a2', 'a1']);
    const rangeB = (await call('POST', '/api/v1/query', b, { queryType: 'range', metricName: 'only_a' })).body as Extract<QueryResponse, { queryType: 'range' }>;
    expect(rangeB.results).toEqual([]);
    const rangeFiltered = (await call('POST', '/api/v1/query', b, { queryType: 'range', metricName: 'shared', filters: { customer_id: 'a1' } })).body as Extract<QueryResponse, { queryType: 'range' }>;
    expect(rangeFiltered.results).toEqual([]);
    const values = (await call('POST', '/api/v1/query', b, { queryType: 'listDimensionValues', metricName: 'shared', dimension: 'customer_id' })).body as Extract<QueryResponse, { queryType: 'listDimensionValues' }>;
    expect(values.results).toEqual(['b1']);
    const rate = (await call('POST', '/api/v1/query', b, { queryType: 'rate', metricName: 'only_a', interval: '1m' })).body as Extract<QueryResponse, { queryType: 'rate' }>;
    expect(rate.results).toEqual([]);

    // The cardinality view: counts, metrics and dimensions of the caller's tenant only.
    const cardB = (await call('GET', '/api/v1/cardinality', b)).body as { series: number; metrics: { count: number }; top_metrics: { metric: string; series: number }[]; top_dimensions: { metric: string; dimension: string }[] };
    expect(cardB.series).toBe(1);
    expect(cardB.metrics.count).toBe(1);
    expect(cardB.top_metrics.map((m) => [m.metric, m.series])).toEqual([['shared', 1]]);
    expect(cardB.top_dimensions.map((d) => `${d.metric}.${d.dimension}`)).toEqual(['shared.customer_id']);
    const cardA = (await call('GET', '/api/v1/cardinality', a)).body as { series: number; top_metrics: { metric: string; series: number }[] };
    expect(cardA.top_metrics.map((m) => [m.metric, m.series])).toEqual([['shared', 2], ['only_a', 1]]);
  });

  it('never lets a client choose its tenant through _tenant_id', async () => {
    const b = as(await token({ tenant_id: 'tenant_b', scopes: ['read', 'write'] }));
    const w = await call('POST', '/api/v1/write', b, { metrics: [point('shared', 5, { _tenant_id: 'tenant_a' })] });
    expect([w.status, codeOf(w)]).toEqual([400, 'RESERVED_DIMENSION']);
    const q = await call('POST', '/api/v1/query', b, { queryType: 'range', metricName: 'shared', filters: { _tenant_id: 'tenant_a' } });
    expect([q.status, codeOf(q)]).toEqual([400, 'INVALID_QUERY']);
  });
});
