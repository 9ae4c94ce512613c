import { DIM_TABLE, HOUR_MS, ROLLUP_LEVELS, SKETCH_MERGE, SKETCH_STATE, pieceArea, pieceInc, type RollupCoverage, type RollupLevel } from '../storage/index.js';
import type { Aggregation, Resolution } from './model.js';

/**
 * Which rollup answers a query, and where: buckets [from, to) come from the rollup, the partial
 * buckets at either end of the range (and anything past the watermark) from raw samples, so the
 * answer is the one raw samples give. Pure.
 */
export interface RollupChoice {
  level: RollupLevel;
  /** First rollup bucket (unix ms, aligned, ≥ the range's start). */
  from: number;
  /** End of the last rollup bucket (exclusive, aligned, ≤ the range's end + 1 ms and ≤ the watermark). */
  to: number;
}

export interface RollupQuery {
  start: number;
  end: number;
  intervalMs?: number | undefined;
  resolution: Resolution;
  /** Percentiles: only a level with the sketch can answer. */
  percentile: boolean;
}

/**
 * `auto` takes the coarsest level whose width divides the interval and whose raw remainder (the
 * partial buckets at the ends plus what is not materialised yet) is at most a quarter of the
 * range; `1m` / `1h` take that level whenever it covers a bucket of the range. Percentiles need
 * the 1-hour level (the only one with a sketch), and auto uses it only for metrics dense enough
 * (SKETCH_MIN_POINTS). Null: raw.
 */
export function chooseRollup(q: RollupQuery, coverage: RollupCoverage | null): RollupChoice | null {
  if (coverage === null || q.resolution === 'raw') return null;
  const levels = q.resolution === 'auto' ? [...ROLLUP_LEVELS].reverse() : ROLLUP_LEVELS.filter((l) => l.name === q.resolution);
  for (const level of levels) {
    const w = level.widthMs;
    if (q.intervalMs !== undefined && q.intervalMs % w !== 0) continue;
    if (q.percentile && !level.sketch) continue;
    // Merging a sketch costs the engine ~6.7 µs, sorting a raw point ~0.1 µs: for sparse series
    // raw is both exact and faster, so auto takes the sketch only for dense ones.
    if (q.percentile && q.resolution === 'auto' && (coverage.pointsPerSeriesHour ?? 0) < SKETCH_MIN_POINTS) continue;
    const from = Math.ceil(q.start / w) * w;
    const to = Math.min(Math.floor((q.end + 1) / w) * w, coverage[level.name]);
    if (to <= from) continue;
    const rawSpan = q.end + 1 - q.start - (to - from);
    if (q.resolution === 'auto' && rawSpan > (q.end + 1 - q.start) / 4) continue;
    return { level, from, to };
  }
  return null;
}

/**
 * Points per series-hour from which auto answers percentiles from the 1-hour sketch: twice the
 * measured break-even (1,000 series × 3 days of 1-minute points, p95 by customer at 1 h steps:
 * 592 ms merging 72,000 sketches against 481 ms sorting 4.3 M raw points).
 */
export const SKETCH_MIN_POINTS = 120;

const RAW_EDGES = `((ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({rfrom:Int64}, 'UTC'))
      OR (ts >= fromUnixTimestamp64Milli({rto:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({end:Int64}, 'UTC')))`;
const ROLLUP_RANGE = `bucket >= toDateTime(intDiv({rfrom:Int64}, 1000), 'UTC') AND bucket < toDateTime(intDiv({rto:Int64}, 1000), 'UTC')`;

export function rollupParams(c: RollupChoice): Record<string, unknown> {
  return { rfrom: c.from, rto: c.to };
}

export type StatColumn = 'total' | 'vmin' | 'vmax' | 'q';

/**
 * Partial statistics from the raw ends (one row per series and query bucket) and the rollup
 * middle (its rows as they are), as one row set with `series_id, qb` (the query's bucket, 0
 * without an interval), `cnt` and the requested
 * columns. `seriesFilter` is an `AND series_id IN (…)` clause or ''. With `q` (percentiles) the
 * rows also carry `vals`, the raw values, and `src` (0 raw, 1 rollup): a bucket with no rollup
 * row in it — a partial bucket at an end of the range — is answered exactly from `vals`
 * (`percentileSql`).
 */
