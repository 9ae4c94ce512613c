import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { batches, prng } from '../../bench/workload.js';
import { encodeWriteRequest, type EncodedSeries } from '../../test/helpers/remote-write.js';
import { SeriesRecord, resolveRecorded } from './byte-lane.js';
import { CardinalityGuard } from './cardinality.js';
import { fastRemoteWrite } from './fast-remote-write.js';
import { decodeWriteRequest } from './remote-write.js';
import { resolveSeries } from './resolve.js';
import { decodeSampleBlocks } from './sample-block.js';
import { SeriesCache } from './series-cache.js';
import type { WriteBatch } from './types.js';
import { DEFAULT_VALIDATION_LIMITS as limits } from './validate.js';

const now = 1_800_000_000_000;
const opts = () => ({ tenant: 'default', limits, maxBatchSize: 50, now, cache: new SeriesCache(1000) });

const rows = (b: WriteBatch) => decodeSampleBlocks(b.samples);

/** The general path's batch and stale count, or null when it would not give a clean, fully valid batch. */
function general(body: Buffer): { batch: WriteBatch; stale: number } | null {
  try {
    const decoded = decodeWriteRequest(body);
    const r = resolveSeries(decoded.series, opts());
    return r.errors.length === 0 ? { batch: r.batch, stale: decoded.stale } : null;
  } catch {
    return null;
  }
}

/** The lane as a lane worker runs it (series recorded, no cache), finished by `resolveRecorded` on `cache`. */
function recorded(body: Buffer, cache: SeriesCache, cardinality?: ReturnType<CardinalityGuard['session']>): WriteBatch | null {
  const record = new SeriesRecord();
  const fast = fastRemoteWrite(body, { ...opts(), cache: new SeriesCache(1), record });
  if (fast === null) return null;
  expect(fast.batch.newSeries).toEqual([]); // a worker resolves nothing
  const { samples, points, spans } = fast.batch;
  return resolveRecorded({ raw: body, record: record.words.slice(0, record.length), samples, points, spans }, { ...opts(), cache, cardinality });
}

function expectSame(body: Buffer): WriteBatch | null {
  const fast = fastRemoteWrite(body, opts());
  const slow = general(body);
  const viaWorker = recorded(body, new SeriesCache(1000));
  expect(viaWorker === null, 'the recorded lane and the in-place lane take the same requests').toBe(fast === null);
  if (fast === null) return null;
  expect(viaWorker).toEqual(fast.batch);
  expect(slow, 'the fast lane accepted what the general path rejects').not.toBeNull();
  expect(fast.batch.points).toBe(slow!.batch.points);
  // Text equality, not just numeric: the rows are the stored form.
  expect(rows(fast.batch)).toEqual(rows(slow!.batch));
  expect(fast.batch.samples.equals(slow!.batch.samples)).toBe(true);
  expect(fast.batch.newSeries).toEqual(slow!.batch.newSeries);
  expect(fast.batch.spans).toEqual(slow!.batch.spans);
  expect(fast.stale).toBe(slow!.stale);
  return fast.batch;
}

