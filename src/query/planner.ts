import { metricIdOf } from '../ingest/index.js';
import { SKETCH_LEVELS, pointArea, pointInc, type RollupCoverage } from '../storage/index.js';
import type { Aggregation, ParsedQuery } from './model.js';
import { chooseDimRollup, chooseRollup, dimParams, dimSource, percentileSql, pieceTerms, piecesPerSeries, rollupParams, statsSource, type DimChoice, type RollupChoice, type StatColumn } from './rollup-plan.js';

/**
 * Query planning: a parsed query → SQL over the narrow schema (src/storage/schema.ts). Pure: no
 * driver, no clock. Every value travels as a `{name:Type}` query parameter; the only identifiers
 * spliced in are the database name (validated at start) and generated aliases.
 *
 * Shapes:
 * - samples are filtered by metric id — hash of (tenant, metric) — and time (primary key + day
 *   partition), so a query can only read its own tenant's rows;
 * - dimension filters become `series_id IN (series whose dimension map matches)`;
 * - `groupBy` keys are read from the same maps and joined per series (a series without a key
 *   groups under the empty string);
 * - integral and rate first collapse each series to its time-sorted points, then combine series.
 */
export interface SqlPlan {
  sql: string;
  params: Record<string, unknown>;
  /** Engine settings for this statement (appended to its SETTINGS clause). */
  settings?: Record<string, string | number>;
}

/**
 * Samples and the series they join are both sorted by series id, so a sort-merge join streams
 * them instead of building a hash table of every series: on 1M series / 10M points it took
 * p95-by-customer from 1274 to 770 ms and avg-by-region from 865 to 436 ms (docs/benchmarks.md).
 * But it reads the samples in key order, merging every part's stream, and over long ranges
 * (many partitions) that costs more than a small hash table: avg by region over 10,000 series,
 * 3 days 4.5 s against 1.2 s with the hash join, 30 days ~50 s against 12 s. So the sort-merge
 * join is for metrics with many series (or an unknown count); the crossover between 10,000 and
 * 1M series is not measured. Rollup rows are sorted by bucket first, so there the default hash
 * join is faster (avg by region over 30 days of 10,000 series, 7.2 M rollup rows: 2.1 s against 2.9 s).
 */
const GROUPED: Record<string, string> = { join_algorithm: 'full_sorting_merge' };
export const HASH_JOIN_MAX_SERIES = 100_000;
const sortMergeFor = (seriesCount: number | null) => seriesCount === null || seriesCount > HASH_JOIN_MAX_SERIES;

/** What an aggregate or rate was computed from: raw samples, or a rollup level (with raw ends). */
export type PlannedResolution = 'raw' | '1m' | '1h';

export type Plan =
  | { type: 'range'; samples: SqlPlan; dimensionsSql: (ids: readonly string[]) => SqlPlan; limit: number; explicitLimit: boolean }
  | { type: 'aggregate'; main: SqlPlan; groupBy: string[]; limit: number; explicitLimit: boolean; /** Rows carry `bucket` and `rk`; grouped, one row per group with its buckets as arrays (see rankGroups). */ bucketed: boolean; maxPoints: number; resolution: PlannedResolution }
  | { type: 'rate'; /** As a bucketed aggregate's, with `rate` and `deltas`. */ main: SqlPlan; groupBy: string[]; limit: number; explicitLimit: boolean; maxPoints: number; resolution: PlannedResolution }
  | { type: 'listDimensionValues'; main: SqlPlan };

type Scoped = Extract<ParsedQuery, { start: number }>;

const AGG_SQL: Record<Exclude<Aggregation, 'integral'>, string> = {
  avg: 'avg(value)',
  sum: 'sum(value)',
  count: 'toFloat64(count())',
  min: 'min(value)',
  max: 'max(value)',
  // R-7 / numpy "linear": exact, interpolating between the closest ranks.
  p50: 'quantileExactInclusive(0.5)(value)',
  p95: 'quantileExactInclusive(0.95)(value)',
  p99: 'quantileExactInclusive(0.99)(value)',
};

