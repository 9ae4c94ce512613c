/**
 * Rollups: per-series summaries of closed 1-minute and 1-hour buckets, from which the planner
 * answers long-range queries exactly as it would from raw samples (quantiles within the sketch's
 * error). Pure SQL builders; `RollupManager` runs them.
 *
 * A rollup row summarises one series' points in one bucket:
 *
 *   cnt, total, vmin, vmax       count, sum, min, max
 *   first_ts/first_v, last_ts/last_v   the earliest and latest point (unix ms, value)
 *   inc    Σ max(v[i] − v[i−1], 0) over consecutive points inside the bucket (rate)
 *   area   Σ (v[i] + v[i−1]) / 2 · (t[i] − t[i−1]) / 1000 inside the bucket (integral)
 *   q      1-hour rows only: a DDSketch state (relative accuracy 1%) for p50/p95/p99
 *
 * The 1-minute rows carry no sketch: the engine's DDSketch costs ~2.4 µs to create per state,
 * which made a minute of 1-minute data cost 7× the rest of its rollup (1,000 series × 1 day:
 * 3.5 s against 0.5 s), and a per-minute sketch of a few points is larger than the points.
 * Percentiles use the 1-hour level (or raw samples).
 *
 * inc and area need the points in time order, which an insert-time materialized view does not
 * see (a series' points of one minute usually arrive in several flushes): they are computed
 * from the sorted points of a closed bucket instead, and the segments *between* buckets are
 * added at query time from first/last. Example, one series, points (0 s, 1), (30 s, 3),
 * (60 s, 2), (90 s, 6) and 1-minute buckets:
 *
 *   bucket 0: first (0, 1), last (30, 3), inc 2, area (1+3)/2·30 = 60
 *   bucket 1: first (60, 2), last (90, 6), inc 4, area (2+6)/2·30 = 120
 *   across:   (30, 3) → (60, 2): inc max(2−3, 0) = 0, area (3+2)/2·30 = 75
 *   total:    inc 6, area 255 — what the raw points give.
 *
 * Rows are written by a refresher (TimescaleDB-style continuous aggregate) once a bucket has
 * closed, and rewritten when late points arrive for it; the tables are ReplacingMergeTree on a
 * version, and readers use FINAL, so a rewrite replaces the old row.
 */
export interface RollupLevel {
  name: '1m' | '1h';
  table: string;
  widthMs: number;
  /** The engine function that starts a bucket. */
  startOf: 'toStartOfMinute' | 'toStartOfHour';
  /** Whether rows carry the percentile sketch `q`. */
  sketch: boolean;
}

export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { name: '1m', table: 'rollup_1m', widthMs: 60_000, startOf: 'toStartOfMinute', sketch: false },
  { name: '1h', table: 'rollup_1h', widthMs: 3_600_000, startOf: 'toStartOfHour', sketch: true },
];

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/**
 * The sketch: DDSketch with 1% relative accuracy, levels p50/p95/p99. Its keys are logarithms of
 * |value|: values closer to zero than 1e-100 are counted as 0, so that one denormal beside
 * ordinary values cannot exceed the sketch's key range (the engine refuses > ~570 decades).
 */
const SKETCH_PARAMS = '(0.01, 0.5, 0.95, 0.99)';
const SKETCH = `quantilesDD${SKETCH_PARAMS}`;
/** Index of each percentile in the sketch's answer array. */
export const SKETCH_LEVELS: Readonly<Record<'p50' | 'p95' | 'p99', number>> = { p50: 1, p95: 2, p99: 3 };

/** Columns of a rollup row, in insert order. */
const columnsOf = (level: RollupLevel) =>
  ['metric_id', 'series_id', 'bucket', 'cnt', 'total', 'vmin', 'vmax', 'first_ts', 'first_v', 'last_ts', 'last_v', 'inc', 'area', ...(level.sketch ? ['q'] : []), 'version'];

