import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY_LIMITS as L, parseQuery } from './model.js';

const now = Date.parse('2026-01-10T12:00:00Z');
const parse = (body: unknown) => parseQuery(body, 'default', L, now);
const codeOf = (body: unknown) => {
  try {
    parse(body);
    return null;
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('parseQuery', () => {
  it('resolves defaults: last hour, 10s timeout, limits as caps', () => {
    expect(parse({ queryType: 'range', metricName: 'cpu' })).toEqual({
      type: 'range', tenant: 'default', metric: 'cpu', start: now - 3_600_000, end: now, filters: [], timeoutMs: 10_000,
      limit: 10_000, explicitLimit: false, maxPoints: 10_000,
    });
    const agg = parse({ queryType: 'aggregate', metricName: 'cpu', aggregation: 'p95', groupBy: ['customer_id'], limit: 10, timeout: '2s', filters: { region: 'eu' } });
    expect(agg).toMatchObject({ type: 'aggregate', aggregation: 'p95', groupBy: ['customer_id'], limit: 10, explicitLimit: true, timeoutMs: 2000, filters: [['region', ['eu']]] });
    expect(parse({ queryType: 'rate', metricName: 'req', interval: '1m' })).toMatchObject({ type: 'rate', intervalMs: 60_000, groupBy: [], limit: 1000, explicitLimit: false });
    expect(parse({ queryType: 'listDimensionValues', metricName: 'req', dimension: 'customer_id' })).toMatchObject({ limit: 100, prefix: '' });
  });

  it.each([
    ['a non-object', 'x', 'INVALID_QUERY'],
    ['an unknown field', { queryType: 'range', metricName: 'cpu', foo: 1 }, 'INVALID_QUERY'],
    ['an unknown queryType', { queryType: 'sql', metricName: 'cpu' }, 'INVALID_QUERY'],
    ['a bad metric name', { queryType: 'range', metricName: 'a-b' }, 'INVALID_QUERY'],
    ['an unknown aggregation', { queryType: 'aggregate', metricName: 'cpu', aggregation: 'median' }, 'INVALID_QUERY'],
    ['a missing aggregation', { queryType: 'aggregate', metricName: 'cpu' }, 'INVALID_QUERY'],
    ['a rate without interval', { queryType: 'rate', metricName: 'cpu' }, 'INVALID_QUERY'],
    ['a sub-second interval', { queryType: 'rate', metricName: 'cpu', interval: '500ms' }, 'INVALID_QUERY'],
    ['a zero limit', { queryType: 'range', metricName: 'cpu', limit: 0 }, 'INVALID_QUERY'],
    ['a fractional limit', { queryType: 'range', metricName: 'cpu', limit: 1.5 }, 'INVALID_QUERY'],
    ['a range limit past max_result_points', { queryType: 'range', metricName: 'cpu', limit: 10_001 }, 'INVALID_QUERY'],
    ['an aggregate limit past max groups', { queryType: 'aggregate', metricName: 'cpu', aggregation: 'avg', limit: 1001 }, 'INVALID_QUERY'],
    ['a timeout past 30s', { queryType: 'range', metricName: 'cpu', timeout: '31s' }, 'INVALID_QUERY'],
    ['a malformed timeout', { queryType: 'range', metricName: 'cpu', timeout: 'soon' }, 'INVALID_QUERY'],
    ['a filter on _tenant_id', { queryType: 'range', metricName: 'cpu', filters: { _tenant_id: 'other' } }, 'INVALID_QUERY'],
    ['a non-string filter', { queryType: 'range', metricName: 'cpu', filters: { a: 1 } }, 'INVALID_QUERY'],
    ['groupBy on _tenant_id', { queryType: 'aggregate', metricName: 'cpu', aggregation: 'sum', groupBy: ['_tenant_id'] }, 'INVALID_QUERY'],
    ['a repeated groupBy key', { queryType: 'aggregate', metricName: 'cpu', aggregation: 'sum', groupBy: ['a', 'a'] }, 'INVALID_QUERY'],
    ['groupBy on a range query', { queryType: 'range', metricName: 'cpu', groupBy: ['a'] }, 'INVALID_QUERY'],
    ['a range longer than 90d', { queryType: 'range', metricName: 'cpu', timeRange: { relative: '91d' } }, 'TIME_RANGE_TOO_LARGE'],
    ['too many rate buckets', { queryType: 'rate', metricName: 'cpu', interval: '1s', timeRange: { relative: '7d' } }, 'RESULT_TOO_LARGE'],
    ['listDimensionValues without a dimension', { queryType: 'listDimensionValues', metricName: 'cpu' }, 'INVALID_QUERY'],
  ])('rejects %s', (_label, body, code) => {
    expect(codeOf(body)).toBe(code);
  });

  it('accepts exactly 90 days', () => {
    expect(codeOf({ queryType: 'aggregate', metricName: 'cpu', aggregation: 'sum', timeRange: { relative: '90d' } })).toBeNull();
  });
});

describe('resolution', () => {
  const agg = { queryType: 'aggregate', metricName: 'm', aggregation: 'avg', timeRange: { relative: '1d' } };
  it('defaults to auto, accepts raw, 1m and 1h, and refuses others', () => {
    expect(parse(agg)).toMatchObject({ resolution: 'auto' });
    for (const r of ['raw', '1m', '1h']) expect(parse({ ...agg, resolution: r })).toMatchObject({ resolution: r });
    expect(() => parse({ ...agg, resolution: '5m' })).toThrow(/resolution must be one of/);
  });
  it('a level needs an interval it divides; range queries take raw only', () => {
    expect(() => parse({ ...agg, resolution: '1h', interval: '30m' })).toThrow(/multiple of 1h/);
    expect(() => parse({ ...agg, aggregation: 'p95', resolution: '1m' })).toThrow(/no percentile sketch/);
    expect(parse({ ...agg, resolution: '1m', interval: '5m' })).toMatchObject({ resolution: '1m', intervalMs: 300_000 });
    expect(() => parse({ queryType: 'rate', metricName: 'm', interval: '90s', resolution: '1m' })).toThrow(/multiple of 1m/);
    expect(() => parse({ queryType: 'range', metricName: 'm', resolution: '1h' })).toThrow(/raw points/);
    expect(parse({ queryType: 'range', metricName: 'm', resolution: 'raw' })).toMatchObject({ type: 'range' });
    expect(() => parse({ queryType: 'listDimensionValues', metricName: 'm', dimension: 'd', resolution: 'raw' })).toThrow(/does not apply/);
  });
});