function baseParams(q: Scoped): Record<string, unknown> {
  const params: Record<string, unknown> = { tenant: q.tenant, metric: q.metric, mid: BigInt(metricIdOf(q.tenant, q.metric)), start: q.start, end: q.end };
  q.filters.forEach(([k, v], i) => {
    params[`fk${i}`] = k;
    params[`fv${i}`] = v.length === 1 ? v[0] : v;
  });
  if ('groupBy' in q) q.groupBy.forEach((k, i) => (params[`gk${i}`] = k));
  return params;
}

function seriesWhere(q: Scoped): string {
  let where = 'tenant = {tenant:String} AND metric = {metric:String}';
  q.filters.forEach(([, v], i) => (where += v.length === 1 ? ` AND dimensions[{fk${i}:String}] = {fv${i}:String}` : ` AND dimensions[{fk${i}:String}] IN {fv${i}:Array(String)}`));
  return where;
}

/** `AND series_id IN (series matching the filters)`, or '' without filters. */
function seriesFilter(db: string, q: Scoped): string {
  return q.filters.length > 0 ? `
    AND series_id IN (SELECT series_id FROM ${db}.series WHERE ${seriesWhere(q)})` : '';
}

function samplesWhere(db: string, q: Scoped): string {
  return `metric_id = {mid:UInt64}
    AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({end:Int64}, 'UTC')${seriesFilter(db, q)}`;
}

const groupAliases = (n: number) => Array.from({ length: n }, (_, i) => `g${i}`);

/** `ANY LEFT JOIN` of each series' group-by values, read from its dimension map. */
function groupJoin(db: string, q: Scoped, groupBy: readonly string[]): string {
  const cols = groupBy.map((_, i) => `dimensions[{gk${i}:String}] AS g${i}`).join(', ');
  return `ANY LEFT JOIN (
      SELECT series_id, ${cols} FROM ${db}.series WHERE ${seriesWhere(q)}
    ) AS grp USING (series_id)`;
}

/** Per-series points sorted by time, as an array of (unix ms, value) tuples named `p`. */
function perSeriesPoints(db: string, q: Scoped): string {
  return `SELECT series_id, count() AS n, arraySort(groupArray((toUnixTimestamp64Milli(ts), value))) AS p
    FROM ${db}.samples
    WHERE ${samplesWhere(db, q)}
    GROUP BY series_id`;
}

/**
 * `coverage` says how far each rollup level of the query's metric is materialised (null: no
 * rollups); aggregate and rate queries use one when `chooseRollup` finds it answers the same.
 * `seriesCount` is the metric's series count when known: it picks the join of raw samples to
 * their series (see GROUPED).
 */
export function plan(db: string, q: ParsedQuery, coverage: RollupCoverage | null = null, samples: string | null = null, seriesCount: number | null = null): Plan {
  let p = planOver(db, q, coverage);
  if ((p.type === 'aggregate' || p.type === 'rate') && p.main.settings === GROUPED && !sortMergeFor(seriesCount)) {
    const { settings: _, ...main } = p.main;
    p = { ...p, main };
  }
  return samples === null ? p : readingFrom(p, db, samples);
}

/**
 * The plan with every read of the samples table replaced by `source`, a parenthesised subquery
 * with the table's columns (the archive's: the table without archived days plus their Parquet
 * files, src/storage/archive.ts). The planner reads raw points only through `${db}.samples`, so
 * this one substitution reroutes them all; the source's own reference to the table is inserted,
 * not rescanned.
 */
function readingFrom(p: Plan, db: string, source: string): Plan {
  const table = new RegExp(`\\b${db}\\.samples\\b`, 'g');
  const over = (x: SqlPlan): SqlPlan => ({ ...x, sql: x.sql.replace(table, () => source) });
  switch (p.type) {
    case 'range':
      return { ...p, samples: over(p.samples) };
    case 'aggregate':
    case 'rate':
      return { ...p, main: over(p.main) };
    case 'listDimensionValues':
      return p;
  }
}

