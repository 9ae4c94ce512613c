import { afterEach, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/query/index.js';
import { postJson, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.js';

const running: SpawnedServer[] = [];
afterEach(() => {
  for (const s of running.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

async function start(dataDir: string, env: Record<string, string> = {}): Promise<SpawnedServer> {
  const s = await spawnServer(['--data-dir', dataDir], env);
  running.push(s);
  return s;
}

async function countsByBatch(url: string, metric: string): Promise<Map<string, number>> {
  const r = await postJson(`${url}/api/v1/query`, { queryType: 'aggregate', metricName: metric, aggregation: 'count', groupBy: ['batch'] });
  expect(r.status).toBe(200);
  const body = r.body as Extract<QueryResponse, { queryType: 'aggregate' }>;
  return new Map(body.results.map((x) => [x.groupKey.batch!, x.count]));
}

const POINTS = 500;
const batchBody = (metric: string, id: string, base: number) => ({
  metrics: Array.from({ length: POINTS }, (_, i) => ({ name: metric, timestamp: base - i, value: i, dimensions: { batch: id, series: String(i % 50) } })),
});

describe('durability', () => {
  it('keeps every acknowledged point exactly once across kill -9', async () => {
    const dataDir = tempDir();
    const s1 = await start(dataDir, { LUMINATE_BATCH_WRITE_FLUSH_INTERVAL: '20ms' });
    const acked = new Set<string>();
    const sent = new Set<string>();
    let killed = false;
    const base = Date.now();
    const client = async (c: number) => {
      for (let seq = 0; !killed; seq++) {
        const id = `k${c}-${seq}`;
        sent.add(id);
        try {
          const r = await postJson(`${s1.url}/api/v1/write`, batchBody('dur', id, base - seq));
          if (r.status === 200) acked.add(id);
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    // Kill right after an acknowledgement once enough are in, while other writes are in flight.
    while (acked.size < 40) await new Promise((r) => setTimeout(r, 5));
    s1.child.kill('SIGKILL');
    killed = true;
    await Promise.all(clients);
    expect((await s1.exited).signal).toBe('SIGKILL');
    expect(sent.size).toBeGreaterThan(acked.size);

    const s2 = await start(dataDir);
    const counts = await countsByBatch(s2.url, 'dur');
    const missing = [...acked].filter((id) => counts.get(id) !== POINTS);
    expect(missing).toEqual([]);
    // Nothing is stored twice, and nothing appears that was never sent.
    for (const [id, n] of counts) {
      expect(sent.has(id)).toBe(true);
      expect(n).toBeLessThanOrEqual(POINTS);
    }
    s2.child.kill('SIGTERM');
    expect((await s2.exited).code).toBe(0);
  });

  it('flushes buffered writes on SIGTERM and exits cleanly', async () => {
    const dataDir = tempDir();
    // A long flush interval: the first write is inserted at once (the engine was idle), the
    // second must wait 60 s for its turn — only the shutdown flush can answer it quickly.
    const s1 = await start(dataDir, { LUMINATE_BATCH_WRITE_FLUSH_INTERVAL: '60s' });
    expect((await postJson(`${s1.url}/api/v1/write`, batchBody('term', 'b0', Date.now()))).status).toBe(200);
    const pending = postJson(`${s1.url}/api/v1/write`, batchBody('term', 'b1', Date.now() - 1000));
    await new Promise((r) => setTimeout(r, 300));
    s1.child.kill('SIGTERM');
    const r = await pending;
    expect(r.status).toBe(200);
    expect(await s1.exited).toEqual({ code: 0, signal: null });
    expect(s1.output()).toContain('stopped cleanly');

    const s2 = await start(dataDir);
    const counts = await countsByBatch(s2.url, 'term');
    expect([counts.get('b0'), counts.get('b1')]).toEqual([POINTS, POINTS]);
  });
});
