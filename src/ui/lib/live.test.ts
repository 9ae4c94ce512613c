import { describe, expect, it } from 'vitest';
import { mergeTail, planTail } from './live.js';
import type { QueryResponse } from './types.js';

const T = Date.parse('2026-01-01T12:00:00Z');
const push = { metric: 'm', earliest: T - 30_000, latest: T };

describe('planTail', () => {
  it('asks a range panel for exactly the announced span', () => {
    const p = planTail({ queryType: 'range', metricName: 'm', timeRange: { relative: '1h' } }, push)!;
    expect(p.query.timeRange).toEqual({ start: new Date(T - 30_000).toISOString(), end: new Date(T).toISOString() });
    expect(p).toMatchObject({ from: T - 30_000, to: T, whole: false, windowStart: T - 3_600_000 });
  });
  it('re-asks bucketed panels from the bucket holding earliest (rate one bucket sooner)', () => {
    const agg = planTail({ queryType: 'aggregate', metricName: 'm', aggregation: 'avg', interval: '1m', timeRange: { relative: '1h' } }, push)!;
    const bucket = Math.floor((T - 30_000) / 60_000) * 60_000;
    expect(agg.query.timeRange!.start).toBe(new Date(bucket).toISOString());
    expect(agg.from).toBe(bucket);
    const rate = planTail({ queryType: 'rate', metricName: 'm', interval: '1m' }, push)!;
    expect(rate.query.timeRange!.start).toBe(new Date(bucket - 60_000).toISOString());
    expect(rate.from).toBe(bucket);
  });
  it('re-asks a single-value aggregate for its whole window; an absolute range does not move', () => {
    expect(planTail({ queryType: 'aggregate', metricName: 'm', aggregation: 'sum', timeRange: { relative: '15m' } }, push)).toMatchObject({ whole: true, from: T - 900_000 });
    expect(planTail({ queryType: 'range', metricName: 'm', timeRange: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' } }, push)).toBeNull();
  });
  it('is the same for every page: it depends on the query and the push only', () => {
    const q = { queryType: 'rate' as const, metricName: 'm', interval: '5m', timeRange: { relative: '6h' } };
    expect(planTail(q, push)).toEqual(planTail(structuredClone(q), { ...push }));
  });
});

describe('mergeTail', () => {
  it('replaces the tail span of a range answer and drops points that left the window', () => {
    const plan = planTail({ queryType: 'range', metricName: 'm', timeRange: { relative: '1m' } }, push)!;
    const current: QueryResponse = {
      queryType: 'range', executionTimeMs: 1, truncated: false,
      results: [
        { timestamp: T - 70_000, value: 0, dimensions: {} }, // older than the 1m window
        { timestamp: T - 40_000, value: 1, dimensions: {} },
        { timestamp: T - 30_000, value: 2, dimensions: {} }, // replaced by the tail's copy
      ],
    };
    const tail: QueryResponse = { queryType: 'range', executionTimeMs: 1, truncated: false, results: [{ timestamp: T - 30_000, value: 2, dimensions: {} }, { timestamp: T, value: 3, dimensions: {} }] };
    const merged = mergeTail(current, tail, plan);
    expect(merged.queryType === 'range' && merged.results.map((p) => p.value)).toEqual([1, 2, 3]);
  });
  it('replaces the open bucket of a rate answer and keeps the rate bucket it asked only for context', () => {
    const plan = planTail({ queryType: 'rate', metricName: 'm', interval: '1m', timeRange: { relative: '1h' } }, push)!;
    const b = plan.from;
    const current: QueryResponse = { queryType: 'rate', executionTimeMs: 1, resolution: 'raw', results: [{ groupKey: {}, timestamp: b - 60_000, rate: 1 }, { groupKey: {}, timestamp: b, rate: 2 }] };
    const tail: QueryResponse = { queryType: 'rate', executionTimeMs: 1, resolution: 'raw', results: [{ groupKey: {}, timestamp: b - 60_000, rate: 0.5 }, { groupKey: {}, timestamp: b, rate: 4 }] };
    const merged = mergeTail(current, tail, plan);
    expect(merged.queryType === 'rate' && merged.results.map((p) => [p.timestamp - b, p.rate])).toEqual([[-60_000, 1], [0, 4]]);
  });
});
