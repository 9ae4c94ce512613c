import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/query/index.js';
import { jwtFor } from '../helpers/auth.js';
import { openSse, type SseStream } from '../helpers/sse.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Live updates end to end: writers publish on the event bus after each flush, `GET /api/v1/live`
 * pushes to subscribed streams (coalesced per metric), and identical tail queries from many pages
 * share one engine execution.
 */
const SECRET = 'live-test-secret-0123456789abcdef';
let s: TestServer;
let tokenA: string;
let tokenB: string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  s = await startTestServer({
    auth: { enabled: true, jwt_secret: SECRET },
    rate_limits: { enabled: false },
    batch_write: { flush_interval: '5ms' },
    live: { coalesce_interval: '250ms', max_streams_per_tenant: 8 },
  });
  tokenA = await jwtFor(SECRET, 'tenant_a', ['read', 'write']);
  tokenB = await jwtFor(SECRET, 'tenant_b', ['read', 'write']);
});
afterAll(async () => {
  const started = Date.now();
  await s.close(); // with streams still open: closing must not wait for them
  expect(Date.now() - started).toBeLessThan(5_000);
});

async function write(token: string, metrics: { name: string; timestamp: number; value: number; dimensions?: Record<string, string> }[]): Promise<void> {
  const r = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify({ metrics }) });
  expect(r.status, await r.text()).toBe(200);
}
async function query(token: string, body: unknown): Promise<QueryResponse> {
  const r = await fetch(`${s.url}/api/v1/query`, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  expect(r.status, text).toBe(200);
  return JSON.parse(text) as QueryResponse;
}
async function sharedCount(): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const m = /^luminate_queries_shared_total\{query_type="range"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}
const openLive = (metrics: string, token = tokenA) => openSse(`${s.url}/api/v1/live?metrics=${metrics}`, auth(token));

describe('live updates', () => {
  let pages: SseStream[] = [];

  it('pushes new points of a watched metric to every page within 1 s, and not other metrics', async () => {
    pages = await Promise.all(Array.from({ length: 5 }, () => openLive('live_cpu,live_mem')));
    for (const p of pages) expect(JSON.parse((await p.next('ready')).data)).toEqual({ metrics: ['live_cpu', 'live_mem'] });
    const t = Date.now();
    await write(tokenA, [{ name: 'live_other', timestamp: t, value: 9 }]);
    const started = Date.now();
    await write(tokenA, [{ name: 'live_cpu', timestamp: t - 1000, value: 1 }, { name: 'live_cpu', timestamp: t, value: 2, dimensions: { host: 'a' } }]);
    for (const p of pages) {
      const e = JSON.parse((await p.next('points', 2_000)).data) as { metric: string; earliest: number; latest: number };
      expect(e).toEqual({ metric: 'live_cpu', earliest: t - 1000, latest: t });
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(pages.every((p) => p.received.every((e) => !e.data.includes('live_other')))).toBe(true);
  });

  it('five pages asking the same tail cost one engine execution, and a later write is never hidden by sharing', async () => {
    const t = Date.now();
    await write(tokenA, [{ name: 'live_cpu', timestamp: t, value: 7 }]);
    const events = await Promise.all(pages.map(async (p) => JSON.parse((await p.next('points', 2_000)).data) as { earliest: number; latest: number }));
    const before = await sharedCount();
    // Each page asks for exactly the announced span: the same resolved query.
    const tail = { queryType: 'range', metricName: 'live_cpu', timeRange: { start: new Date(events[0]!.earliest).toISOString(), end: new Date(events[0]!.latest).toISOString() } };
    const answers = await Promise.all(events.map(() => query(tokenA, tail)));
    const valuesOf = (a: QueryResponse) => (a.queryType === 'range' ? a.results.map((r) => r.value) : []);
    for (const a of answers) expect(valuesOf(a)).toEqual([7]);
    expect((await sharedCount()) - before).toBe(4);
    // A write into that span drops the shared answer: the same query now sees it.
    await write(tokenA, [{ name: 'live_cpu', timestamp: t, value: 8, dimensions: { host: 'b' } }]);
    const again = await query(tokenA, tail);
    expect(valuesOf(again).sort()).toEqual([7, 8]);
  });

  it('coalesces a burst of flushes into few pushes that announce their whole span', async () => {
    const page = pages[0]!;
    const from = page.received.length;
    const t = Date.now();
    for (let i = 0; i < 10; i++) await write(tokenA, [{ name: 'live_mem', timestamp: t + i, value: i }]);
    await new Promise((r) => setTimeout(r, 600));
    const pushes = page.received
      .slice(from)
      .filter((e) => e.event === 'points')
      .map((e) => JSON.parse(e.data) as { metric: string; earliest: number; latest: number })
      .filter((e) => e.metric === 'live_mem');
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.length).toBeLessThan(10);
    expect(Math.min(...pushes.map((p) => p.earliest))).toBe(t);
    expect(Math.max(...pushes.map((p) => p.latest))).toBe(t + 9);
  });

  it("keeps tenants apart: another tenant's points of the same metric are not pushed", async () => {
    const b = await openLive('live_cpu', tokenB);
    await b.next('ready');
    await write(tokenA, [{ name: 'live_cpu', timestamp: Date.now(), value: 1 }]);
    await pages[0]!.next('points', 2_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(b.received.filter((e) => e.event === 'points')).toEqual([]);
    await write(tokenB, [{ name: 'live_cpu', timestamp: Date.now(), value: 1 }]);
    await b.next('points', 2_000);
    b.close();
  });

  it('refuses bad parameters, anonymous callers and streams past the per-tenant limit', async () => {
    const bad = await fetch(`${s.url}/api/v1/live?metrics=a-b`, { headers: auth(tokenA) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_QUERY');
    const none = await fetch(`${s.url}/api/v1/live`, { headers: auth(tokenA) });
    expect(none.status).toBe(400);
    expect((await fetch(`${s.url}/api/v1/live?metrics=x`)).status).toBe(401);
    // 5 pages are open; the limit is 8.
    const more = await Promise.all([openLive('x'), openLive('x'), openLive('x')]);
    for (const m of more) expect(m.status).toBe(200);
    const refused = await fetch(`${s.url}/api/v1/live?metrics=x`, { headers: auth(tokenA) });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_LIVE_STREAMS');
    // Closing a stream frees its slot.
    more[0].close();
    await new Promise((r) => setTimeout(r, 200));
    const after = await openLive('x');
    expect(after.status).toBe(200);
  });
});
