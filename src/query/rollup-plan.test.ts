import { describe, expect, it } from 'vitest';
import { chooseRollup } from './rollup-plan.js';

const H = 3_600_000;
const M = 60_000;
const T = 1_796_000_000_000 - (1_796_000_000_000 % H); // an hour boundary
const covered = { '1m': T + 30 * 24 * H, '1h': T + 30 * 24 * H, pointsPerSeriesHour: 3600 };

describe('chooseRollup', () => {
  it('takes the 1h level for a long range, the aligned middle only', () => {
    const c = chooseRollup({ percentile: false, start: T + 1_234, end: T + 48 * H - 1 + 500, resolution: 'auto' }, covered);
    expect(c).toMatchObject({ level: { name: '1h' }, from: T + H, to: T + 48 * H });
  });

  it('ends the rollup at the watermark (what is not materialised is read raw)', () => {
    const c = chooseRollup({ percentile: false, start: T, end: T + 48 * H, resolution: 'auto' }, { '1m': T + 40 * H + 5 * M, '1h': T + 40 * H, pointsPerSeriesHour: 60 });
    expect(c).toMatchObject({ level: { name: '1h' }, from: T, to: T + 40 * H });
  });

  it('falls back to 1m when the hour edges would be more than a quarter of the range', () => {
    expect(chooseRollup({ percentile: false, start: T + 10 * M, end: T + 3 * H + 10 * M, resolution: 'auto' }, covered)).toMatchObject({ level: { name: '1m' }, from: T + 10 * M, to: T + 3 * H + 10 * M });
  });

  it('needs an interval that is a multiple of the level', () => {
    const q = { start: T, end: T + 48 * H, resolution: 'auto' as const };
    expect(chooseRollup({ percentile: false, ...q, intervalMs: 5 * M }, covered)?.level.name).toBe('1m');
    expect(chooseRollup({ percentile: false, ...q, intervalMs: 2 * H }, covered)?.level.name).toBe('1h');
    expect(chooseRollup({ percentile: false, ...q, intervalMs: 90_000 }, covered)).toBeNull();
  });

  it('reads raw when asked, without coverage, or when nothing is materialised in the range', () => {
    const q = { start: T, end: T + 48 * H };
    expect(chooseRollup({ percentile: false, ...q, resolution: 'raw' }, covered)).toBeNull();
    expect(chooseRollup({ percentile: false, ...q, resolution: 'auto' }, null)).toBeNull();
    expect(chooseRollup({ percentile: false, ...q, resolution: 'auto' }, { '1m': T, '1h': T, pointsPerSeriesHour: 60 })).toBeNull();
    // Less than one whole bucket in the range.
    expect(chooseRollup({ percentile: false, start: T + 10_000, end: T + 50_000, resolution: '1m' }, covered)).toBeNull();
  });

  it('honours a forced level whenever it covers a bucket, however small the share', () => {
    expect(chooseRollup({ percentile: false, start: T + 10 * M, end: T + 2 * H + 10 * M, resolution: '1h' }, covered)).toMatchObject({ level: { name: '1h' }, from: T + H, to: T + 2 * H });
    expect(chooseRollup({ percentile: false, start: T + 10 * M, end: T + 2 * H + 10 * M, resolution: 'auto' }, covered)?.level.name).toBe('1m');
  });

  it('answers percentiles from the 1h level only (the one with a sketch)', () => {
    const q = { start: T + 10 * M, end: T + 3 * H + 10 * M, resolution: 'auto' as const };
    expect(chooseRollup({ ...q, percentile: true }, covered)).toBeNull();
    expect(chooseRollup({ ...q, start: T, end: T + 48 * H, percentile: true }, covered)?.level.name).toBe('1h');
    expect(chooseRollup({ ...q, start: T, end: T + 48 * H, intervalMs: 5 * M, percentile: true }, covered)).toBeNull();
  });

  it('auto reads percentiles raw for sparse series (faster and exact), from the sketch for dense ones', () => {
    const q = { start: T, end: T + 48 * H, resolution: 'auto' as const, percentile: true };
    expect(chooseRollup(q, { ...covered, pointsPerSeriesHour: 60 })).toBeNull();
    expect(chooseRollup(q, { ...covered, pointsPerSeriesHour: null })).toBeNull();
    expect(chooseRollup(q, { ...covered, pointsPerSeriesHour: 360 })?.level.name).toBe('1h');
    expect(chooseRollup({ ...q, resolution: '1h' }, { ...covered, pointsPerSeriesHour: 60 })?.level.name).toBe('1h');
    // Other aggregations do not care.
    expect(chooseRollup({ ...q, percentile: false }, { ...covered, pointsPerSeriesHour: 1 })?.level.name).toBe('1h');
  });
});