export function statsSource(db: string, c: RollupChoice, cols: readonly StatColumn[], bucketed: boolean, seriesFilter: string): string {
  const raw: Record<StatColumn, string> = { total: 'sum(value)', vmin: 'min(value)', vmax: 'max(value)', q: SKETCH_STATE };
  // Rollup rows are already one per series and bucket: no grouping (it cost 1 s of a 3 s
  // 30-day query over 7.2 M rows).
  const rolled: Record<StatColumn, string> = { total: 'total', vmin: 'vmin', vmax: 'vmax', q: 'q' };
  const rawBucket = bucketed ? 'intDiv(toUnixTimestamp64Milli(ts), {iv:Int64}) * {iv:Int64}' : 'toInt64(0)';
  const rollBucket = bucketed ? 'intDiv(toInt64(toUnixTimestamp(bucket)) * 1000, {iv:Int64}) * {iv:Int64}' : 'toInt64(0)';
  const pick = (exprs: Record<StatColumn, string>) => cols.map((k) => `, ${exprs[k]} AS ${k}`).join('');
  const exact = cols.includes('q');
  return `SELECT series_id, ${rawBucket} AS qb, count() AS cnt${pick(raw)}${exact ? ', groupArray(value) AS vals, toUInt8(0) AS src' : ''}
      FROM ${db}.samples
      WHERE metric_id = {mid:UInt64} AND ${RAW_EDGES}${seriesFilter}
      GROUP BY series_id, qb
    UNION ALL
    SELECT series_id, ${rollBucket} AS qb, cnt${pick(rolled)}${exact ? ", CAST([], 'Array(Float64)') AS vals, toUInt8(1) AS src" : ''}
      FROM ${db}.${c.level.table} FINAL
      WHERE metric_id = {mid:UInt64} AND ${ROLLUP_RANGE}${seriesFilter}`;
}

/**
 * A percentile over `statsSource` rows: the merged sketch where a rollup row took part, the
 * exact value (as raw samples give it) where only raw rows did.
 */
export function percentileSql(p: 0.5 | 0.95 | 0.99, sketchIndex: number): string {
  return `if(max(src) = 0, quantileExactInclusiveArray(${p})(vals), ${SKETCH_MERGE}(q)[${sketchIndex}])`;
}

/**
 * Each series' pieces in time order, as `s`: a raw point is the piece (t, v, t, v, 0, 0, 1), a
 * rollup row (first_ts, first_v, last_ts, last_v, inc, area, cnt). Rate and integral add each
 * piece's inner inc/area and the segment from the previous piece's last point to its first.
 */
export function piecesPerSeries(db: string, c: RollupChoice, seriesFilter: string): string {
  return `SELECT series_id, arraySort(groupArray((t1, v1, t2, v2, inc, area, cnt))) AS s
    FROM (
      SELECT series_id, toUnixTimestamp64Milli(ts) AS t1, value AS v1, t1 AS t2, value AS v2, toFloat64(0) AS inc, toFloat64(0) AS area, toUInt64(1) AS cnt
        FROM ${db}.samples
        WHERE metric_id = {mid:UInt64} AND ${RAW_EDGES}${seriesFilter}
      UNION ALL
      SELECT series_id, first_ts, first_v, last_ts, last_v, inc, area, cnt
        FROM ${db}.${c.level.table} FINAL
        WHERE metric_id = {mid:UInt64} AND ${ROLLUP_RANGE}${seriesFilter}
    )
    GROUP BY series_id`;
}

/**
 * Per piece of `s`: what it adds (its inner inc or area plus the segment from the previous
 * piece's last point) and how many segments end in it.
 */
export function pieceTerms(kind: 'inc' | 'area'): { value: string; segments: string } {
  const inner = kind === 'inc' ? 'a.5' : 'a.6';
  const between = kind === 'inc' ? pieceInc('a', 's[i - 1]') : pieceArea('a', 's[i - 1]');
  return {
    value: `arrayMap((a, i) -> ${inner} + if(i = 1, 0, ${between}), s, arrayEnumerate(s))`,
    segments: 'arrayMap((a, i) -> a.7 - 1 + if(i = 1, 0, 1), s, arrayEnumerate(s))',
  };
}

/**
 * The per-dimension hourly rows (src/storage/rollups.ts, DIM_TABLE) answer an aggregate whose
 * groups and filters are all one rolled-up key: rows of `key` over buckets [from, to), only
 * `values` when the query filters on it. Raw ends as in RollupChoice.
 */
export interface DimChoice {
  key: string;
  values: readonly string[] | null;
  from: number;
  to: number;
}