function planOver(db: string, q: ParsedQuery, coverage: RollupCoverage | null): Plan {
  switch (q.type) {
    case 'range':
      return planRange(db, q);
    case 'aggregate': {
      const dim = chooseDimRollup(q, coverage);
      if (dim !== null) return planDimAggregate(db, q, dim);
      return planAggregate(db, q, chooseRollup({ ...q, percentile: q.aggregation.startsWith('p') }, coverage));
    }
    case 'rate':
      return planRate(db, q, chooseRollup({ ...q, percentile: false }, coverage));
    case 'listDimensionValues':
      return {
        type: 'listDimensionValues',
        main: {
          // Series rows are deduplicated by merges; uniqExact keeps the count exact before that.
          sql: `SELECT dimensions[{key:String}] AS value, uniqExact(series_id) AS series FROM ${db}.series
            WHERE tenant = {tenant:String} AND metric = {metric:String} AND mapContains(dimensions, {key:String}) AND startsWith(value, {prefix:String})
            GROUP BY value ORDER BY series DESC, value ASC LIMIT {limit:UInt32}`,
          params: { tenant: q.tenant, metric: q.metric, key: q.dimension, prefix: q.prefix, limit: q.limit },
        },
      };
  }
}

function planRange(db: string, q: Extract<ParsedQuery, { type: 'range' }>): Plan {
  return {
    type: 'range',
    limit: q.limit,
    explicitLimit: q.explicitLimit,
    samples: {
      // limit + 1 tells a full answer from a cut one.
      sql: `SELECT toString(series_id) AS sid, toUnixTimestamp64Milli(ts) AS t, value AS v
        FROM ${db}.samples
        WHERE ${samplesWhere(db, q)}
        ORDER BY ts, series_id
        LIMIT {limit:UInt32}`,
      params: { ...baseParams(q), limit: q.limit + 1 },
    },
    dimensionsSql: (ids) => ({
      sql: `SELECT toString(series_id) AS sid, any(dimensions) AS dimensions FROM ${db}.series
        WHERE tenant = {tenant:String} AND metric = {metric:String} AND series_id IN {ids:Array(UInt64)}
        GROUP BY series_id`,
      // 64-bit ids travel as bigint so neither client quotes them.
      params: { tenant: q.tenant, metric: q.metric, ids: ids.map((id) => BigInt(id)) },
    }),
  };
}

function planAggregate(db: string, q: Extract<ParsedQuery, { type: 'aggregate' }>, rollup: RollupChoice | null): Plan {
  if (q.intervalMs !== undefined) return planAggregateOverTime(db, q, q.intervalMs, rollup);
  const g = groupAliases(q.groupBy.length);
  const grouped = g.length > 0;
  const select = grouped ? g.join(', ') + ', ' : '';
  const groupClause = grouped ? `GROUP BY ${g.join(', ')}` : '';
  const order = grouped ? `ORDER BY value DESC, ${g.join(', ')} LIMIT {limit:UInt32}` : '';
  // Without an explicit limit, fetch one group past the cap to detect TOO_MANY_GROUPS.
  const limit = q.explicitLimit ? q.limit : q.limit + 1;
  let sql: string;
  if (rollup !== null && q.aggregation === 'integral') {
    const t = pieceTerms('area');
    sql = `SELECT ${select}sum(area) AS value, sum(n) AS count FROM (
        SELECT series_id, arraySum(${t.value}) AS area, arraySum(x -> x.7, s) AS n FROM (${piecesPerSeries(db, rollup, seriesFilter(db, q))})
      ) AS per_series
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      ${groupClause} ${order}`;
  } else if (q.aggregation === 'integral') {
    // Trapezoid rule per series, in value·seconds: Σ (v[i] + v[i-1]) / 2 · (t[i] - t[i-1]) / 1000.
    sql = `SELECT ${select}sum(area) AS value, sum(n) AS count FROM (
        SELECT series_id, n, arraySum(arrayMap((a, b) -> ${pointArea('a', 'b')}, arrayPopFront(p), arrayPopBack(p))) AS area
        FROM (${perSeriesPoints(db, q)})
      ) AS per_series
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      ${groupClause} ${order}`;
  } else if (rollup !== null) {
    sql = `SELECT ${select}${ROLLUP_AGG_SQL[q.aggregation]} AS value, sum(cnt) AS count
      FROM (${statsSource(db, rollup, STAT_COLUMNS[q.aggregation], false, seriesFilter(db, q))}) AS parts
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      ${groupClause} ${order}`;
  } else {
    sql = `SELECT ${select}${AGG_SQL[q.aggregation]} AS value, count() AS count
      FROM ${db}.samples
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      WHERE ${samplesWhere(db, q)}
      ${groupClause} ${order}`;
  }
  return {
    type: 'aggregate',
    main: { sql, params: { ...baseParams(q), ...(rollup !== null ? rollupParams(rollup) : {}), limit }, ...(grouped && rollup === null ? { settings: GROUPED } : {}) },
    groupBy: q.groupBy,
    limit: q.limit,
    explicitLimit: q.explicitLimit,
    bucketed: false,
    maxPoints: q.maxPoints,
    resolution: rollup?.level.name ?? 'raw',
  };
}

