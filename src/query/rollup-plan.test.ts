import { describe, expect, it } from 'vitest';
import { chooseDimRollup, chooseRollup } from './rollup-plan.js';

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

describe('chooseDimRollup', () => {
  const ALL = Number.MAX_SAFE_INTEGER;
  const dims = new Map([['', { since: 0, until: ALL }], ['region', { since: 0, until: ALL }], ['customer', { since: T + 24 * H, until: ALL }]]);
  const cov = { ...covered, dims };
  const q = { start: T + 1_234, end: T + 20 * 24 * H - 1, resolution: 'auto' as const, aggregation: 'avg' as const, groupBy: ['region'], filters: [] as [string, string[]][] };

  it('reads one key grouped or filtered (or the whole metric), aligned hours inside its coverage', () => {
    expect(chooseDimRollup(q, cov)).toEqual({ key: 'region', values: null, from: T + H, to: T + 20 * 24 * H });
    expect(chooseDimRollup({ ...q, groupBy: [], filters: [['region', ['r1', 'r2']]] }, cov)).toMatchObject({ key: 'region', values: ['r1', 'r2'] });
    expect(chooseDimRollup({ ...q, groupBy: [] }, cov)).toMatchObject({ key: '', values: null });
    expect(chooseDimRollup({ ...q, resolution: '1h', intervalMs: 3 * H }, cov)).toMatchObject({ key: 'region' });
  });

  it('refuses what its rows cannot answer', () => {
    expect(chooseDimRollup({ ...q, groupBy: ['region', 'customer'] }, cov)).toBeNull();
    expect(chooseDimRollup({ ...q, filters: [['customer', ['c1']]] }, cov)).toBeNull();
    expect(chooseDimRollup({ ...q, groupBy: ['host'] }, cov)).toBeNull(); // not rolled up
    expect(chooseDimRollup({ ...q, groupBy: ['customer'] }, cov)).toBeNull(); // starts before the key's rows
    expect(chooseDimRollup({ ...q, aggregation: 'integral' }, cov)).toBeNull();
    expect(chooseDimRollup({ ...q, intervalMs: 30 * M }, cov)).toBeNull();
    expect(chooseDimRollup({ ...q, resolution: 'raw' }, cov)).toBeNull();
    expect(chooseDimRollup({ ...q, resolution: '1m' }, cov)).toBeNull();
    expect(chooseDimRollup(q, covered)).toBeNull(); // no per-dimension rows
  });

  it('answers percentiles only where each answer is one stored row: 1-hour steps, one value or group', () => {
    const p = { ...q, aggregation: 'p95' as const };
    expect(chooseDimRollup({ ...p, intervalMs: H }, cov)).toMatchObject({ key: 'region' });
    expect(chooseDimRollup({ ...p, intervalMs: H, groupBy: [], filters: [['region', ['r1']]] }, cov)).toMatchObject({ key: 'region', values: ['r1'] });
    expect(chooseDimRollup({ ...p, intervalMs: H, groupBy: [], filters: [['region', ['r1', 'r2']]] }, cov)).toBeNull();
    expect(chooseDimRollup({ ...p, intervalMs: 2 * H }, cov)).toBeNull();
    expect(chooseDimRollup(p, cov)).toBeNull();
  });

  it('ends at the watermark and at a key closed for growing past the limit', () => {
    const closed = new Map([['region', { since: 0, until: T + 10 * H }]]);
    expect(chooseDimRollup({ ...q, end: T + 12 * H - 1 }, { ...covered, dims: closed })).toMatchObject({ to: T + 10 * H });
    expect(chooseDimRollup(q, { ...covered, '1h': T + 19 * 24 * H, dims })).toMatchObject({ to: T + 19 * 24 * H });
    // More than a quarter of the range left to raw: auto declines, 1h still reads what it can.
    expect(chooseDimRollup(q, { ...covered, dims: closed })).toBeNull();
    expect(chooseDimRollup({ ...q, resolution: '1h' }, { ...covered, dims: closed })).toMatchObject({ to: T + 10 * H });
  });
});