export interface DimQuery {
  start: number;
  end: number;
  intervalMs?: number | undefined;
  resolution: Resolution;
  aggregation: Aggregation;
  groupBy: readonly string[];
  filters: readonly (readonly [string, readonly string[]])[];
}

/**
 * When the per-dimension rows give the raw answer: avg, sum, count, min and max grouped by at
 * most one key (or none) and filtered on that key only, at whole-hour steps or over the range;
 * percentiles at exactly 1-hour steps where each answer is one stored row (grouped by the key,
 * or one value of it, or the whole metric) — exact, unlike the sketch. Same raw-remainder rule as
 * chooseRollup; the range must lie inside the key's covered buckets. Null: not applicable.
 */
export function chooseDimRollup(q: DimQuery, coverage: RollupCoverage | null): DimChoice | null {
  const dims = coverage?.dims;
  if (coverage === null || dims === null || dims === undefined || (q.resolution !== 'auto' && q.resolution !== '1h')) return null;
  if (q.aggregation === 'integral' || q.groupBy.length > 1 || q.filters.length > 1) return null;
  if (q.intervalMs !== undefined && q.intervalMs % HOUR_MS !== 0) return null;
  const key = q.groupBy[0] ?? q.filters[0]?.[0] ?? '';
  const filter = q.filters[0];
  if (filter !== undefined && filter[0] !== key) return null;
  const values = filter?.[1] ?? null;
  if (q.aggregation.startsWith('p') && (q.intervalMs !== HOUR_MS || (q.groupBy.length === 0 && values !== null && values.length > 1))) return null;
  const span = dims.get(key);
  if (span === undefined) return null;
  const from = Math.ceil(q.start / HOUR_MS) * HOUR_MS;
  const to = Math.min(Math.floor((q.end + 1) / HOUR_MS) * HOUR_MS, coverage['1h'], span.until);
  if (from < span.since || to <= from) return null;
  if (q.resolution === 'auto' && q.end + 1 - q.start - (to - from) > (q.end + 1 - q.start) / 4) return null;
  return { key, values, from, to };
}

/**
 * Per (group, query bucket) statistics from the raw ends and the per-dimension rows of the
 * middle, as `[g0, ]qb, cnt, total, vmin, vmax`; or, for a percentile (1-hour buckets, each
 * wholly raw or wholly rolled up), `[g0, ]qb, value, count` directly: the raw plan's expression
 * `raw` over the ends, the stored column (named as the aggregation) in the middle. `groupJoin` and
 * `seriesFilter` are the raw plan's clauses (the group key as g0, the filter's series).
 */
export function dimSource(db: string, c: DimChoice, percentile: { column: 'p50' | 'p95' | 'p99'; raw: string } | null, bucketed: boolean, groupJoin: string, seriesFilter: string): string {
  const grouped = groupJoin !== '';
  const g = grouped ? 'g0, ' : '';
  const rawBucket = bucketed ? 'intDiv(toUnixTimestamp64Milli(ts), {iv:Int64}) * {iv:Int64}' : 'toInt64(0)';
  const rollBucket = bucketed ? 'intDiv(toInt64(toUnixTimestamp(bucket)) * 1000, {iv:Int64}) * {iv:Int64}' : 'toInt64(0)';
  const rawCols = percentile === null ? 'count() AS cnt, sum(value) AS total, min(value) AS vmin, max(value) AS vmax' : `${percentile.raw} AS value, count() AS count`;
  const dimCols = percentile === null ? 'cnt, total, vmin, vmax' : `${percentile.column} AS value, cnt AS count`;
  return `SELECT ${g}${rawBucket} AS qb, ${rawCols}
      FROM ${db}.samples ${groupJoin}
      WHERE metric_id = {mid:UInt64} AND ${RAW_EDGES}${seriesFilter}
      GROUP BY ${g}qb
    UNION ALL
    SELECT ${grouped ? 'v AS g0, ' : ''}${rollBucket} AS qb, ${dimCols}
      FROM ${db}.${DIM_TABLE} FINAL
      WHERE metric_id = {mid:UInt64} AND k = {dk:String} AND ${ROLLUP_RANGE}${c.values !== null ? ' AND v IN {dv:Array(String)}' : ''}`;
}

export function dimParams(c: DimChoice): Record<string, unknown> {
  return { rfrom: c.from, rto: c.to, dk: c.key, ...(c.values !== null ? { dv: c.values } : {}) };
}