/**
 * An aggregate from the per-dimension hourly rows (chooseDimRollup): a row per (value, hour) of
 * the one key the query groups or filters by, raw samples at the ends; the same answer shape
 * (and the same answer) as planAggregate's.
 */
function planDimAggregate(db: string, q: Extract<ParsedQuery, { type: 'aggregate' }>, c: DimChoice): Plan {
  const agg = q.aggregation as Exclude<Aggregation, 'integral'>;
  const grouped = q.groupBy.length > 0;
  const bucketed = q.intervalMs !== undefined;
  // The stored percentiles are the raw plan's own (quantileExactInclusive), computed per hour.
  const p = agg === 'p50' || agg === 'p95' || agg === 'p99' ? { column: agg, raw: AGG_SQL[agg] } : null;
  const source = dimSource(db, c, p, bucketed, grouped ? groupJoin(db, q, q.groupBy) : '', seriesFilter(db, q));
  const g = grouped ? 'g0, ' : '';
  const perBucket = p !== null
    ? `SELECT ${g}qb AS bucket, value, count FROM (${source})`
    : `SELECT ${g}qb AS bucket, ${ROLLUP_AGG_SQL[agg]} AS value, sum(cnt) AS count FROM (${source}) GROUP BY ${g}bucket`;
  let sql: string;
  if (bucketed) sql = grouped ? rankGroups('g0', perBucket, 'value', 'count') : `SELECT bucket, value, count, 1 AS rk FROM (${perBucket}) ORDER BY bucket LIMIT {plimit:UInt32}`;
  else sql = `SELECT ${g}value, count FROM (${perBucket})${grouped ? ' ORDER BY value DESC, g0 LIMIT {limit:UInt32}' : ''}`;
  const groupLimit = q.explicitLimit ? q.limit : q.limit + 1;
  return {
    type: 'aggregate',
    main: { sql, params: { ...baseParams(q), ...dimParams(c), ...(bucketed ? { iv: q.intervalMs } : {}), limit: groupLimit, glimit: groupLimit, plimit: q.maxPoints + 1 } },
    groupBy: q.groupBy,
    limit: q.limit,
    explicitLimit: q.explicitLimit,
    bucketed,
    maxPoints: q.maxPoints,
    resolution: '1h',
  };
}

/** Which partial statistics each aggregation needs from a rollup plan, and how they combine. */
const STAT_COLUMNS: Record<Exclude<Aggregation, 'integral'>, readonly StatColumn[]> = {
  avg: ['total'], sum: ['total'], count: [], min: ['vmin'], max: ['vmax'], p50: ['q'], p95: ['q'], p99: ['q'],
};
const ROLLUP_AGG_SQL: Record<Exclude<Aggregation, 'integral'>, string> = {
  avg: 'sum(total) / sum(cnt)',
  sum: 'sum(total)',
  count: 'toFloat64(sum(cnt))',
  min: 'min(vmin)',
  max: 'max(vmax)',
  // DDSketch, 1% relative accuracy (src/storage/rollups.ts); exact in buckets without rollup rows.
  p50: percentileSql(0.5, SKETCH_LEVELS.p50),
  p95: percentileSql(0.95, SKETCH_LEVELS.p95),
  p99: percentileSql(0.99, SKETCH_LEVELS.p99),
};


