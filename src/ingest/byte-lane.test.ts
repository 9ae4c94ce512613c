import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/workload.js';
import { LaneBatch, decimalLiteral } from './byte-lane.js';
import { decodeSampleBlocks } from './sample-block.js';
import { SeriesCache } from './series-cache.js';
import { metricIdOf, seriesIdOf } from './series-id.js';
import { DEFAULT_VALIDATION_LIMITS as limits } from './validate.js';

describe('LaneBatch rows', () => {
  it('stores timestamps and values exactly, under the metric and series ids, on 200,000 random numbers', () => {
    const rnd = prng(5);
    const rows: [number, number][] = [];
    for (let i = 0; i < 200_000; i++) {
      const kind = i % 4;
      const magnitude = 10 ** Math.floor(rnd() * 16 - 4);
      let v: number;
      if (kind === 0) v = Math.floor(rnd() * 2 ** 53) * (rnd() < 0.5 ? -1 : 1);
      else if (kind === 1) v = rnd() * magnitude * (rnd() < 0.3 ? -1 : 1);
      else v = (1 + rnd() * 2 ** 52) * 2 ** Math.floor(rnd() * 2000 - 1000);
      const ts = [0, 7, 99_999_999, 2 ** 32, 2 ** 32 - 1, 1_800_000_000_123, -1, -(2 ** 32), -1_234_567_890_123, 2 ** 53 - 1, -(2 ** 53 - 1)][i % 11]!;
      rows.push([ts, v]);
    }
    rows.push([1, 0.1 + 0.2], [2, 1e21], [3, 5e-324], [4, -1e-7], [5, Number.MAX_VALUE]);
    // A batch that grows its writer many times over.
    const lane = new LaneBatch({ tenant: 't', limits, maxBatchSize: 10, now: 0, cache: new SeriesCache(10) });
    const buf = Buffer.from('m');
    lane.series(buf, 0, 1, [], [], 0);
    for (const [ts, v] of rows) lane.row(ts, v);
    const got = decodeSampleBlocks(lane.finish().samples);
    expect(got.length).toBe(rows.length);
    const mismatches = got.filter((g, i) => g.ts !== rows[i]![0] || !Object.is(g.value, rows[i]![1]));
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(new Set(got.map((g) => g.metricId))).toEqual(new Set([metricIdOf('t', 'm')]));
    expect(new Set(got.map((g) => g.seriesId))).toEqual(new Set([seriesIdOf('t\u0000m')]));
  });

  it('stores negative zero as zero, as the text "0" always was', () => {
    const lane = new LaneBatch({ tenant: 't', limits, maxBatchSize: 10, now: 0, cache: new SeriesCache(10) });
    lane.series(Buffer.from('m'), 0, 1, [], [], 0);
    lane.row(1, -0);
    expect(Object.is(decodeSampleBlocks(lane.finish().samples)[0]!.value, 0)).toBe(true);
  });
});

describe('decimalLiteral', () => {
  const read = (text: string) => decimalLiteral(Buffer.from(text, 'latin1'), 0, text.length);

  it('reads what JSON.parse reads, on 200,000 random literals of 1-25 digits', () => {
    const rnd = prng(11);
    const bad: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const digits = 1 + Math.floor(rnd() * 25);
      let s = '';
      for (let d = 0; d < digits; d++) s += String(Math.floor(rnd() * 10));
      s = s.replace(/^0+(?=\d)/, '');
      const point = Math.floor(rnd() * (s.length + 1));
      if (point > 0 && point < s.length) s = s.slice(0, point) + '.' + s.slice(point);
      else if (point === 0) s = '0.' + s;
      if (rnd() < 0.3) s = '-' + s;
      if (!Object.is(read(s), JSON.parse(s))) bad.push(s);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('reads the edges: zeros, long fractions, the largest exact integers', () => {
    for (const s of ['0', '-0', '0.0', '00.5'.slice(1), '0.1', '0.30000000000000004', '9007199254740993', '123456789012345', '1234567890123456', '0.0000000000000000000001', '0.00000000000000000000001', '1797693134862315708145274237317043567981'])
      expect([s, read(s)]).toEqual([s, JSON.parse(s)]);
  });
});
