import { describe, expect, it } from 'vitest';
import type { WriteQueue } from '../cluster/index.js';
import { Acceptor } from './acceptor.js';
import { CardinalityGuard, IdSet, OVERFLOW_VALUE, foldDimensions, type CardinalityLimits, type CardinalityWarning } from './cardinality.js';
import { keyPattern, valuePattern } from './patterns.js';
import { resolveWriteBody } from './resolve.js';
import { decodeSampleBlocks } from './sample-block.js';
import { SeriesCache } from './series-cache.js';
import { canonicalSeriesKey, seriesIdOf } from './series-id.js';
import { DEFAULT_VALIDATION_LIMITS } from './validate.js';
import type { WriteBatch } from './types.js';

const now = 1_800_000_000_000;
const limits = (o: Partial<CardinalityLimits> = {}): CardinalityLimits => ({ maxSeriesPerMetric: 5, maxMetricsPerTenant: 3, warningThreshold: 0.8, overflow: [], ...o });
const point = (name: string, dims: Record<string, string>, ts = now) => ({ name, timestamp: ts, value: 1, dimensions: dims });
const users = (from: number, to: number, name = 'm') => Array.from({ length: to - from }, (_, i) => point(name, { region: 'eu', user: `u${from + i}` }));

function resolve(guard: CardinalityGuard, metrics: unknown[], cache = new SeriesCache(1000), tenant = 't') {
  const session = guard.session(tenant);
  const r = resolveWriteBody({ metrics }, { tenant, limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 10_000, now, cache, cardinality: session });
  return { ...r, session };
}

describe('IdSet', () => {
  it('agrees with a Set through adds, deletes and growth', () => {
    const set = new IdSet();
    const ref = new Set<string>();
    let x = 12345;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const ids: [number, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      const op = rnd() % 3;
      if (op < 2 || ids.length === 0) {
        // Low bits collide on purpose (same home slot for many ids) to exercise probe runs.
        const id: [number, number] = [rnd(), rnd() & 0xff00ff];
        ids.push(id);
        expect(set.add(id[0], id[1])).toBe(!ref.has(id.join()));
        ref.add(id.join());
      } else {
        const id = ids[rnd() % ids.length]!;
        expect(set.delete(id[0], id[1])).toBe(ref.delete(id.join()));
      }
    }
    expect(set.size).toBe(ref.size);
    for (const id of ids) expect(set.has(id[0], id[1])).toBe(ref.has(id.join()));
  });
});

describe('series limit', () => {
  it('rejects new series past the limit while existing series keep flowing', () => {
    const guard = new CardinalityGuard(limits());
    const cache = new SeriesCache(1000);
    const first = resolve(guard, users(0, 7), cache);
    expect(first.batch.points).toBe(5);
    expect(first.errors.map((e) => [e.index, e.code])).toEqual([[5, 'CARDINALITY_EXCEEDED'], [6, 'CARDINALITY_EXCEEDED']]);
    expect(first.errors[0]!.error).toMatch(/limit of 5 series \(cardinality_limits.max_unique_series_per_metric\)/);
    // The same five series again (cache cold: counted ones are recognised) and two new ones.
    const again = resolve(guard, [...users(0, 5), ...users(100, 102)], new SeriesCache(1000));
    expect(again.batch.points).toBe(5);
    expect(again.errors).toHaveLength(2);
    expect(guard.usage('t', 10).top_metrics[0]).toMatchObject({ metric: 'm', series: 5, status: 'limited', rejected_points: 4 });
  });

  it('warns at 80% of the limit, in the response once per request', () => {
    const heard: CardinalityWarning[] = [];
    const guard = new CardinalityGuard(limits({ maxSeriesPerMetric: 10 }), (_t, w) => heard.push(w));
    expect(resolve(guard, users(0, 7)).session.warnings).toEqual([]);
    const r = resolve(guard, users(7, 9));
    expect(r.session.warnings).toEqual([expect.objectContaining({ code: 'SERIES_LIMIT_APPROACHING', metric: 'm', count: 8, limit: 10 })]);
    resolve(guard, users(9, 10));
    // Announced (log, self-metric) once per process.
    expect(heard.filter((w) => w.code === 'SERIES_LIMIT_APPROACHING')).toHaveLength(1);
  });

  it('rolls back the counts of a write that does not complete', () => {
    const guard = new CardinalityGuard(limits());
    const r = resolve(guard, users(0, 5));
    expect(guard.totalSeries).toBe(5);
    r.session.rollback();
    expect(guard.totalSeries).toBe(0);
    expect(guard.usage('t', 10).metrics.count).toBe(0);
    expect(resolve(guard, users(10, 15)).errors).toEqual([]);
  });

  it('limits metrics per tenant, per tenant', () => {
    const guard = new CardinalityGuard(limits({ tenants: { big: { maxMetricsPerTenant: 10 } } }));
    const names = ['a', 'b', 'c', 'd'].map((n) => point(n, {}));
    const r = resolve(guard, names);
    expect(r.errors).toEqual([expect.objectContaining({ index: 3, code: 'CARDINALITY_EXCEEDED', error: expect.stringMatching(/limit of 3 metrics/) as string })]);
    expect(r.session.warnings).toEqual([expect.objectContaining({ code: 'METRIC_LIMIT_APPROACHING', count: 3, limit: 3 })]);
    // Existing metrics still take points; another tenant has its own count and limit.
    expect(resolve(guard, [point('a', { x: '1' })]).errors).toEqual([]);
    expect(resolve(guard, names, undefined, 'big').errors).toEqual([]);
  });
});

