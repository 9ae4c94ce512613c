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
      `CREATE TABLE IF NOT EXISTS ${db}.series (
        tenant LowCardinality(String),
        metric LowCardinality(String),
        series_id UInt64,
        dimensions Map(LowCardinality(String), String) CODEC(ZSTD(1)),
        created_at DateTime64(3, 'UTC') DEFAULT now64(3)
      ) ENGINE = ReplacingMergeTree
      ORDER BY (tenant, metric, series_id)`,
      // Postings: one row per (series, dimension). Filters and group-by keys become primary-key
      // range reads instead of a scan of every series' dimension map.
      `CREATE TABLE IF NOT EXISTS ${db}.series_index (
        tenant LowCardinality(String),
        metric LowCardinality(String),
        key LowCardinality(String),
        value String CODEC(ZSTD(1)),
        series_id UInt64 CODEC(Delta, ZSTD(1))
      ) ENGINE = ReplacingMergeTree
      ORDER BY (tenant, metric, key, value, series_id)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.series_index_mv TO ${db}.series_index AS
        SELECT tenant, metric, k AS key, v AS value, series_id
        FROM ${db}.series ARRAY JOIN mapKeys(dimensions) AS k, mapValues(dimensions) AS v`,
    ],
  },
];