/**
 * Aggregate with `interval`: one value per (group, bucket), buckets aligned to the epoch so that
 * the same query asked by many pages is the same statement. An integral's segment counts in the
 * bucket of its later point (as rate's increases do). Groups are ranked by the sum of their
 * bucket values for top-N.
 */
function planAggregateOverTime(db: string, q: Extract<ParsedQuery, { type: 'aggregate' }>, intervalMs: number, rollup: RollupChoice | null): Plan {
  const g = groupAliases(q.groupBy.length);
  const grouped = g.length > 0;
  const gList = g.join(', ');
  const keys = grouped ? gList + ', ' : '';
  let perBucket: string;
  if (rollup !== null && q.aggregation === 'integral') {
    const t = pieceTerms('area');
    const segments = `SELECT series_id, bucket, area, segs FROM (${piecesPerSeries(db, rollup, seriesFilter(db, q))})
      ARRAY JOIN arrayMap(a -> intDiv(a.1, {iv:Int64}) * {iv:Int64}, s) AS bucket, ${t.value} AS area, ${t.segments} AS segs
      WHERE segs > 0`;
    perBucket = `SELECT ${keys}bucket, sum(area) AS value, sum(segs) AS count
      FROM (${segments}) AS segs
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      GROUP BY ${keys}bucket`;
  } else if (q.aggregation === 'integral') {
    const segments = `SELECT series_id, bucket, area FROM (${perSeriesPoints(db, q)})
      ARRAY JOIN
        arrayMap(a -> intDiv(a.1, {iv:Int64}) * {iv:Int64}, arrayPopFront(p)) AS bucket,
        arrayMap((a, b) -> ${pointArea('a', 'b')}, arrayPopFront(p), arrayPopBack(p)) AS area`;
    perBucket = `SELECT ${keys}bucket, sum(area) AS value, count() AS count
      FROM (${segments}) AS segs
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      GROUP BY ${keys}bucket`;
  } else if (rollup !== null) {
    perBucket = `SELECT ${keys}qb AS bucket, ${ROLLUP_AGG_SQL[q.aggregation]} AS value, sum(cnt) AS count
      FROM (${statsSource(db, rollup, STAT_COLUMNS[q.aggregation], true, seriesFilter(db, q))}) AS parts
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      GROUP BY ${keys}bucket`;
  } else {
    perBucket = `SELECT ${keys}intDiv(toUnixTimestamp64Milli(ts), {iv:Int64}) * {iv:Int64} AS bucket, ${AGG_SQL[q.aggregation]} AS value, count() AS count
      FROM ${db}.samples
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      WHERE ${samplesWhere(db, q)}
      GROUP BY ${keys}bucket`;
  }
  const sql = grouped ? rankGroups(gList, perBucket, 'value', 'count') : `SELECT bucket, value, count, 1 AS rk FROM (${perBucket}) ORDER BY bucket LIMIT {plimit:UInt32}`;
  const groupLimit = q.explicitLimit ? q.limit : q.limit + 1;
  return {
    type: 'aggregate',
    main: { sql, params: { ...baseParams(q), ...(rollup !== null ? rollupParams(rollup) : {}), iv: intervalMs, glimit: groupLimit, plimit: q.maxPoints + 1 }, ...(grouped && rollup === null ? { settings: GROUPED } : {}) },
    groupBy: q.groupBy,
    limit: q.limit,
    explicitLimit: q.explicitLimit,
    bucketed: true,
    maxPoints: q.maxPoints,
    resolution: rollup?.level.name ?? 'raw',
  };
}

