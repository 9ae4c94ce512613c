import { describe, expect, it } from 'vitest';
import { SeriesHasher, idText } from './series-hasher.js';
import { canonicalSeriesKey, seriesIdOf } from './series-id.js';
import { prng } from '../../bench/workload.js';

describe('SeriesHasher', () => {
  it('equals the hash of the canonical key for any parts, lengths and key orders', () => {
    const rnd = prng(7);
    const text = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rnd() * 40_000))).join('');
    const h = new SeriesHasher();
    const keys: string[] = [];
    let mismatches = 0;
    for (let i = 0; i < 2000; i++) {
      const dims: Record<string, string> = {};
      const n = Math.floor(rnd() * 6);
      for (let d = 0; d < n; d++) dims[`k${Math.floor(rnd() * 1e6)}`] = text(1 + Math.floor(rnd() * 30));
      const tenant = text(Math.floor(rnd() * 12));
      const metric = `m${text(Math.floor(rnd() * 20))}`;
      h.series(tenant, metric, i % 7 === 0 ? undefined : dims, keys);
      const expected = seriesIdOf(canonicalSeriesKey(tenant, metric, i % 7 === 0 ? undefined : dims));
      if (idText(h.hi, h.lo) !== expected) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('keeps the golden ids', () => {
    const h = new SeriesHasher();
    h.series('default', 'api_latency', { region: 'us-west-2', customer_id: 'cust_123' }, []);
    expect(idText(h.hi, h.lo)).toBe('364248389753241643');
  });
});
