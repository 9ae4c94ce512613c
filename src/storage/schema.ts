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
import { ROLLUP_LEVELS, dimTableDdl, dimTableRebuild, dirtyLogDdl, rollupTableDdl } from './rollups.js';

export interface Migration {
  version: number;
  name: string;
  statements: (db: string) => string[];
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
];
