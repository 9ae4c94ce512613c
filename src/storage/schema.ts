/**
 * Versioned schema migrations. Each runs once (recorded in `schema_migrations`) and every statement
 * is idempotent on its own, so a crash between a statement and its record is harmless.
 *
 * Series model (DESIGN decision 2): samples are narrow (metric id, series id, timestamp, value)
 * and sorted by series then time, so a series' points sit together and the time column
 * delta-encodes; dimensions live once per series in `series`. Codecs were chosen by measurement
 * (docs/benchmarks.md, "Codecs": Delta beat DoubleDelta 3× on timestamps, plain ZSTD beat
 * Gorilla+ZSTD by 25% on values).
 */
import { ROLLUP_LEVELS, dimTableDdl, dimTableRebuild, dirtyLogDdl, dirtyViewDdl, rollupTableDdl } from './rollups.js';

/** What a migration's procedural step may do (Store.migrate provides it). */
export interface MigrationContext {
  db: string;
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  rows<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** A line of progress for the operator (long migrations). */
  progress(msg: string): void;
}

export interface Migration {
  version: number;
  name: string;
  statements: (db: string) => string[];
  /** Runs after the statements, for steps that need a loop or a check; idempotent as they are. */
  run?: (ctx: MigrationContext) => Promise<void>;
}

/**
 * Raw samples are partitioned by 6 hours (schema v5; by day before). Samples are sorted by series
 * then time inside a partition, so a query for a slice of time across many series decompresses
 * every column of each partition it touches; the partial hours at the ends of a long-range query
 * (and any "last hour" query) read a quarter of a day instead of all of it. 10,000 series ×
 * 1-minute points, the raw ends of a 30-day p95 by customer: 150 ms with day partitions, 61 ms with
 * 6-hour ones, 47 ms with 3-hour ones; on disk +1.1% and +2.4% (docs/benchmarks.md, long range).
 * Six hours keeps the partition count modest: 120 for the default 30 days of raw retention.
 */
export const SAMPLES_PARTITION = 'toStartOfInterval(ts, INTERVAL 6 HOUR)';

function samplesDdl(db: string, table: string, policy: string): string {
  return `CREATE TABLE IF NOT EXISTS ${db}.${table} (
        metric_id UInt64 CODEC(ZSTD(1)),
        series_id UInt64 CODEC(Delta, ZSTD(1)),
        ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
        value Float64 CODEC(ZSTD(1))
      ) ENGINE = MergeTree
      PARTITION BY ${SAMPLES_PARTITION}
      ORDER BY (metric_id, series_id, ts)
      SETTINGS non_replicated_deduplication_window = 10000, storage_policy = '${policy.replace(/'/g, '')}'`;
}

/**
 * Schema v5: copies the samples into 6-hour partitions a day at a time (each copy one bounded
 * statement), checks the counts, swaps the tables and drops the old one. The late-point view reads
 * the samples table, so it is dropped first and made again last. After a crash anywhere the whole
 * step runs again: the copy is dropped and refilled from whatever table holds the samples name
 * (after the swap, the rebuilt one). The copy is written to the hot volume; TTL rules (retention,
 * tier moves) are set again at start.
 */
