import { describe, expect, it } from 'vitest';
import { AGGREGATIONS, DEFAULT_QUERY_LIMITS, parseQuery } from './model.js';
import { metricIdOf } from '../ingest/index.js';
import { HASH_JOIN_MAX_SERIES, plan, type Plan } from './planner.js';

const now = Date.parse('2026-01-10T12:00:00Z');
const planOf = (body: Record<string, unknown>): Plan => plan('lm', parseQuery({ metricName: 'api_latency', ...body }, 'tenant_a', DEFAULT_QUERY_LIMITS, now));
const sqlOf = (p: Plan) => (p.type === 'range' ? p.samples : p.main);

const EXPECTED_FN: Record<(typeof AGGREGATIONS)[number], string> = {
  avg: 'avg(value)',
  sum: 'sum(value)',
  count: 'toFloat64(count())',
  min: 'min(value)',
  max: 'max(value)',
  p50: 'quantileExactInclusive(0.5)(value)',
  p95: 'quantileExactInclusive(0.95)(value)',
  p99: 'quantileExactInclusive(0.99)(value)',
  integral: 'arraySum(arrayMap((a, b) -> (a.2 + b.2) / 2 * (a.1 - b.1) / 1000',
};

describe('planner', () => {
  it.each(AGGREGATIONS)('plans aggregate %s, scoped to tenant, metric and time, as parameters', (aggregation) => {
    const p = planOf({ queryType: 'aggregate', aggregation });
    const { sql, params } = sqlOf(p);
    expect(sql).toContain(EXPECTED_FN[aggregation]);
    expect(sql).toContain('metric_id = {mid:UInt64}');
    expect(sql).toContain("ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC')");
    expect(params).toMatchObject({ mid: BigInt(metricIdOf('tenant_a', 'api_latency')), start: now - 3_600_000, end: now });
    expect(sql).not.toContain('JOIN');
  });

  it.each(AGGREGATIONS)('plans aggregate %s grouped: joins group keys from the series maps (sort-merge) and orders top-N', (aggregation) => {
    const p = planOf({ queryType: 'aggregate', aggregation, groupBy: ['customer_id', 'region'], limit: 5 });
    const { sql, params, settings } = sqlOf(p);
    expect(sql).toContain('ANY LEFT JOIN');
    expect(sql).toContain('dimensions[{gk0:String}] AS g0, dimensions[{gk1:String}] AS g1');
    expect(settings).toEqual({ join_algorithm: 'full_sorting_merge' });
    expect(sql).toContain('GROUP BY g0, g1');
    expect(sql).toContain('ORDER BY value DESC, g0, g1 LIMIT {limit:UInt32}');
    expect(params).toMatchObject({ gk0: 'customer_id', gk1: 'region', limit: 5 });
  });

  it('asks for one group past the cap when no limit is given, to detect TOO_MANY_GROUPS', () => {
    expect(sqlOf(planOf({ queryType: 'aggregate', aggregation: 'avg', groupBy: ['a'] })).params.limit).toBe(1001);
  });

  it('turns filters into a series lookup without splicing values', () => {
    const { sql, params } = sqlOf(planOf({ queryType: 'range', filters: { customer_id: "x' OR 1=1 --", region: 'eu' } }));
    expect(sql).toContain('series_id IN (SELECT series_id FROM lm.series WHERE tenant = {tenant:String} AND metric = {metric:String} AND dimensions[{fk0:String}] = {fv0:String} AND dimensions[{fk1:String}] = {fv1:String})');
    expect(sql).not.toContain('OR 1=1');
    expect(params).toMatchObject({ fk0: 'customer_id', fv0: "x' OR 1=1 --", fk1: 'region', fv1: 'eu' });
  });

  it('plans range with limit + 1 and a dimensions lookup by id', () => {
    const p = planOf({ queryType: 'range', limit: 50 });
    if (p.type !== 'range') throw new Error('expected a range plan');
    expect(p.samples.params.limit).toBe(51);
    expect(p.samples.sql).toContain('ORDER BY ts, series_id');
    expect(p.dimensionsSql(['18345936016833089120']).params.ids).toEqual([18345936016833089120n]);
  });

  it('plans rate per series with counter resets clamped to zero, per interval bucket', () => {
    const { sql, params } = sqlOf(planOf({ queryType: 'rate', interval: '5m' }));
    expect(sql).toContain('greatest(a.2 - b.2, 0)');
    expect(sql).toContain('intDiv(a.1, {iv:Int64}) * {iv:Int64}');
    expect(sql).toContain('sum(inc) / {ivs:Float64}');
    expect(params).toMatchObject({ iv: 300_000, ivs: 300, plimit: 10_001 });
  });

  it('plans grouped rate with a top-N rank over summed rates', () => {
    const { sql, params } = sqlOf(planOf({ queryType: 'rate', interval: '1m', groupBy: ['customer_id'], limit: 3 }));
    expect(sql).toContain('row_number() OVER (ORDER BY sum(rate) DESC, g0) AS rk');
    expect(sql).toContain('ORDER BY rk\n          LIMIT {glimit:UInt32}');
    expect(sql).toContain('WHERE before < {plimit:UInt32}');
    expect(params).toMatchObject({ glimit: 3, gk0: 'customer_id' });
  });

  it('plans listDimensionValues by series count with a prefix', () => {
    const { sql, params } = sqlOf(planOf({ queryType: 'listDimensionValues', dimension: 'customer_id', prefix: 'cu', limit: 7 }));
    expect(sql).toContain('ORDER BY series DESC, value ASC');
    expect(params).toEqual({ tenant: 'tenant_a', metric: 'api_latency', key: 'customer_id', prefix: 'cu', limit: 7 });
  });
  it('joins raw samples to their series by sort-merge only for metrics with many (or an unknown number of) series', () => {
    const body = { metricName: 'api_latency', queryType: 'aggregate', aggregation: 'avg', groupBy: ['region'], interval: '1m' };
    const settingsFor = (count: number | null) => {
      const p = plan('lm', parseQuery(body, 'tenant_a', DEFAULT_QUERY_LIMITS, now), null, null, count);
      return p.type === 'aggregate' ? p.main.settings : 'not an aggregate';
    };
    expect(settingsFor(null)).toEqual({ join_algorithm: 'full_sorting_merge' });
    expect(settingsFor(HASH_JOIN_MAX_SERIES + 1)).toEqual({ join_algorithm: 'full_sorting_merge' });
    expect(settingsFor(10_000)).toBeUndefined();
    const rate = plan('lm', parseQuery({ ...body, queryType: 'rate', aggregation: undefined }, 'tenant_a', DEFAULT_QUERY_LIMITS, now), null, null, 10);
    expect(rate.type === 'rate' ? rate.main.settings : 'not a rate').toBeUndefined();
  });
});