describe('overflow', () => {
  it('folds the offending dimension into __overflow__ so no point is dropped', () => {
    const guard = new CardinalityGuard(limits({ overflow: [{ pattern: 'm*', dimensions: ['user'] }] }));
    const r = resolve(guard, users(0, 20));
    expect(r.errors).toEqual([]);
    expect(r.batch.points).toBe(20);
    const folded = seriesIdOf(canonicalSeriesKey('t', 'm', { region: 'eu', user: OVERFLOW_VALUE }));
    const rows = decodeSampleBlocks(r.batch.samples);
    expect(rows.filter((row) => row.seriesId === folded)).toHaveLength(15);
    expect(r.batch.newSeries.map((s) => s.dimensions.user)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', OVERFLOW_VALUE]);
    expect(r.session.warnings.map((w) => w.code)).toContain('SERIES_OVERFLOW');
    expect(guard.usage('t', 1).top_metrics[0]).toMatchObject({ series: 6, overflow: true, overflow_points: 15, status: 'limited' });
  });

  it('folds every dimension once the headroom for folded series is used', () => {
    const guard = new CardinalityGuard(limits({ overflow: [{ pattern: 'm', dimensions: ['user'] }] }));
    // Five series fill the limit; the region varies too, so folded series are new per region.
    const pts = Array.from({ length: 12 }, (_, i) => point('m', { region: `r${i}`, user: `u${i}` }));
    const r = resolve(guard, pts);
    expect(r.batch.points).toBe(12);
    const regions = r.batch.newSeries.map((s) => `${s.dimensions.region}/${s.dimensions.user}`);
    // 5 real, 1 folded (headroom 10% of 5, at least 1), then the fully folded series.
    expect(regions).toEqual(['r0/u0', 'r1/u1', 'r2/u2', 'r3/u3', 'r4/u4', `r5/${OVERFLOW_VALUE}`, `${OVERFLOW_VALUE}/${OVERFLOW_VALUE}`]);
    expect(guard.totalSeries).toBe(7);
  });

  it('foldDimensions folds the named keys, or all when none of them is present', () => {
    expect(foldDimensions({ a: '1', b: '2' }, ['b'])).toEqual({ a: '1', b: OVERFLOW_VALUE });
    expect(foldDimensions({ a: '1', b: '2' }, ['zzz'])).toEqual({ a: OVERFLOW_VALUE, b: OVERFLOW_VALUE });
    expect(foldDimensions({ a: '1' }, [])).toEqual({ a: OVERFLOW_VALUE });
  });
});

describe('pattern detection', () => {
  it('recognises per-event keys and values', () => {
    for (const k of ['user_id', 'userId', 'session_id', 'request_id', 'trace_id', 'span_id', 'uuid', 'client_ip']) expect(keyPattern(k), k).toBe('id_key');
    for (const k of ['region', 'endpoint', 'status', 'customer', 'paid']) expect(keyPattern(k), k).toBeNull();
    expect(valuePattern('3f2b8c1e-9a4d-4c7e-8f10-2b3c4d5e6f70')).toBe('uuid_value');
    expect(valuePattern('1763900000')).toBe('timestamp_value');
    expect(valuePattern('1763900000123')).toBe('timestamp_value');
    expect(valuePattern('2026-11-23T10:15:00Z')).toBe('timestamp_value');
    expect(valuePattern('4bf92f3577b34da6a3ce929d0e0e4736')).toBe('hex_id_value');
    for (const v of ['eu-west-1', '/api/v1/users', 'cust_000123', '200', 'abcdef', '12345678901', 'checkout-service']) expect(valuePattern(v), v).toBeNull();
  });

  it('warns in the response, and announces once per metric and dimension', () => {
    const heard: CardinalityWarning[] = [];
    const guard = new CardinalityGuard(limits({ maxSeriesPerMetric: 100 }), (_t, w) => heard.push(w));
    const r = resolve(guard, [
      point('m', { region: 'eu', request_id: 'abc' }),
      point('m', { region: 'eu', trace: '4bf92f3577b34da6a3ce929d0e0e4736' }),
      point('m', { region: 'us', trace: '00f067aa0ba902b700f067aa0ba902b7' }),
    ]);
    expect(r.session.warnings).toEqual([
      expect.objectContaining({ code: 'HIGH_CARDINALITY_PATTERN', metric: 'm', dimension: 'request_id', reason: 'id_key' }),
      expect.objectContaining({ code: 'HIGH_CARDINALITY_PATTERN', metric: 'm', dimension: 'trace', reason: 'hex_id_value' }),
    ]);
    // A later request creating another such series is warned again; the log hears it once.
    expect(resolve(guard, [point('m', { region: 'us', request_id: 'def' })]).session.warnings).toHaveLength(1);
    expect(heard).toHaveLength(2);
    expect(guard.usage('t', 1).top_metrics[0]!.patterns).toEqual([{ dimension: 'request_id', reason: 'id_key' }, { dimension: 'trace', reason: 'hex_id_value' }]);
  });
});

describe('Acceptor with limits', () => {
  const stored: WriteBatch[] = [];
  let fail = false;
  const queue: WriteQueue = {
    enqueue: async (b) => {
      if (fail) throw new Error('storage down');
      stored.push(b);
    },
    stats: () => ({ bufferedPoints: 0, inflightPoints: 0, flushes: 0 }),
    close: async () => {},
  };
  const body = (pts: unknown[]) => Buffer.from(JSON.stringify({ metrics: pts }));

  it('takes the general path for refused series and answers 207 with every error', async () => {
    const guard = new CardinalityGuard(limits());
    const a = new Acceptor({ queue, cache: new SeriesCache(100), cardinality: guard, limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 100, now: () => now });
    const r = await a.writeBytes(body(users(0, 8)), 't');
    expect(r).toMatchObject({ status: 207, accepted: 5, rejected: 3 });
    expect(r.warnings?.map((w) => w.code)).toEqual(['SERIES_LIMIT_APPROACHING']);
    // All new: a 400 CARDINALITY_EXCEEDED; known ones still go through the fast lane.
    await expect(a.writeBytes(body(users(50, 52)), 't')).rejects.toMatchObject({ code: 'CARDINALITY_EXCEEDED', status: 400 });
    expect(await a.writeBytes(body(users(0, 5)), 't')).toMatchObject({ status: 200, accepted: 5 });
  });

  it('does not count the series of a write the queue refused', async () => {
    const guard = new CardinalityGuard(limits());
    const a = new Acceptor({ queue, cache: new SeriesCache(100), cardinality: guard, limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 100, now: () => now });
    fail = true;
    await expect(a.writeBytes(body(users(0, 3)), 't')).rejects.toThrow('storage down');
    fail = false;
    expect(guard.totalSeries).toBe(0);
    // Series the fast lane counted before bailing, then BATCH_TOO_LARGE from the general path.
    await expect(a.writeBytes(body(users(0, 101)), 't')).rejects.toMatchObject({ code: 'BATCH_TOO_LARGE' });
    expect(guard.totalSeries).toBe(0);
  });
});
