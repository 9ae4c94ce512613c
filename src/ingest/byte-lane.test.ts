import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/workload.js';
import { LaneBatch } from './byte-lane.js';
import { SeriesCache } from './series-cache.js';
import { DEFAULT_VALIDATION_LIMITS as limits } from './validate.js';

/** The rows' timestamp and value fields, as the lane wrote them. */
function written(rows: [number, number][]): string[] {
  const lane = new LaneBatch({ tenant: 't', limits, maxBatchSize: 10, now: 0, cache: new SeriesCache(10), scratch: { buf: Buffer.alloc(8) } });
  const buf = Buffer.from('m');
  lane.series(buf, 0, 1, [], [], 0);
  for (const [ts, v] of rows) lane.rowNumbers(ts, v);
  return lane
    .finish()
    .samples.toString('latin1')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t').slice(2).join('\t'));
}

describe('LaneBatch number formatting', () => {
  it('writes timestamps and values exactly as String() does, on 200,000 random numbers', () => {
    const rnd = prng(5);
    const rows: [number, number][] = [];
    for (let i = 0; i < 200_000; i++) {
      const kind = i % 8;
      const magnitude = 10 ** Math.floor(rnd() * 16 - 4);
      let v: number;
      if (kind === 0) v = Math.floor(rnd() * 2 ** 53) * (rnd() < 0.5 ? -1 : 1);
      else if (kind === 1) v = rnd() * magnitude * (rnd() < 0.3 ? -1 : 1);
      else if (kind === 2) v = (1 + rnd() * 2 ** 52) * 2 ** Math.floor(rnd() * 2000 - 1000);
      else {
        // Decimals of 1-8 fractional digits, the common shape of measured values.
        const d = 1 + (kind % 8);
        v = Math.round(rnd() * magnitude * 10 ** d) / 10 ** d;
      }
      const ts = [0, 7, 99_999_999, 100_000_000, 1_800_000_000_123, -1_234_567_890_123, 2 ** 53 - 1][i % 7]!;
      rows.push([ts, v]);
    }
    rows.push([1, -0], [2, 0.1 + 0.2], [3, 1e21], [4, 5e-324], [5, -1e-7], [6, 0.000001], [7, 123456.789012], [8, 9007199254740.5]);
    const got = written(rows);
    const expected = rows.map(([ts, v]) => `${ts}\t${v}`);
    const mismatches = got.filter((g, i) => g !== expected[i]);
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(got.length).toBe(rows.length);
  });
});