export function rollupTableDdl(db: string, level: RollupLevel): string {
  // Sorted by bucket before series: each refresh writes a later bucket range, so parts do not
  // overlap in key order and FINAL has almost nothing to merge; queries select one metric and a
  // bucket range, which is this key's prefix.
  return `CREATE TABLE IF NOT EXISTS ${db}.${level.table} (
    metric_id UInt64 CODEC(ZSTD(1)),
    bucket DateTime('UTC') CODEC(Delta, ZSTD(1)),
    series_id UInt64 CODEC(ZSTD(1)),
    cnt UInt64 CODEC(T64, ZSTD(1)),
    total Float64 CODEC(ZSTD(1)),
    vmin Float64 CODEC(ZSTD(1)),
    vmax Float64 CODEC(ZSTD(1)),
    first_ts Int64 CODEC(Delta, ZSTD(1)),
    first_v Float64 CODEC(ZSTD(1)),
    last_ts Int64 CODEC(Delta, ZSTD(1)),
    last_v Float64 CODEC(ZSTD(1)),
    inc Float64 CODEC(ZSTD(1)),
    area Float64 CODEC(ZSTD(1)),${level.sketch ? `
    q AggregateFunction(${SKETCH}, Float64) CODEC(ZSTD(1)),` : ''}
    version UInt64
  ) ENGINE = ReplacingMergeTree(version)
  PARTITION BY ${level.name === '1m' ? 'toYYYYMMDD(bucket)' : 'toYYYYMM(bucket)'}
  ORDER BY (metric_id, bucket, series_id)`;
}

export interface RefreshRange {
  /** Inclusive start, unix ms, aligned to the level's width. */
  from: number;
  /** Exclusive end, unix ms, aligned. */
  to: number;
  /** Only these metrics (decimal UInt64 ids); all when omitted. */
  metricIds?: readonly string[];
}

/**
 * The segment between two consecutive points (unix ms, value) of one series, `later` after
 * `earlier`: its increase (a drop, a counter reset, counts 0) and its trapezoid area in
 * value·seconds. SQL over two tuple expressions; raw plans and rollups share them.
 */
export const pointInc = (later: string, earlier: string) => `greatest(${later}.2 - ${earlier}.2, 0)`;
export const pointArea = (later: string, earlier: string) => `(${later}.2 + ${earlier}.2) / 2 * (${later}.1 - ${earlier}.1) / 1000`;

function rangeWhere(timeCol: string, r: RefreshRange): { where: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { from: r.from, to: r.to };
  let where = `${timeCol} >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ${timeCol} < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
  if (r.metricIds !== undefined) {
    params.mids = r.metricIds.map((id) => BigInt(id));
    where += ' AND metric_id IN {mids:Array(UInt64)}';
  }
  return { where, params };
}

/** A level's rows from raw samples in [from, to); p is each series-bucket's points in time order. */
export function refreshSql(db: string, level: RollupLevel, r: RefreshRange, version: number): { sql: string; params: Record<string, unknown> } {
  const { where, params } = rangeWhere('ts', r);
  const sql = `INSERT INTO ${db}.${level.table} (${columnsOf(level).join(', ')})
    SELECT metric_id, series_id, b, cnt, total, vmin, vmax, p[1].1, p[1].2, p[-1].1, p[-1].2,
      arraySum(arrayMap((a, b) -> ${pointInc('a', 'b')}, arrayPopFront(p), arrayPopBack(p))),
      arraySum(arrayMap((a, b) -> ${pointArea('a', 'b')}, arrayPopFront(p), arrayPopBack(p))),${level.sketch ? ' q,' : ''} {version:UInt64}
    FROM (
      SELECT metric_id, series_id, ${level.startOf}(ts) AS b, count() AS cnt, sum(value) AS total, min(value) AS vmin, max(value) AS vmax,
        arraySort(groupArray((toUnixTimestamp64Milli(ts), value))) AS p${level.sketch ? `, ${SKETCH_STATE} AS q` : ''}
      FROM ${db}.samples
      WHERE ${where}
      GROUP BY metric_id, series_id, b
    )`;
  return { sql, params: { ...params, version } };
}

/** The sketch state of the samples' `value` column. */
export const SKETCH_STATE = `quantilesDDState${SKETCH_PARAMS}(if(abs(value) < 1e-100, 0, value))`;
export const SKETCH_MERGE = `quantilesDDMerge${SKETCH_PARAMS}`;

/**
 * The segment between two pieces (first_ts, first_v, last_ts, last_v, …): `later`'s first point
 * and `earlier`'s last; SQL over two tuple expressions.
 */
export const pieceInc = (later: string, earlier: string) => `greatest(${later}.2 - ${earlier}.4, 0)`;
export const pieceArea = (later: string, earlier: string) => `(${later}.2 + ${earlier}.4) / 2 * (${later}.1 - ${earlier}.3) / 1000`;

/**
 * The late-point log: every insert of samples older than a minute records (metric, minute), so a
 * refresher that restarts still re-materialises minutes whose late points it had not processed.
 * Points that are on time (the usual case) add nothing.
 */
export function dirtyLogDdl(db: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.rollup_dirty (
      metric_id UInt64, minute DateTime('UTC'), at DateTime64(3, 'UTC')
    ) ENGINE = MergeTree ORDER BY at TTL toDateTime(at) + INTERVAL 7 DAY`,
    dirtyViewDdl(db),
    `CREATE TABLE IF NOT EXISTS ${db}.rollup_state (
      level String, watermark Int64, checkpoint Int64, updated Int64
    ) ENGINE = ReplacingMergeTree(updated) ORDER BY level`,
  ];
}

