import { describe, expect, it } from 'vitest';
import type { WriteQueue } from '../cluster/index.js';
import { Acceptor } from './acceptor.js';
import { CardinalityGuard } from './cardinality.js';
import { SeriesCache } from './series-cache.js';
import type { WriteBatch } from './types.js';
import { DEFAULT_VALIDATION_LIMITS } from './validate.js';

/** The acceptor over an in-memory queue that records what it is handed (storage is not under test here). */
function acceptor() {
  const stored: WriteBatch[] = [];
  const queue: WriteQueue = { enqueue: async (b) => void stored.push(b), stats: () => ({ bufferedPoints: 0, inflightPoints: 0, flushes: 0 }), close: async () => {} };
  const cardinality = new CardinalityGuard({ maxSeriesPerMetric: 10, maxMetricsPerTenant: 10, warningThreshold: 0.8, overflow: [] });
  const now = 1_700_000_000_000;
  const a = new Acceptor({ queue, cache: new SeriesCache(1000), cardinality, limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 10_000, now: () => now });
  return { a, stored, cardinality, now };
}

describe('Acceptor.writeSeries', () => {
  it('answers a write with nothing valid with every error, stores nothing and uncounts its series', async () => {
    const { a, stored, cardinality, now } = acceptor();
    const old = now - 30 * 86_400_000;
    const r = await a.writeSeries([{ name: 'm', dimensions: { k: 'a' }, timestamps: [old, old + 1], values: [1, 2] }, { name: 'm', dimensions: { k: 'b' }, timestamps: [old], values: [3] }], 't');
    expect(r).toMatchObject({ status: 207, accepted: 0, rejected: 3 });
    expect(r.errors.map((e) => [e.index, e.code])).toEqual([
      [0, 'INVALID_TIMESTAMP'],
      [1, 'INVALID_TIMESTAMP'],
      [2, 'INVALID_TIMESTAMP'],
    ]);
    expect(stored).toEqual([]);
    expect(cardinality.totalSeries).toBe(0);

    const ok = await a.writeSeries([{ name: 'm', dimensions: { k: 'a' }, timestamps: [now], values: [1] }], 't');
    expect(ok).toMatchObject({ status: 200, accepted: 1, rejected: 0 });
    expect(stored).toHaveLength(1);
    expect(cardinality.totalSeries).toBe(1);
  });
});
