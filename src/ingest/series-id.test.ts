import { describe, expect, it } from 'vitest';
import { canonicalSeriesKey, metricIdOf, murmur3x86_128, seriesIdOf } from './series-id.js';

describe('series ids', () => {
  it('are stable across releases (golden values: changing them orphans stored data)', () => {
    expect(seriesIdOf(canonicalSeriesKey('default', 'api_latency', { customer_id: 'cust_123', endpoint: '/api/users' }))).toBe(
      seriesIdOf('default\u0000api_latency\u0000customer_id\u0000cust_123\u0000endpoint\u0000/api/users'),
    );
    expect(murmur3x86_128('')).toEqual([0, 0]);
    // Reference MurmurHash3_x86_128 (seed 0) over the UTF-16LE bytes, first 64 bits.
    expect(seriesIdOf('default\u0000cpu')).toBe('18345936016833089120');
    expect(seriesIdOf(canonicalSeriesKey('default', 'api_latency', { customer_id: 'cust_123', region: 'us-west-2' }))).toBe('364248389753241643');
    expect(seriesIdOf(canonicalSeriesKey('t1', 'm', { k: '東京' }))).toBe('7015022238885167667');
  });

  it('give metrics their own id space, apart from dimensionless series', () => {
    expect(metricIdOf('default', 'cpu')).toBe(seriesIdOf('\u0001default\u0000cpu'));
    expect(metricIdOf('default', 'cpu')).not.toBe(seriesIdOf(canonicalSeriesKey('default', 'cpu', {})));
    expect(metricIdOf('a', 'cpu')).not.toBe(metricIdOf('b', 'cpu'));
  });

  it('do not depend on dimension order', () => {
    const a = canonicalSeriesKey('t', 'm', { b: '2', a: '1', c: '3' });
    const b = canonicalSeriesKey('t', 'm', { c: '3', a: '1', b: '2' });
    expect(a).toBe(b);
    expect(seriesIdOf(a)).toBe(seriesIdOf(b));
  });

  it('separate tenant, metric, key and value', () => {
    const ids = new Set([
      seriesIdOf(canonicalSeriesKey('t', 'm', { a: '1' })),
      seriesIdOf(canonicalSeriesKey('u', 'm', { a: '1' })),
      seriesIdOf(canonicalSeriesKey('t', 'n', { a: '1' })),
      seriesIdOf(canonicalSeriesKey('t', 'm', { b: '1' })),
      seriesIdOf(canonicalSeriesKey('t', 'm', { a: '2' })),
      seriesIdOf(canonicalSeriesKey('t', 'm', {})),
      seriesIdOf(canonicalSeriesKey('t', 'm', { a: '1', b: '1' })),
    ]);
    expect(ids.size).toBe(7);
  });

  it('are unsigned 64-bit decimals without collisions over 200,000 series', () => {
    const seen = new Set<string>();
    let malformed = 0;
    for (let i = 0; i < 200_000; i++) {
      const id = seriesIdOf(canonicalSeriesKey('default', 'req', { customer_id: `c${i % 1000}`, n: String(i) }));
      if (!/^\d{1,20}$/.test(id)) malformed++;
      seen.add(id);
    }
    expect(malformed).toBe(0);
    expect(seen.size).toBe(200_000);
    expect(BigInt(seriesIdOf('x')) < 2n ** 64n).toBe(true);
  });
});