/**
 * Ranks groups of a per-(group, bucket) answer by the sum of `col` (top-N), keeping `glimit` (+1
 * detects overflow): one row per kept group, in rank order, with its buckets as three aligned
 * arrays `bb` (bucket), `bv` (`col`), `bc` (`other`) that the service unfolds (`forEachBucket`).
 * Rows stop once the groups before one hold `plimit` points, so an oversized answer is detected,
 * never sent whole. Window functions over every (group, bucket) row sorted them all (p95 by
 * customer over 30 days, 1,000 customers × 720 hours: 250-300 ms against 180-230); unfolding the
 * kept groups in the engine (ARRAY JOIN, ORDER BY rk, bucket) and sending a row per point cost
 * ~15 ms more than these arrays (docs/benchmarks.md, long range).
 */
function rankGroups(gList: string, perBucket: string, col: string, other: string): string {
  return `SELECT ${gList}, bb, bv, bc, rk FROM (
        SELECT ${gList}, bb, bv, bc, rk, sum(length(bb)) OVER (ORDER BY rk ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
        FROM (
          SELECT ${gList}, groupArray(bucket) AS bb, groupArray(${col}) AS bv, groupArray(${other}) AS bc, row_number() OVER (ORDER BY sum(${col}) DESC, ${gList}) AS rk
          FROM (${perBucket})
          GROUP BY ${gList}
          ORDER BY rk
          LIMIT {glimit:UInt32}
        )
      )
      WHERE before < {plimit:UInt32}
      ORDER BY rk`;
}

function planRate(db: string, q: Extract<ParsedQuery, { type: 'rate' }>, rollup: RollupChoice | null): Plan {
  const g = groupAliases(q.groupBy.length);
  const grouped = g.length > 0;
  const gList = g.join(', ');
  // Per series: each delta between consecutive points, counted in the bucket of the later point;
  // negative deltas (counter resets) count as 0. Then Σ increases per (group, bucket) / seconds.
  // From a rollup: each piece's inner increase plus the delta from the previous piece, in the
  // bucket of the piece (pieces without a delta ending in them are left out, as raw does).
  const t = pieceTerms('inc');
  const increases = rollup !== null
    ? `SELECT series_id, bucket, inc FROM (${piecesPerSeries(db, rollup, seriesFilter(db, q))})
      ARRAY JOIN arrayMap(a -> intDiv(a.1, {iv:Int64}) * {iv:Int64}, s) AS bucket, ${t.value} AS inc, ${t.segments} AS segs
      WHERE segs > 0`
    : `SELECT series_id, bucket, inc FROM (${perSeriesPoints(db, q)})
      ARRAY JOIN
        arrayMap(a -> intDiv(a.1, {iv:Int64}) * {iv:Int64}, arrayPopFront(p)) AS bucket,
        arrayMap((a, b) -> ${pointInc('a', 'b')}, arrayPopFront(p), arrayPopBack(p)) AS inc`;
  const perBucket = `SELECT ${grouped ? gList + ', ' : ''}bucket, sum(inc) / {ivs:Float64} AS rate, count() AS deltas
      FROM (${increases}) AS incs
      ${grouped ? groupJoin(db, q, q.groupBy) : ''}
      GROUP BY ${grouped ? gList + ', ' : ''}bucket`;
  let sql: string;
  const groupLimit = q.explicitLimit ? q.limit : q.limit + 1;
  if (grouped) {
    sql = rankGroups(gList, perBucket, 'rate', 'deltas');
  } else {
    sql = `SELECT bucket, rate, 1 AS rk FROM (${perBucket}) ORDER BY bucket LIMIT {plimit:UInt32}`;
  }
  return {
    type: 'rate',
    main: { sql, params: { ...baseParams(q), ...(rollup !== null ? rollupParams(rollup) : {}), iv: q.intervalMs, ivs: q.intervalMs / 1000, glimit: groupLimit, plimit: q.maxPoints + 1 }, ...(grouped && rollup === null ? { settings: GROUPED } : {}) },
    groupBy: q.groupBy,
    limit: q.limit,
    explicitLimit: q.explicitLimit,
    maxPoints: q.maxPoints,
    resolution: rollup?.level.name ?? 'raw',
  };
}
