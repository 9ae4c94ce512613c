import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const MAIN = resolve(process.cwd(), 'dist/src/main.js');
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ auth: { enabled: true, jwt_secret: 'apikey-test-secret-0123456789-abc' }, batch_write: { flush_interval: '5ms' } });
});
afterAll(async () => {
  await s.close();
});

/** The CLI, on the running server's data directory (it opens only the metadata store). */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [MAIN, 'apikey', ...args, '--data-dir', s.dataDir]);
}
async function call(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('API keys', () => {
  it('are created by the CLI once, authenticate with their scopes, and are managed and revoked by admins of the same tenant', async () => {
    const created = await cli('create', '--tenant', 'acme', '--scopes', 'read,write', '--name', 'ingest');
    const key = created.stdout.trim();
    expect(key).toMatch(/^lmk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('not shown again');

    const w = await call('POST', '/api/v1/write', key, { metrics: [{ name: 'ak', timestamp: Date.now(), value: 1 }] });
    expect(w.status).toBe(200);
    expect((await call('GET', '/api/v1/metrics', key)).body).toEqual(['ak']);
    expect((await call('GET', '/api/v1/admin/apikeys', key)).status).toBe(403); // no admin scope

    const adminKey = (await cli('create', '--tenant', 'acme', '--scopes', 'admin')).stdout.trim();
    const made = await call('POST', '/api/v1/admin/apikeys', adminKey, { scopes: ['read'], name: 'dashboards' });
    expect(made.status).toBe(201);
    const readKey = (made.body as { key: string }).key;
    expect((await call('GET', '/api/v1/metrics', readKey)).status).toBe(200);
    expect((await call('POST', '/api/v1/write', readKey, { metrics: [] })).status).toBe(403);
    expect((await call('POST', '/api/v1/admin/apikeys', adminKey, { scopes: ['root'] })).status).toBe(400);

    const list = (await call('GET', '/api/v1/admin/apikeys', adminKey)).body as { id: string; name: string; tenant: string }[];
    expect(list.map((k) => k.name).sort()).toEqual(['', 'dashboards', 'ingest']);
    expect(list.every((k) => k.tenant === 'acme')).toBe(true);
    // The secret is everything after lmk_<16 hex>_ (base64url, so it may itself hold '_').
    expect(JSON.stringify(list)).not.toContain(key.slice('lmk_'.length + 16 + 1));

    // Another tenant's admin sees none of acme's keys and cannot revoke them.
    const otherAdmin = (await cli('create', '--tenant', 'other', '--scopes', 'admin,read')).stdout.trim();
    expect(((await call('GET', '/api/v1/admin/apikeys', otherAdmin)).body as unknown[]).length).toBe(1);
    const ingestId = list.find((k) => k.name === 'ingest')!.id;
    expect((await call('DELETE', `/api/v1/admin/apikeys/${ingestId}`, otherAdmin)).status).toBe(404);
    expect((await call('GET', '/api/v1/metrics', otherAdmin)).body).toEqual([]);

    // Revoked by its own admin: the key stops working at once.
    expect((await call('DELETE', `/api/v1/admin/apikeys/${ingestId}`, adminKey)).status).toBe(204);
    const denied = await call('GET', '/api/v1/metrics', key);
    expect(denied).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'API key is unknown or revoked', details: {} } } });

    // The CLI lists without secrets and revokes.
    const listed = (await cli('list', '--tenant', 'acme')).stdout;
    expect(listed.split('\n')[0]).toBe('id\ttenant\tname\tscopes\tcreated_at\trevoked_at');
    expect(listed).toContain(`${ingestId}\tacme\tingest\tread,write\t`);
    expect(listed).not.toContain(key.split('_')[2]);
    const readId = (made.body as { id: string }).id;
    expect((await cli('revoke', readId)).stdout).toBe(`revoked ${readId}\n`);
    expect((await call('GET', '/api/v1/metrics', readKey)).status).toBe(401);
  });
});
