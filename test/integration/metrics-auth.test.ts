import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtFor } from '../helpers/auth.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'metrics-auth-secret-0123456789-abcd';
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ auth: { enabled: true, jwt_secret: SECRET }, metrics: { require_auth: true } });
});
afterAll(async () => {
  await s.close();
});

const token = (scopes: string[]) => jwtFor(SECRET, 'ops', scopes);

describe('metrics.require_auth', () => {
  it('makes /metrics admin-only', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${await token(['read'])}` } })).status).toBe(403);
    const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${await token(['admin'])}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('luminate_up 1');
  });
});
