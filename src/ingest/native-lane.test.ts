import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { batches, prng } from '../../bench/workload.js';
import { encodeWriteRequest, type EncodedSeries } from '../../test/helpers/remote-write.js';
import { CardinalityGuard } from './cardinality.js';
import { fastRemoteWrite } from './fast-remote-write.js';
import { nativeLane, nativeRemoteWrite } from './native-lane.js';
import { decodeWriteRequest } from './remote-write.js';
import { resolveSeries } from './resolve.js';
import { SeriesCache } from './series-cache.js';
import { DEFAULT_VALIDATION_LIMITS as limits } from './validate.js';

const now = 1_800_000_000_000;
const MAX = 1 << 24;
const opts = (cache = new SeriesCache(1000)) => ({ tenant: 'default', limits, maxBatchSize: 50, now, cache });
const block = (raw: Buffer) => Buffer.from(snappy.compress(raw));

/** The native lane's answer for a raw request, compared with the JavaScript lane's and the general path's. */
function expectSame(raw: Buffer, compressed = block(raw)): 'taken' | 'refused' {
  const native = nativeRemoteWrite(compressed, MAX, opts());
  const js = fastRemoteWrite(raw, opts());
  if (typeof native !== 'object') {
    expect(native).toBe('general'); // a valid snappy block is never refused as one
    return 'refused';
  }
  expect(js, 'the native lane took a request the JavaScript lane refuses').not.toBeNull();
  expect(native.batch.samples.equals(js!.batch.samples)).toBe(true);
  expect(native.batch).toEqual(js!.batch);
  expect(native.stale).toBe(js!.stale);
  const general = resolveSeries(decodeWriteRequest(raw).series, opts());
  expect(general.errors).toEqual([]);
  expect(native.batch.samples.equals(general.batch.samples)).toBe(true);
  expect(native.batch.newSeries).toEqual(general.batch.newSeries);
  expect(native.batch.spans).toEqual(general.batch.spans);
  return 'taken';
}