/** The view that logs late points of the samples table (made again when samples are rebuilt, schema v5). */
export function dirtyViewDdl(db: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.rollup_dirty_mv TO ${db}.rollup_dirty AS
      SELECT metric_id, toStartOfMinute(ts) AS minute, now64(3, 'UTC') AS at FROM ${db}.samples
      WHERE ts < now64(3, 'UTC') - INTERVAL ${LATE_AFTER_MS / 1000} SECOND
      GROUP BY metric_id, minute`;
}

/** Points older than this when inserted are logged as late (see dirtyLogDdl). */
export const LATE_AFTER_MS = 60_000;
/**
 * A minute is materialised once it ended this long ago: later than LATE_AFTER_MS by a margin an
 * insert never takes, so every point that lands in a materialised minute is in the late log.
 */
export const MATERIALIZE_AFTER_MS = 2 * 60_000;

/**
 * The per-dimension hourly rollup: for each metric, hour and dimension key `k` the metric has few
 * values of (at most `rollups.dimension_max_values`), one row per value `v` summarising the
 * points of every series with that value (a series without the key counts under ''); the pseudo
 * key '' (value '') sums the whole metric. Long-range queries grouped or filtered by one such key
 * read a row per (value, hour) instead of a row per (series, hour) and a join to the series'
 * dimensions: on 10,000 series × 30 days, 7,200 rows instead of 7.2 M for avg by region.
 *
 * Percentiles are the exact ones raw samples give (R-7, the planner's quantileExactInclusive),
 * computed when the hour is materialised, so a query at 1-hour steps answers them exactly.
 */
export const DIM_TABLE = 'rollup_dim_1h';

/**
 * Sorted by hour first: each refresh writes later hours, so parts cover disjoint key ranges and a
 * query's FINAL has only the hours rewritten for late points to merge. Sorted by metric first
 * (schema v3), the same FINAL read took twice as long: p95 by customer over 30 days (720,000 rows
 * in 32 parts, one hour rewritten) ~60 ms against ~30 ms (docs/benchmarks.md, long range). The
 * per-series rollup tables keep metric first: there the same test (50 metrics, 56 parts, 264,000
 * rows of one metric) measured no difference, ~30 ms either way. `table` names the copy a rebuild
 * fills (schema v4).
 */
function dimRowsDdl(db: string, table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${db}.${table} (
      metric_id UInt64 CODEC(ZSTD(1)),
      k LowCardinality(String),
      bucket DateTime('UTC') CODEC(Delta, ZSTD(1)),
      v String CODEC(ZSTD(1)),
      cnt UInt64 CODEC(T64, ZSTD(1)),
      total Float64 CODEC(ZSTD(1)),
      vmin Float64 CODEC(ZSTD(1)),
      vmax Float64 CODEC(ZSTD(1)),
      p50 Float64 CODEC(ZSTD(1)),
      p95 Float64 CODEC(ZSTD(1)),
      p99 Float64 CODEC(ZSTD(1)),
      version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    PARTITION BY toYYYYMM(bucket)
    ORDER BY (bucket, metric_id, k, v)`;
}

