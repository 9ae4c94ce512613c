import { describe, expect, it } from 'vitest';
import { isTimeSeries, labelOf, toChartData, toRows, toUplotData } from './chart-data.js';

describe('toChartData', () => {
  it('aligns range points by series, with nulls for gaps, x in seconds', () => {
    const d = toChartData(
      {
        queryType: 'range',
        executionTimeMs: 1,
        truncated: false,
        results: [
          { timestamp: 1000, value: 1, dimensions: { host: 'a' } },
          { timestamp: 1000, value: 10, dimensions: { host: 'b' } },
          { timestamp: 2000, value: 2, dimensions: { host: 'a' } },
          { timestamp: 3000, value: 30, dimensions: { host: 'b' } },
        ],
      },
      'cpu',
    );
    expect(d).toEqual({ x: [1, 2, 3], series: [{ label: 'host=a', values: [1, 2, null] }, { label: 'host=b', values: [10, null, 30] }] });
    expect(toUplotData(d)).toEqual([[1, 2, 3], [1, 2, null], [10, null, 30]]);
  });

  it('keeps the API order of rate and bucketed aggregate groups (top-N first)', () => {
    const rate = toChartData(
      { queryType: 'rate', executionTimeMs: 1, resolution: 'raw', results: [{ groupKey: { c: 'z' }, timestamp: 60_000, rate: 5 }, { groupKey: { c: 'a' }, timestamp: 0, rate: 1 }, { groupKey: { c: 'a' }, timestamp: 60_000, rate: 2 }] },
      'req',
    );
    expect(rate.series.map((s) => s.label)).toEqual(['c=z', 'c=a']);
    expect(rate.x).toEqual([0, 60]);
    expect(rate.series[0]!.values).toEqual([null, 5]);
    const agg = toChartData({ queryType: 'aggregate', executionTimeMs: 1, resolution: 'raw', results: [{ groupKey: {}, timestamp: 0, value: 3, count: 2 }] }, 'lat');
    expect(agg).toEqual({ x: [0], series: [{ label: 'lat', values: [3] }] });
  });

  it('has no series for a single-value aggregate; rows carry it instead', () => {
    const r = { queryType: 'aggregate' as const, executionTimeMs: 1, resolution: 'raw' as const, results: [{ groupKey: { region: 'eu', c: '1' }, value: 4.5, count: 9 }] };
    expect(isTimeSeries(r)).toBe(false);
    expect(toChartData(r, 'm').series).toEqual([]);
    expect(toRows(r, 'm')).toEqual([{ label: 'c=1, region=eu', value: 4.5, count: 9 }]);
  });

  it('rows of a time series are each series’ latest value', () => {
    const r = { queryType: 'rate' as const, executionTimeMs: 1, resolution: 'raw' as const, results: [{ groupKey: { c: 'a' }, timestamp: 0, rate: 1 }, { groupKey: { c: 'a' }, timestamp: 60_000, rate: 2 }, { groupKey: { c: 'b' }, timestamp: 0, rate: 7 }] };
    expect(toRows(r, 'm')).toEqual([{ label: 'c=a', value: 2, timestamp: 60_000 }, { label: 'c=b', value: 7, timestamp: 0 }]);
  });

  it('labels sort keys and fall back to the metric name', () => {
    expect(labelOf({ b: '2', a: '1' }, 'm')).toBe('a=1, b=2');
    expect(labelOf({}, 'm')).toBe('m');
  });
});
