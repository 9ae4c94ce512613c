import { describe, expect, it } from 'vitest';
import { LuminateError } from '../errors.js';
import { resolveWriteBody } from './resolve.js';
import { decodeSampleBlocks } from './sample-block.js';
import { SeriesCache } from './series-cache.js';
import { canonicalSeriesKey, metricIdOf, seriesIdOf } from './series-id.js';
import { DEFAULT_VALIDATION_LIMITS } from './validate.js';

const now = 1_800_000_000_000;
const opts = (cache = new SeriesCache(10)) => ({ tenant: 'default', limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 5, now, cache });

describe('resolveWriteBody', () => {
  it('formats valid points as TSV sample rows and lists each new series once', () => {
    const { batch, errors } = resolveWriteBody(
      {
        metrics: [
          { name: 'm', timestamp: now, value: 1.5, dimensions: { b: '2', a: '1' } },
          { name: 'm', timestamp: now + 1, value: 2, dimensions: { a: '1', b: '2' } },
          { name: 'bad-name', timestamp: now, value: 1 },
          { name: 'n', timestamp: now - 5, value: -3e-7 },
        ],
      },
      opts(),
    );
    const id = seriesIdOf(canonicalSeriesKey('default', 'm', { a: '1', b: '2' }));
    expect(errors).toEqual([{ index: 2, metric: 'bad-name', code: 'INVALID_METRIC_NAME', error: expect.stringMatching(/pattern/) as string }]);
    expect(batch.points).toBe(3);
    expect(decodeSampleBlocks(batch.samples)).toEqual([
      { metricId: metricIdOf('default', 'm'), seriesId: id, ts: now, value: 1.5 },
      { metricId: metricIdOf('default', 'm'), seriesId: id, ts: now + 1, value: 2 },
      { metricId: metricIdOf('default', 'n'), seriesId: seriesIdOf('default\u0000n'), ts: now - 5, value: -3e-7 },
    ]);
    expect(batch.newSeries.map((s) => s.metric)).toEqual(['m', 'n']);
    expect(batch.spans).toEqual(new Map([['m', { earliest: now, latest: now + 1 }], ['n', { earliest: now - 5, latest: now - 5 }]]));
  });

  it('skips the series write for series the cache knows are stored', () => {
    const cache = new SeriesCache(10);
    const body = { metrics: [{ name: 'm', timestamp: now, value: 1, dimensions: { a: '1' } }] };
    const first = resolveWriteBody(body, opts(cache));
    expect(first.batch.newSeries).toHaveLength(1);
    cache.markStored(first.batch.newSeries);
    expect(resolveWriteBody(body, opts(cache)).batch.newSeries).toHaveLength(0);
  });

  it('rejects a body that is not {metrics: [...]}', () => {
    for (const body of [null, 5, [], {}, { metrics: {} }, { metric: [] }]) {
      expect(() => resolveWriteBody(body, opts())).toThrow(expect.objectContaining({ code: 'INVALID_BATCH', status: 400 }) as Error);
    }
  });

  it('rejects an oversized batch with the seed details', () => {
    try {
      resolveWriteBody({ metrics: new Array(6).fill({}) }, opts());
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LuminateError);
      expect((err as LuminateError).toEnvelope()).toEqual({
        error: { code: 'BATCH_TOO_LARGE', message: expect.any(String) as string, details: { max_batch_size: 5, received: 6 } },
      });
    }
  });
});

describe('SeriesCache', () => {
  it('remembers ids, keeps recent ones across generations and stays bounded', () => {
    const cache = new SeriesCache(10);
    const ids = Array.from({ length: 25 }, (_, i) => seriesIdOf(`k${i}`));
    const hl = (id: string) => [Number(BigInt(id) >> 32n), Number(BigInt(id) & 0xffffffffn)] as const;
    cache.markStored(ids.map((seriesId) => ({ seriesId, hi: hl(seriesId)[0], lo: hl(seriesId)[1] })));
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.get(...hl(ids[24]!))).toBe(ids[24]);
    expect(cache.get(...hl(ids[0]!))).toBeUndefined();
    expect(cache.get(...hl(seriesIdOf('never stored')))).toBeUndefined();
  });
});
