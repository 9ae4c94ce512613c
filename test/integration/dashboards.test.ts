import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtFor } from '../helpers/auth.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** `/api/v1/dashboards` over HTTP with auth on: import/export round trip, CRUD, errors, tenancy. */
const SECRET = 'dashboards-test-secret-0123456789abcdef';
const seedText = readFileSync(new URL('../fixtures/seed-dashboard.json', import.meta.url), 'utf8');
const seed = JSON.parse(seedText) as { dashboard: Record<string, unknown> };
let s: TestServer;
let tokenA: string;
let tokenB: string;
let readOnly: string;

beforeAll(async () => {
  s = await startTestServer({ auth: { enabled: true, jwt_secret: SECRET }, rate_limits: { enabled: false } });
  tokenA = await jwtFor(SECRET, 'tenant_a', ['read', 'write']);
  tokenB = await jwtFor(SECRET, 'tenant_b', ['read', 'write']);
  readOnly = await jwtFor(SECRET, 'tenant_a', ['read']);
});
afterAll(async () => {
  await s.close();
});

/** Every shape an answer of these routes may take; each test reads the one it expects. */
interface Answer {
  error: { code: string; details: Record<string, unknown> };
  dashboard: { id: string } & Record<string, unknown>;
  dashboards: Record<string, unknown>[];
}

async function call(method: string, path: string, body?: unknown, token: string = tokenA): Promise<{ status: number; json: Answer; headers: Headers }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? null : JSON.parse(text)) as Answer, headers: res.headers };
}

describe('dashboards API', () => {
  it("imports the seed's dashboard and exports it unchanged", async () => {
    const created = await call('POST', '/api/v1/dashboards', seedText);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/v1/dashboards/customer_overview');
    expect(created.json).toEqual(seed);
    const exported = await call('GET', '/api/v1/dashboards/customer_overview');
    expect(exported.status).toBe(200);
    expect(exported.json).toEqual(seed);
    const list = await call('GET', '/api/v1/dashboards');
    expect(list.json.dashboards).toEqual([expect.objectContaining({ id: 'customer_overview', title: 'Customer Performance Overview', tags: ['customer', 'performance'], panels: 3 })]);
  });

  it('refuses a taken id (409), makes an id from the title, replaces with PUT and deletes', async () => {
    expect((await call('POST', '/api/v1/dashboards', seed)).json.error.code).toBe('DASHBOARD_EXISTS');
    const made = await call('POST', '/api/v1/dashboards', { dashboard: { title: 'Edge Boxes', panels: [] } });
    expect(made.status).toBe(201);
    expect(made.json.dashboard.id).toBe('edge-boxes');
    const put = await call('PUT', '/api/v1/dashboards/edge-boxes', { dashboard: { title: 'Edge boxes (EU)', panels: [], refreshInterval: '10s' } });
    expect(put.status).toBe(200);
    expect((await call('GET', '/api/v1/dashboards/edge-boxes')).json).toEqual({ dashboard: { id: 'edge-boxes', title: 'Edge boxes (EU)', panels: [], refreshInterval: '10s' } });
    expect((await call('PUT', '/api/v1/dashboards/edge-boxes', { dashboard: { id: 'other', title: 'x', panels: [] } })).json.error).toMatchObject({ code: 'INVALID_DASHBOARD', details: { field: 'dashboard.id' } });
    expect((await call('PUT', '/api/v1/dashboards/nope', { dashboard: { title: 'x', panels: [] } })).status).toBe(404);
    expect((await call('DELETE', '/api/v1/dashboards/edge-boxes')).status).toBe(204);
    expect((await call('GET', '/api/v1/dashboards/edge-boxes')).json.error.code).toBe('DASHBOARD_NOT_FOUND');
    expect((await call('DELETE', '/api/v1/dashboards/edge-boxes')).status).toBe(404);
  });

  it('answers INVALID_DASHBOARD naming the field, and malformed JSON with the envelope', async () => {
    const bad = structuredClone(seed) as { dashboard: { panels: { gridPosition: unknown }[] } };
    bad.dashboard.panels[0]!.gridPosition = { x: 20, y: 0, w: 8, h: 4 };
    const r = await call('POST', '/api/v1/dashboards', bad);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'INVALID_DASHBOARD', details: { field: 'dashboard.panels[0].gridPosition' } });
    const junk = await call('POST', '/api/v1/dashboards', '{"dashboard":');
    expect(junk.status).toBe(400);
    expect(junk.json.error.code).toBeTypeOf('string');
  });

  it('is tenant-scoped and needs the write scope to change', async () => {
    expect((await call('GET', '/api/v1/dashboards', undefined, tokenB)).json.dashboards).toEqual([]);
    expect((await call('GET', '/api/v1/dashboards/customer_overview', undefined, tokenB)).status).toBe(404);
    expect((await call('POST', '/api/v1/dashboards', seed, tokenB)).status).toBe(201); // same id, other tenant
    expect((await call('GET', '/api/v1/dashboards/customer_overview', undefined, readOnly)).status).toBe(200);
    expect((await call('DELETE', '/api/v1/dashboards/customer_overview', undefined, readOnly)).json.error.code).toBe('FORBIDDEN');
    const anon = await fetch(`${s.url}/api/v1/dashboards`);
    expect(anon.status).toBe(401);
  });
});
