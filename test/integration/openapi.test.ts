import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const ENDPOINTS = [
  ['post', '/api/v1/write'],
  ['post', '/api/v1/query'],
  ['get', '/api/v1/metrics'],
  ['get', '/api/v1/metrics/{name}/dimensions'],
  ['get', '/api/v1/metrics/{name}/dimensions/{key}/values'],
  ['get', '/api/v1/health'],
  ['get', '/livez'],
  ['get', '/readyz'],
  ['get', '/metrics'],
  ['get', '/api/v1/admin/apikeys'],
  ['post', '/api/v1/admin/apikeys'],
  ['delete', '/api/v1/admin/apikeys/{id}'],
  ['post', '/api/v1/admin/retention'],
  ['get', '/api/v1/admin/storage'],
  ['post', '/api/v1/admin/rollups/refresh'],
  ['get', '/api/v1/admin/rollups'],
  ['get', '/api/v1/admin/archive'],
  ['post', '/api/v1/admin/archive'],
  ['delete', '/api/v1/admin/metrics/{name}'],
  ['get', '/api/v1/cardinality'],
  ['post', '/api/v1/prom/write'],
  ['post', '/api/v2/write'],
  ['post', '/write'],
  ['post', '/api/v1/import'],
  ['post', '/api/v1/import/csv'],
  ['get', '/api/v1/export'],
  ['get', '/api/v1/metrics/export'],
  ['post', '/v1/metrics'],
  ['post', '/api/v1/otlp/v1/metrics'],
  ['post', '/api/v1/metrics/ingest'],
  ['post', '/api/v1/metrics/ingest/batch'],
  ['post', '/api/v1/metrics/register'],
  ['get', '/api/v1/metrics/{name}'],
  ['get', '/api/v1/dashboards'],
  ['post', '/api/v1/dashboards'],
  ['get', '/api/v1/dashboards/{id}'],
  ['put', '/api/v1/dashboards/{id}'],
  ['delete', '/api/v1/dashboards/{id}'],
  ['get', '/api/v1/live'],
  ['get', '/api/v1/ui/config'],
] as const;

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { summary?: string; requestBody?: unknown; responses?: Record<string, unknown>; security?: unknown[] }>>;
}

describe('OpenAPI', () => {
  it('documents every endpoint, generated from the route schemas', async () => {
    const res = await fetch(`${s.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDoc;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Luminate', version: expect.stringMatching(/^\d+\.\d+\.\d+/) as string });
    for (const [method, path] of ENDPOINTS) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(op!.summary, `${method.toUpperCase()} ${path} summary`).toMatch(/\w/);
    }
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
    expect(documented).toEqual(ENDPOINTS.map(([m, p]) => `${m} ${p}`).sort());
    expect(doc.paths['/api/v1/query']!.post!.requestBody).toBeDefined();
    expect(Object.keys(doc.paths['/api/v1/write']!.post!.responses!)).toEqual(expect.arrayContaining(['200', '207', '400', '401', '413', '429', '503']));
  });

  it('serves Swagger UI from the package', async () => {
    const res = await fetch(`${s.url}/api/v1/docs/static/index.html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger');
  });

  it('keeps the single validation path: a malformed query still answers the seed code', async () => {
    const res = await fetch(`${s.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queryType: 'aggregate', metricName: 'x', aggregation: 'p42' }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_QUERY');
  });
});