describe('remote-write fast lane', () => {
  it('takes the benchmark workload and agrees with the general path', () => {
    for (const { body } of batches({ series: 200, points: 400, batchSize: 50, seed: 3, start: now - 3_000_000 })) {
      const { metrics } = JSON.parse(body) as { metrics: { name: string; timestamp: number; value: number; dimensions: Record<string, string> }[] };
      const req = encodeWriteRequest(metrics.map((m) => ({ labels: { __name__: m.name, ...m.dimensions }, samples: [[m.timestamp, m.value]] })));
      expect(expectSame(req)).not.toBeNull();
    }
  });

  it('agrees on 3,000 randomized requests (label order, values, stale markers, odd and invalid input)', () => {
    const rnd = prng(7);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const names = ['api_latency', 'up', '_x', 'a'.repeat(256), 'a'.repeat(257), '1bad', 'job:rate5m', '', 'caf\u00e9'];
    const keys = ['job', 'instance', 'status', '_tenant_id', 'bad key', 'k'.repeat(129), '__proto__', 'a', 'B', 'le', ''];
    const labelValues = ['api', 'host:9090', '200', '', '', 'v'.repeat(257), 'tab\there', '\u6771\u4eac', 'x\u007f', 'plain value', '0.5'];
    const values: (number | 'stale')[] = [0, 1, -1, -0, 145.5, 0.1, 1 / 3, -3.25e-9, 1e21, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 'stale', 'stale', 'stale', 42];
    let accepted = 0;
    let withStale = 0;
    for (let i = 0; i < 3000; i++) {
      const series: EncodedSeries[] = [];
      for (let s = Math.floor(rnd() * 4); s > 0; s--) {
        const pairs: [string, string][] = [];
        if (rnd() < 0.95) pairs.push(['__name__', pick(names)]);
        for (let d = Math.floor(rnd() * 5); d > 0; d--) pairs.push([pick(keys), pick(labelValues)]);
        if (rnd() < 0.03) pairs.push(['__name__', 'dup']);
        if (rnd() < 0.7) pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const samples: [number, number | 'stale'][] = [];
        for (let k = Math.floor(rnd() * 4); k > 0; k--) {
          samples.push([pick([now - Math.floor(rnd() * 1e6), now - 8 * 86_400_000, now + 7_200_000, 0, now]), pick(values)]);
        }
        series.push({ labels: pairs, samples, exemplar: rnd() < 0.1 });
      }
      let body = encodeWriteRequest(series);
      const damage = rnd();
      if (damage < 0.05 && body.length > 0) body = body.subarray(0, Math.floor(rnd() * body.length));
      else if (damage < 0.1 && body.length > 0) {
        body = Buffer.from(body);
        body[Math.floor(rnd() * body.length)] = Math.floor(rnd() * 256);
      } else if (damage < 0.12) body = Buffer.concat([body, Buffer.from([0x1a, 0x02, 0x08, 0x01])]); // a metadata field
      const fast = expectSame(body);
      if (fast !== null) {
        accepted++;
        if (series.some((s) => s.samples.some(([, v]) => v === 'stale'))) withStale++;
      }
    }
    expect(accepted).toBeGreaterThan(300); // the lane really is exercised
    expect(withStale).toBeGreaterThan(10);
  });

  it.each<[string, EncodedSeries[] | Buffer]>([
    ['a non-ASCII label value', [{ labels: { __name__: 'm', k: '\u6771' }, samples: [[now, 1]] }]],
    ['a metric name with a colon', [{ labels: { __name__: 'job:m' }, samples: [[now, 1]] }]],
    ['a repeated label', [{ labels: [['__name__', 'm'], ['k', 'a'], ['k', 'b']], samples: [[now, 1]] }]],
    ['a NaN sample', [{ labels: { __name__: 'm' }, samples: [[now, NaN]] }]],
    ['an old sample', [{ labels: { __name__: 'm' }, samples: [[now - 8 * 86_400_000, 1]] }]],
    ['a negative timestamp', [{ labels: { __name__: 'm' }, samples: [[-1, 1]] }]],
    ['a truncated body', encodeWriteRequest([{ labels: { __name__: 'm' }, samples: [[now, 1]] }]).subarray(0, 7)],
  ])('leaves %s to the general path', (_label, input) => {
    expect(fastRemoteWrite(Buffer.isBuffer(input) ? input : encodeWriteRequest(input), opts())).toBeNull();
  });

  it('skips series with only staleness markers, as the general path does', () => {
    const req = encodeWriteRequest([
      { labels: { __name__: 'gone' }, samples: [[now, 'stale']] },
      { labels: { __name__: 'm', job: 'a', empty: '' }, samples: [[now, 'stale'], [now + 1, 2.5]] },
    ]);
    const b = expectSame(req);
    expect(b!.points).toBe(1);
    expect(b!.newSeries.map((s) => [s.metric, s.dimensions])).toEqual([['m', { job: 'a' }]]);
  });

  it('leaves a series past its cardinality limit to the general path, which reports it', () => {
    const guard = new CardinalityGuard({ maxSeriesPerMetric: 1, maxMetricsPerTenant: 10, warningThreshold: 0.8, overflow: [] });
    const req = encodeWriteRequest([
      { labels: { __name__: 'm', k: 'a' }, samples: [[now, 1]] },
      { labels: { __name__: 'm', k: 'b' }, samples: [[now, 1]] },
    ]);
    expect(fastRemoteWrite(req, { ...opts(), cardinality: guard.session('default') })).toBeNull();
  });

  it('resolves recorded series like the in-place lane: known ones skipped, the rest admitted in order', () => {
    const req = encodeWriteRequest([
      { labels: { __name__: 'm', k: 'a' }, samples: [[now, 1]] },
      { labels: { __name__: 'm', k: 'b', j: 'x' }, samples: [[now, 2]] },
      { labels: { __name__: 'n', k: 'a' }, samples: [[now, 3]] },
      { labels: { __name__: 'm', k: 'a' }, samples: [[now + 1, 4]] },
    ]);
    const cache = new SeriesCache(1000);
    const first = recorded(req, cache)!;
    expect(first.newSeries.map((s) => [s.metric, s.dimensions])).toEqual([['m', { k: 'a' }], ['m', { k: 'b', j: 'x' }], ['n', { k: 'a' }]]);
    cache.markStored(first.newSeries.slice(0, 2));
    const again = recorded(req, cache)!;
    expect(again.newSeries.map((s) => s.metric)).toEqual(['n']);
    expect(again.samples.equals(first.samples)).toBe(true);
    // At a series limit: null, so the caller takes the general path that reports it.
    const guard = new CardinalityGuard({ maxSeriesPerMetric: 1, maxMetricsPerTenant: 10, warningThreshold: 0.8, overflow: [] });
    expect(recorded(req, new SeriesCache(1000), guard.session('default'))).toBeNull();
  });

  it('reads a request snappy-compressed by a sender', () => {
    const req = encodeWriteRequest([{ labels: { __name__: 'm', instance: 'h:9100' }, samples: [[now, 1], [now + 15_000, 2]] }]);
    const raw = Buffer.from(snappy.uncompress(snappy.compress(req)));
    expect(expectSame(raw)!.points).toBe(2);
  });
});
