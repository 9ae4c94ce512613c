import { metricIdOf } from '../../src/ingest/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '50ms', max_buffered_points: 30_000, flush_attempts: 2 } });
});
afterAll(async () => {
  await s.close();
});

const batch = (name: string, n: number, base = Date.now(), dims: (i: number) => Record<string, string> = (i) => ({ customer_id: `c${i % 500}`, shard: String(i % 7) })) => ({
  metrics: Array.from({ length: n }, (_, i) => ({ name, timestamp: base - (i % 3_000_000), value: (i * 7919) % 1000, dimensions: dims(i) })),
});
const write = (body: unknown) => postJson(`${s.url}/api/v1/write`, body);

describe('write buffer', () => {
  it('shares one flush among concurrent requests (group commit)', async () => {
    const before = s.luminate.queue.stats().flushes;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => write(batch('l_group', 100, Date.now() - i))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const flushes = s.luminate.queue.stats().flushes - before;
    expect(flushes).toBeGreaterThanOrEqual(1);
    expect(flushes).toBeLessThan(10); // 20 requests, far fewer inserts
  });

  it('answers 503 BUFFER_FULL with Retry-After when a write would pass max_buffered_points', async () => {
    // Hold the engine with a long statement (it runs one at a time), so flushes cannot drain the
    // buffer while it fills: 3 × 10,000 points reach the 30,000-point bound, the 4th write cannot.
    const blocker = s.luminate.store.rows('SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 1', { timeoutMs: 3000 }).catch(() => 'stopped');
    await new Promise((r) => setTimeout(r, 100));
    const pending = [write(batch('l_full', 10_000)), write(batch('l_full', 10_000)), write(batch('l_full', 10_000))];
    while (s.luminate.queue.stats().bufferedPoints + s.luminate.queue.stats().inflightPoints < 30_000) await new Promise((r) => setTimeout(r, 10));
    const r = await write(batch('l_full', 10_000));
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body).toMatchObject({ error: { code: 'BUFFER_FULL', details: { max_buffered_points: 30_000 } } });
    expect(await blocker).toBe('stopped');
    expect((await Promise.all(pending)).map((x) => x.status)).toEqual([200, 200, 200]);
  });

  it('retries a failing insert, then answers 503 STORAGE_UNAVAILABLE, and recovers when storage does', async () => {
    const db = s.luminate.store.db;
    await s.luminate.store.client.command({ query: `RENAME TABLE ${db}.samples TO ${db}.samples_away` });
    try {
      const started = Date.now();
      const r = await write(batch('l_down', 10));
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.body).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE', details: { attempts: 2 } } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(100); // one backoff
    } finally {
      await s.luminate.store.client.command({ query: `RENAME TABLE ${db}.samples_away TO ${db}.samples` });
    }
    expect((await write(batch('l_down', 10))).status).toBe(200);
    const [row] = await s.luminate.store.rows<{ c: string }>(`SELECT toString(count()) AS c FROM ${db}.samples WHERE metric_id = {m:UInt64}`, { params: { m: BigInt(metricIdOf('default', 'l_down')) } });
    expect(Number(row!.c)).toBe(10);
  });
});

describe('query timeout', () => {
  it('answers 504 QUERY_TIMEOUT and the engine really stops the query', async () => {
    // ~300k points over 100k series: a grouped integral takes a few hundred ms here.
    const base = Date.now();
    for (let b = 0; b < 30; b++) {
      const r = await write(batch('l_slow', 10_000, base - b, (i) => ({ customer_id: `c${b * 10_000 + i}`.slice(0, 7), region: `r${i % 5}` })));
      expect(r.status).toBe(200);
    }
    const body = { queryType: 'aggregate', metricName: 'l_slow', aggregation: 'integral', groupBy: ['customer_id'], limit: 10 };
    let t = performance.now();
    const full = await postJson(`${s.url}/api/v1/query`, body);
    const fullMs = performance.now() - t;
    expect(full.status).toBe(200);

    t = performance.now();
    const timedOut = await postJson(`${s.url}/api/v1/query`, { ...body, timeout: '1ms' });
    const timedOutMs = performance.now() - t;
    expect(timedOut.status).toBe(504);
    expect(timedOut.body).toMatchObject({ error: { code: 'QUERY_TIMEOUT', details: { timeout_ms: 1 } } });
    // The engine runs one statement at a time: a trivial query answering at once proves the
    // cancelled one is no longer running.
    t = performance.now();
    const after = await postJson(`${s.url}/api/v1/query`, { queryType: 'range', metricName: 'l_group', limit: 1 });
    const afterMs = performance.now() - t;
    expect(after.status).toBe(200);
    console.log(`query timeout: full ${fullMs.toFixed(0)} ms, timed out after ${timedOutMs.toFixed(0)} ms, next query ${afterMs.toFixed(0)} ms`);
    expect(timedOutMs + afterMs).toBeLessThan(Math.max(fullMs, 50));
  });
});