async function rebuildSamples(ctx: MigrationContext): Promise<void> {
  const { db } = ctx;
  const copy = 'samples_rebuild';
  const policy = (await ctx.rows<{ p: string }>(`SELECT storage_policy AS p FROM system.tables WHERE database = {db:String} AND name = 'samples'`, { db }))[0]?.p ?? 'default';
  await ctx.command(`DROP VIEW IF EXISTS ${db}.rollup_dirty_mv`);
  await ctx.command(`DROP TABLE IF EXISTS ${db}.${copy}`);
  await ctx.command(samplesDdl(db, copy, policy));
  const days = (await ctx.rows<{ day: string }>(
    `SELECT DISTINCT substring(partition, 1, 10) AS day FROM system.parts WHERE database = {db:String} AND table = 'samples' AND active ORDER BY day`,
    { db },
  )).map((r) => r.day);
  if (days.length > 0) ctx.progress(`rewriting raw samples into 6-hour partitions (schema v5, once): ${days.length} days`);
  let n = 0;
  for (const day of days) {
    // Identical blocks of the copy must not be taken for retried inserts.
    await ctx.command(`INSERT INTO ${db}.${copy} SELECT * FROM ${db}.samples WHERE toDate(ts) = {day:Date} SETTINGS insert_deduplicate = 0`, { day });
    if (++n % 10 === 0 || n === days.length) ctx.progress(`samples rewritten: ${n}/${days.length} days`);
  }
  const [c] = await ctx.rows<{ a: string; b: string }>(`SELECT toString((SELECT count() FROM ${db}.samples)) AS a, toString((SELECT count() FROM ${db}.${copy})) AS b`);
  if (c === undefined || c.a !== c.b) throw new Error(`schema v5: the rewritten samples hold ${c?.b ?? '?'} rows, the table ${c?.a ?? '?'}; nothing was changed`);
  await ctx.command(`EXCHANGE TABLES ${db}.samples AND ${db}.${copy}`);
  await ctx.command(`DROP TABLE ${db}.${copy}`);
  await ctx.command(dirtyViewDdl(db));
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'samples and series',
    statements: (db) => [
      // metric_id is a 64-bit hash of (tenant, metric) (src/ingest/series-id.ts): numeric
      // columns insert ~1.6× faster than tenant/metric strings, and the tenant stays in the key.
      `CREATE TABLE IF NOT EXISTS ${db}.samples (
        metric_id UInt64 CODEC(ZSTD(1)),
        series_id UInt64 CODEC(Delta, ZSTD(1)),
        ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
        value Float64 CODEC(ZSTD(1))
      ) ENGINE = MergeTree
      PARTITION BY toDate(ts)
      ORDER BY (metric_id, series_id, ts)
      SETTINGS non_replicated_deduplication_window = 10000`,
      // Dimensions once per series. Filters and group-by keys scan this table's maps: for 1M series
      // that measured 11 ms for a 4-filter lookup, against 373 ms for intersecting a postings table
      // (docs/benchmarks.md, "Query shapes").
      `CREATE TABLE IF NOT EXISTS ${db}.series (
        tenant LowCardinality(String),
        metric LowCardinality(String),
        series_id UInt64 CODEC(Delta, ZSTD(1)),
        -- Plain String keys: LowCardinality keys inside the Map made series inserts 3x slower
        -- (60k rows: 145k vs 418k rows/s), and ZSTD shrinks the repeated keys anyway. Level 9:
        -- a series row is written once, and on 1M series it halved this column (1.07 -> 0.51 B/pt
        -- of the bench) where values gained 5% from level 3 at +18% insert CPU.
        dimensions Map(String, String) CODEC(ZSTD(9))
      ) ENGINE = ReplacingMergeTree
      ORDER BY (tenant, metric, series_id)`,
    ],
  },
  {
    version: 2,
    name: 'rollups',
    // src/storage/rollups.ts: 1-minute and 1-hour rollup tables, the late-point log and the
    // refresher's watermarks.
    statements: (db) => [...ROLLUP_LEVELS.map((l) => rollupTableDdl(db, l)), ...dirtyLogDdl(db)],
  },
  {
    version: 3,
    name: 'dimension rollups',
    // src/storage/rollups.ts: hourly rows per (metric, dimension key, value) and the keys rolled up.
    statements: (db) => dimTableDdl(db),
  },
  {
    version: 4,
    name: 'dimension rollups sorted by hour',
    // src/storage/rollups.ts, dimTableRebuild: FINAL over hour-first parts merges only rewritten hours.
    statements: (db) => dimTableRebuild(db),
  },
  {
    version: 5,
    name: 'samples in 6-hour partitions',
    statements: () => [],
    run: rebuildSamples,
  },
];