describe('native remote-write lane', () => {
  it('is built (npm run build compiles native/lane.cc)', () => {
    expect(nativeLane.reason).toBe('');
    expect(nativeLane.available).toBe(true);
  });

  it('takes the benchmark workload with byte-identical batches', () => {
    for (const { body } of batches({ series: 300, points: 900, batchSize: 100, seed: 5, start: now - 3_000_000 })) {
      const { metrics } = JSON.parse(body) as { metrics: { name: string; timestamp: number; value: number; dimensions: Record<string, string> }[] };
      const raw = encodeWriteRequest(metrics.map((m) => ({ labels: { __name__: m.name, ...m.dimensions }, samples: [[m.timestamp, m.value]] })));
      expect(expectSame(raw)).toBe('taken');
    }
  });

  it('agrees with both JavaScript paths on 3,000 randomized requests, and takes what the JavaScript lane takes', () => {
    const rnd = prng(11);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const names = ['api_latency', 'up', '_x', 'a'.repeat(256), 'a'.repeat(257), '1bad', 'job:rate5m', '', 'caf\u00e9', 'abcdefg', 'abcdefgh'];
    const keys = ['job', 'instance', 'status', '_tenant_id', 'bad key', 'k'.repeat(129), 'k'.repeat(128), '__proto__', 'a', 'B', 'le', '', 'constructor'];
    const labelValues = ['api', 'host:9090', '200', '', '', 'v'.repeat(257), 'v'.repeat(256), 'tab\there', '\u6771\u4eac', 'x\u007f', 'plain value', '0.5', '~'];
    const values: (number | 'stale')[] = [0, 1, -1, -0, 145.5, 0.1, 1 / 3, -3.25e-9, 1e21, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 'stale', 'stale', 42];
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      const series: EncodedSeries[] = [];
      for (let s = Math.floor(rnd() * 5); s > 0; s--) {
        const pairs: [string, string][] = [];
        if (rnd() < 0.95) pairs.push(['__name__', pick(names)]);
        for (let d = Math.floor(rnd() * 6); d > 0; d--) pairs.push([pick(keys), pick(labelValues)]);
        if (rnd() < 0.03) pairs.push(['__name__', 'dup']);
        if (rnd() < 0.6) pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const samples: [number, number | 'stale'][] = [];
        for (let k = Math.floor(rnd() * 4); k > 0; k--) {
          samples.push([pick([now - Math.floor(rnd() * 1e6), now - 8 * 86_400_000, now + 7_200_000, 0, now, now - limits.maxPastMs, now + limits.maxFutureMs]), pick(values)]);
        }
        series.push({ labels: pairs, samples, exemplar: rnd() < 0.1 });
      }
      // Repeats of a series in one request, the same metric under other labels.
      if (series.length > 0 && rnd() < 0.2) series.push(series[0]!);
      let raw = encodeWriteRequest(series);
      const damage = rnd();
      const damaged = damage < 0.12;
      if (damage < 0.05 && raw.length > 0) raw = raw.subarray(0, Math.floor(rnd() * raw.length));
      else if (damage < 0.1 && raw.length > 0) {
        raw = Buffer.from(raw);
        raw[Math.floor(rnd() * raw.length)] = Math.floor(rnd() * 256);
      } else if (damage < 0.12) raw = Buffer.concat([raw, Buffer.from([0x1a, 0x02, 0x08, 0x01])]); // a metadata field
      const answer = expectSame(raw);
      if (answer === 'taken') taken++;
      else if (!damaged) expect(fastRemoteWrite(raw, opts()), `request ${i}: the JavaScript lane took what the native lane refused`).toBeNull();
    }
    expect(taken).toBeGreaterThan(300);
  });

  it('probes the series cache: known series cost nothing, the previous generation is promoted', () => {
    const raw = encodeWriteRequest([
      { labels: { __name__: 'm', k: 'a' }, samples: [[now, 1]] },
      { labels: { __name__: 'm', k: 'b', j: 'x' }, samples: [[now, 2]] },
      { labels: { __name__: 'n', k: 'a' }, samples: [[now, 3]] },
      { labels: { __name__: 'm', k: 'a' }, samples: [[now + 1, 4]] },
    ]);
    const cache = new SeriesCache(4); // two per generation
    const first = nativeRemoteWrite(block(raw), MAX, opts(cache));
    if (typeof first !== 'object') throw new Error(`not taken: ${first}`);
    expect(first.batch.newSeries.map((s) => [s.metric, s.dimensions])).toEqual([['m', { k: 'a' }], ['m', { j: 'x', k: 'b' }], ['n', { k: 'a' }]]);
    cache.markStored(first.batch.newSeries.slice(0, 2));
    const again = nativeRemoteWrite(block(raw), MAX, opts(cache));
    if (typeof again !== 'object') throw new Error(`not taken: ${again}`);
    expect(again.batch.newSeries.map((s) => s.metric)).toEqual(['n']);
    expect(again.batch.samples.equals(first.batch.samples)).toBe(true);
    // A third series retires the generation holding m{k=a} and m{k=b}: they are found there and promoted.
    cache.markStored(first.batch.newSeries.slice(2));
    expect(cache.tables().previousKeys).not.toBeNull();
    const promoted = nativeRemoteWrite(block(raw), MAX, opts(cache));
    if (typeof promoted !== 'object') throw new Error(`not taken: ${promoted}`);
    expect(promoted.batch.newSeries).toEqual([]);
    expect(cache.get(first.batch.newSeries[0]!.hi, first.batch.newSeries[0]!.lo)).toBe(first.batch.newSeries[0]!.seriesId);
  });

  it('refuses a series past its cardinality limit, so the general path reports it', () => {
    const guard = new CardinalityGuard({ maxSeriesPerMetric: 1, maxMetricsPerTenant: 10, warningThreshold: 0.8, overflow: [] });
    const raw = encodeWriteRequest([
      { labels: { __name__: 'm', k: 'a' }, samples: [[now, 1]] },
      { labels: { __name__: 'm', k: 'b' }, samples: [[now, 1]] },
    ]);
    expect(nativeRemoteWrite(block(raw), MAX, { ...opts(), cardinality: guard.session('default') })).toBe('general');
  });

  it('hashes the tenant into every id, and leaves a non-ASCII tenant to JavaScript', () => {
    const raw = encodeWriteRequest([{ labels: { __name__: 'm', k: 'a' }, samples: [[now, 1]] }]);
    const acme = nativeRemoteWrite(block(raw), MAX, { ...opts(), tenant: 'acme' });
    const js = fastRemoteWrite(raw, { ...opts(), tenant: 'acme' });
    if (typeof acme !== 'object') throw new Error(`not taken: ${acme}`);
    expect(acme.batch).toEqual(js!.batch);
    expect(nativeRemoteWrite(block(raw), MAX, { ...opts(), tenant: 'caf\u00e9' })).toBe('general');
  });

  it('leaves anything but a valid snappy block within the limit to the JavaScript decoder', () => {
    const raw = encodeWriteRequest([{ labels: { __name__: 'm', instance: 'h:9100' }, samples: [[now, 1], [now + 15_000, 2]] }]);
    const good = block(raw);
    expect(typeof nativeRemoteWrite(good, MAX, opts())).toBe('object');
    expect(nativeRemoteWrite(good, raw.length - 1, opts())).toBe('snappy'); // declares more than allowed
    expect(nativeRemoteWrite(good.subarray(0, good.length - 3), MAX, opts())).toBe('snappy');
    expect(nativeRemoteWrite(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), MAX, opts())).toBe('snappy');
    expect(nativeRemoteWrite(Buffer.alloc(0), MAX, opts())).toBe('snappy');
    // A copy reaching before the start of the output.
    expect(nativeRemoteWrite(Buffer.from([0x08, 0x01, 0x10, 0x05, 0x00]), MAX, opts())).toBe('snappy');
    const rnd = prng(3);
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(good);
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const answer = nativeRemoteWrite(b, MAX, opts());
      let decoded: Buffer | null;
      try {
        decoded = Buffer.from(snappy.uncompress(b));
      } catch {
        decoded = null;
      }
      if (decoded === null) expect(answer).not.toBeTypeOf('object');
      else if (typeof answer === 'object') expect(answer.batch).toEqual(fastRemoteWrite(decoded, opts())!.batch);
    }
  });

  it('decodes long bodies with every kind of snappy copy', () => {
    // Repetitive labels make the compressor emit 1-, 2- and overlapping copies.
    const series: EncodedSeries[] = [];
    for (let i = 0; i < 5000; i++) series.push({ labels: { __name__: 'http_requests_total', customer_id: `c${i % 977}`, endpoint: `/api/v${i % 7}/items`, region: i % 2 ? 'eu' : 'us' }, samples: [[now - i, i * 0.25]] });
    const raw = encodeWriteRequest(series);
    expect(raw.length).toBeGreaterThan(65_536 * 4); // past the compressor's 64 KiB fragments
    expect(expectSame(raw)).toBe('taken');
  });
});
