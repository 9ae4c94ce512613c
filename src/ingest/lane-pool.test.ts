import snappy from 'snappyjs';
import { afterAll, describe, expect, it } from 'vitest';
import { batches } from '../../bench/workload.js';
import { encodeWriteRequest } from '../../test/helpers/remote-write.js';
import type { WriteQueue } from '../cluster/index.js';
import { Acceptor, type WriteResult } from './acceptor.js';
import { CardinalityGuard } from './cardinality.js';
import { LanePool, laneWorkerScript, laneWorkersOf } from './lane-pool.js';
import { SeriesCache } from './series-cache.js';
import { SnappyBlockError } from './snappy-block.js';
import type { WriteBatch } from './types.js';
import { DEFAULT_VALIDATION_LIMITS as limits } from './validate.js';

/**
 * Real lane workers (the compiled lane-worker.js, which `npm test` builds first) against the
 * main-thread path: the same requests must give the same stored batches and answers.
 */
const now = 1_800_000_000_000;
const events: string[] = [];
const pool = new LanePool({ size: 2, limits, maxBatchSize: 10_000, onEvent: (level, info, msg) => events.push(`${level}: ${msg} ${JSON.stringify(info)}`) });
afterAll(() => pool.close());

function acceptor(lanes?: LanePool, maxSeriesPerMetric = 150) {
  const stored: WriteBatch[] = [];
  const queue: WriteQueue = { enqueue: async (b) => void stored.push(b), stats: () => ({ bufferedPoints: 0, inflightPoints: 0, flushes: 0 }), close: async () => {} };
  const cardinality = new CardinalityGuard({ maxSeriesPerMetric, maxMetricsPerTenant: 10, warningThreshold: 0.8, overflow: [] });
  const a = new Acceptor({ queue, cache: new SeriesCache(1000), cardinality, limits, maxBatchSize: 10_000, now: () => now, ...(lanes ? { lanes } : {}) });
  return { a, stored, cardinality };
}

const block = (req: Buffer) => Buffer.from(snappy.compress(req));

/** The bench workload (200 series, sent twice so the second round hits the cache) plus requests the lane refuses. */
function requests(): Buffer[] {
  const out: Buffer[] = [];
  for (const { body } of batches({ series: 200, points: 400, batchSize: 50, seed: 5, start: now - 3_000_000 })) {
    const { metrics } = JSON.parse(body) as { metrics: { name: string; timestamp: number; value: number; dimensions: Record<string, string> }[] };
    out.push(block(encodeWriteRequest(metrics.map((m) => ({ labels: { __name__: m.name, ...m.dimensions }, samples: [[m.timestamp, m.value]] })))));
  }
  out.push(block(encodeWriteRequest([{ labels: { __name__: 'm', k: '\u6771' }, samples: [[now, 1]] }]))); // non-ASCII: general path
  out.push(block(encodeWriteRequest([{ labels: { __name__: 'm' }, samples: [[now, NaN], [now, 2]] }]))); // one invalid sample
  out.push(block(encodeWriteRequest([{ labels: { __name__: 'job:m' }, samples: [[now, 1]] }]))); // nothing valid
  return out;
}

async function settle(a: Acceptor, body: Buffer): Promise<WriteResult | string> {
  try {
    return await a.writeRemoteWriteBlock(body, 'default', 1 << 20);
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('lane workers', () => {
  it('are off by default below 4 cores, where they measured no faster', () => {
    expect([1, 2, 3, 4, 6, 16].map((cores) => laneWorkersOf('auto', cores))).toEqual([0, 0, 0, 2, 4, 4]);
    expect(laneWorkersOf(3, 2)).toBe(3);
  });

  it('are built (npm test builds before it runs the tests)', () => {
    expect(laneWorkerScript(), 'dist/src/ingest/lane-worker.js is missing: run npm run build').not.toBeNull();
    expect(pool.size).toBe(2);
  });

  it('give the batches and answers the main thread gives, concurrent requests included', async () => {
    const inWorkers = acceptor(pool);
    const onMain = acceptor();
    const reqs = requests();
    // Sequential, so both acceptors meet the requests (and the series limit) in the same order.
    const a: (WriteResult | string)[] = [];
    const b: (WriteResult | string)[] = [];
    for (const r of reqs) a.push(await settle(inWorkers.a, r));
    for (const r of reqs) b.push(await settle(onMain.a, r));
    expect(a).toEqual(b);
    expect(inWorkers.stored).toEqual(onMain.stored);
    expect(inWorkers.cardinality.totalSeries).toBe(onMain.cardinality.totalSeries);
    expect(a.filter((r) => typeof r !== 'string' && r.rejected > 0).length).toBeGreaterThan(0); // the series limit (150) was met

    // Many at once over both workers (more than they queue, so some are decoded here): every point stored once.
    const busy = acceptor(pool, 10_000);
    const results = await Promise.all(reqs.slice(0, 8).map((r) => settle(busy.a, r)));
    expect(results.every((r) => typeof r !== 'string')).toBe(true);
    expect(busy.stored.reduce((n, s) => n + s.points, 0)).toBe(8 * 50);
  });

  it('report a bad or oversized snappy block as the main thread does', async () => {
    const { a } = acceptor(pool);
    const { a: main } = acceptor();
    for (const body of [Buffer.from('definitely not snappy'), block(Buffer.alloc(4096))]) {
      const viaPool = await a.writeRemoteWriteBlock(body, 'default', 1024).catch((e: unknown) => e);
      const viaMain = await main.writeRemoteWriteBlock(body, 'default', 1024).catch((e: unknown) => e);
      expect(viaPool).toBeInstanceOf(SnappyBlockError);
      expect(viaPool).toEqual(viaMain);
    }
    const big = await a.writeRemoteWriteBlock(block(Buffer.alloc(4096)), 'default', 1024).catch((e: unknown) => e);
    expect((big as SnappyBlockError).tooBig).toBe(true);
  });

  it('survive a worker that dies: its requests are decoded on the main thread and it is restarted', async () => {
    const { a, stored } = acceptor(pool, 10_000);
    const reqs = requests().slice(0, 6);
    const writes = reqs.map((r) => settle(a, r));
    await pool.terminateWorker(0);
    const results = await Promise.all(writes);
    expect(results.every((r) => typeof r !== 'string' && r.accepted === 50)).toBe(true);
    expect(stored.reduce((n, s) => n + s.points, 0)).toBe(6 * 50);
    // It had requests in flight, and they were not lost.
    expect(events.find((e) => /lane worker exited; restarting it/.test(e))).toMatch(/"in_flight":[1-9]/);
    await expect.poll(() => pool.size).toBe(2);
    expect(await settle(a, reqs[0]!)).toMatchObject({ accepted: 50 });
  });
});