export function dimTableDdl(db: string): string[] {
  return [
    dimRowsDdl(db, DIM_TABLE),
    // Which keys of a metric are rolled up, over which buckets [since, until) (unix ms).
    `CREATE TABLE IF NOT EXISTS ${db}.rollup_dim_keys (
      metric_id UInt64, k String, since Int64, until Int64, updated Int64
    ) ENGINE = ReplacingMergeTree(updated) ORDER BY (metric_id, k)`,
  ];
}

/**
 * Rebuilds the per-dimension rows in `dimRowsDdl`'s order (schema v4, for tables created by v3
 * sorted by metric first): copy, swap, drop. Each step may be repeated after a crash: the copy is
 * dropped and refilled from whichever table holds the rows under the name, and after the swap
 * that is the rebuilt one. TTL and storage-policy settings are set again at start (RetentionManager,
 * applyTierPolicy).
 */
export function dimTableRebuild(db: string): string[] {
  const copy = `${DIM_TABLE}_rebuild`;
  return [
    `DROP TABLE IF EXISTS ${db}.${copy}`,
    dimRowsDdl(db, copy),
    `INSERT INTO ${db}.${copy} SELECT * FROM ${db}.${DIM_TABLE}`,
    `EXCHANGE TABLES ${db}.${DIM_TABLE} AND ${db}.${copy}`,
    `DROP TABLE ${db}.${copy}`,
  ];
}

/** The keys rolled up per metric, for `dimRefreshSql`. */
export interface DimKeys {
  tenant: string;
  metric: string;
  /** Dimension keys ('' the pseudo key: always there). */
  keys: readonly string[];
}

/**
 * Per-dimension rows of the hours in [from, to) from raw samples. Each point is counted once per
 * rolled-up key of its series (and once under the pseudo key); series rows are deduplicated
 * (the table is a ReplacingMergeTree) before the join.
 */
export function dimRefreshSql(db: string, r: RefreshRange, metrics: readonly DimKeys[], version: number): { sql: string; params: Record<string, unknown> } {
  const { where, params } = rangeWhere('ts', r);
  const sql = `INSERT INTO ${db}.${DIM_TABLE} (metric_id, bucket, k, v, cnt, total, vmin, vmax, p50, p95, p99, version)
    SELECT metric_id, b, kv.1, kv.2, count(), sum(value), min(value), max(value),
      (quantilesExactInclusive(0.5, 0.95, 0.99)(value) AS qs)[1], qs[2], qs[3], {version:UInt64}
    FROM (
      SELECT metric_id, toStartOfHour(ts) AS b, kv, value
      FROM ${db}.samples
      INNER JOIN (
        SELECT series_id, arrayJoin(arrayConcat([('', '')], arrayMap(x -> (x, dims[x]), arrayFilter(x -> x != '', {dk:Array(Array(String))}[indexOf(arrayZip({dt:Array(String)}, {dm:Array(String)}), (t, m))])))) AS kv
        FROM (
          SELECT series_id, any(tenant) AS t, any(metric) AS m, any(dimensions) AS dims FROM ${db}.series
          WHERE (tenant, metric) IN arrayZip({dt:Array(String)}, {dm:Array(String)})
          GROUP BY series_id
        )
      ) AS d USING (series_id)
      WHERE ${where}
    )
    GROUP BY metric_id, b, kv
    SETTINGS max_bytes_before_external_group_by = 2000000000`;
  return {
    sql,
    params: { ...params, version, dt: metrics.map((m) => m.tenant), dm: metrics.map((m) => m.metric), dk: metrics.map((m) => [...m.keys]) },
  };
}
