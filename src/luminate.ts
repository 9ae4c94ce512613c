import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ALL_ROLES, createInProcessDiscovery, createInProcessEventBus, type Discovery, type EventBus, type WriteQueue } from './cluster/index.js';
import { durationMs, type Config } from './config/index.js';
import { cardinalityReport, type CardinalityReport } from './cardinality-report.js';
import { Acceptor, CardinalityGuard, LanePool, SeriesCache, laneWorkersOf, metricIdOf, nativeLane, snappyDecoder, type Admit, type CardinalityLimits, type SeriesSamples, type ValidationLimits, type WriteResult } from './ingest/index.js';
import { QueryService, type QueryLimits, type QueryResponse } from './query/index.js';
import { Archiver, RetentionManager, RollupManager, Store, archiveTargetOf, WriteBuffer, applyTierPolicy, checkTierChange, createEngine, engineConfigXml, errorMessage, type ArchiveReport, type ArchiveStatus, type Engine, type EngineTarget, type RefreshReport, type RollupStatus, type S3Location, type TableSeconds, type Tiers } from './storage/index.js';
import { DashboardStore } from './dashboards/index.js';
import { ApiKeys, MetricMetadataStore, RetentionPolicies, openMetaDb, type MetaDb, type MetaTarget } from './meta/index.js';
import { SelfMetrics } from './telemetry/index.js';
import { VERSION } from './version.js';

/** The tenant of every request while auth is disabled (the single-user default). */
export const DEFAULT_TENANT = 'default';

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  version: string;
  storage:
    | { backend: 'embedded' | 'clickhouse'; status: 'healthy'; disk_used_bytes: number }
    | { backend: 'embedded' | 'clickhouse'; status: 'unavailable'; error: string };
  uptime_seconds: number;
}

/** Luminate's whole API as plain async functions: what the HTTP routes and `openLuminate` share. */
export interface Luminate {
  readonly config: Config;
  readonly store: Store;
  readonly bus: EventBus;
  readonly discovery: Discovery;
  readonly queue: WriteQueue;
  /** Luminate's own metrics (`GET /metrics`). */
  readonly selfMetrics: SelfMetrics;
  /** API keys in the metadata store. */
  readonly apiKeys: ApiKeys;
  /** Metric types, units and descriptions (`POST /api/v1/metrics/register`, OTLP declarations). */
  readonly metricMetadata: MetricMetadataStore;
  /** Dashboards (seed format), per tenant, in the metadata store. */
  readonly dashboards: DashboardStore;
  /** Sets a tenant's retention for one metric (0 keeps it forever) and re-applies the engine rules. */
  setRetention(tenant: string, metric: string, retentionSeconds: number): Promise<{ applied_at: string }>;
  /** Exact series counts per metric, against the limits. */
  readonly cardinality: CardinalityGuard;
  /** A tenant's usage against its cardinality limits (`GET /api/v1/cardinality`). */
  cardinalityReport(tenant: string, opts?: { limit?: number }): Promise<CardinalityReport>;
  /** Deletes a tenant's points of one metric older than `before` (unix ms), raw and rolled up; returns how many raw points. */
  deleteBefore(tenant: string, metric: string, before: number): Promise<number>;
  /** Rolls up what closed since the last refresh and rewrites minutes with late points now (null: rollups are off). */
  refreshRollups(): Promise<RefreshReport | null>;
  /** Where the rollups stand (null: rollups are off). */
  rollupStatus(): RollupStatus | null;
  /** Archives every closed day that is due now (null: the archive is off). */
  runArchive(): Promise<ArchiveReport | null>;
  /** What is archived (null: the archive is off). */
  archiveStatus(): ArchiveStatus | null;
  /** Raw reads for a tenant and range (ms) when archived days overlap it; null: the samples table. */
  samplesSource(tenant: string, start: number, end: number): string | null;
  /** `admit` is called with the valid point count before storing (rate limits); it may throw. */
  write(body: unknown, tenant?: string, admit?: Admit): Promise<WriteResult>;
  /** A write of series with many samples each (OTLP, the line protocols). */
  writeSeries(list: readonly SeriesSamples[], tenant?: string, admit?: Admit): Promise<WriteResult>;
  /** A write from the raw JSON bytes of a request (the HTTP path). */
  writeBytes(body: Buffer, tenant?: string, admit?: Admit): Promise<WriteResult>;
  /** A Prometheus remote-write request from its decompressed protobuf bytes. */
  writeRemoteWrite(raw: Buffer, tenant?: string, admit?: Admit): Promise<WriteResult>;
  /** A Prometheus remote-write request as sent (a snappy block), decoded by a lane worker when one is free; throws SnappyBlockError for a bad block. */
  writeRemoteWriteBlock(body: Buffer, tenant: string, maxDecodedBytes: number, admit?: Admit): Promise<WriteResult>;
  query(body: unknown, tenant?: string): Promise<QueryResponse>;
  listMetrics(tenant?: string): Promise<string[]>;
  listDimensions(metric: string, tenant?: string): Promise<string[]>;
  listDimensionValues(metric: string, dimension: string, opts?: { limit?: number; prefix?: string }, tenant?: string): Promise<string[]>;
  health(): Promise<HealthReport>;
  /** Flushes buffered writes and closes the engine connection. */
  close(): Promise<void>;
}

export interface LuminateDeps {
  /** An engine; by default one is opened from `config.storage`. */
  engine?: Engine;
  logger?: Logger;
  bus?: EventBus;
  discovery?: Discovery;
  now?: () => number;
}

export function engineTargetOf(config: Config): EngineTarget {
  const ch = config.storage.clickhouse;
  return ch.url !== ''
    ? { type: 'server', url: ch.url, username: ch.username, password: ch.password }
    : { type: 'embedded', dataDir: config.storage.data_dir };
}

/** The configured storage tiers (storage.tiers), or null for a single hot tier. */
export function tiersOf(config: Config): Tiers | null {
  const { warm, cold } = config.storage.tiers;
  const tiers: Tiers = {
    warm: warm.path !== '' ? { path: resolve(warm.path), afterSeconds: durationMs(warm.after) / 1000 } : null,
    cold:
      cold.endpoint !== ''
        ? { endpoint: cold.endpoint.endsWith('/') ? cold.endpoint : `${cold.endpoint}/`, accessKeyId: cold.access_key_id, secretAccessKey: cold.secret_access_key, region: cold.region, afterSeconds: durationMs(cold.after) / 1000 }
        : null,
  };
  return tiers.warm || tiers.cold ? tiers : null;
}

/** The archive bucket when the archive goes to S3. */
export function archiveS3Of(config: Config): S3Location | null {
  const a = config.archive;
  if (!a.enabled || a.s3.endpoint === '') return null;
  return { endpoint: a.s3.endpoint.endsWith('/') ? a.s3.endpoint : `${a.s3.endpoint}/`, accessKeyId: a.s3.access_key_id, secretAccessKey: a.s3.secret_access_key, region: a.s3.region };
}

/** The archive manifest's local copy in the data directory (read when the archive target cannot be). */
export const ARCHIVE_MANIFEST_COPY = 'luminate-archive-manifest.json';

/** Name of the engine configuration Luminate writes into the data directory for the embedded engine. */
export const ENGINE_CONFIG_FILE = 'luminate-engine.xml';

/**
 * Writes the embedded engine's configuration (tiers, archive bucket) into the data directory and
 * returns its path, or removes a stale one and returns undefined when nothing needs configuring.
 */
function prepareEngineConfig(config: Config, dataDir: string): string | undefined {
  mkdirSync(dataDir, { recursive: true });
  const tiers = tiersOf(config);
  checkTierChange(dataDir, tiers);
  const file = join(dataDir, ENGINE_CONFIG_FILE);
  const text = engineConfigXml(tiers, archiveS3Of(config));
  if (text === null) {
    if (existsSync(file)) rmSync(file);
    return undefined;
  }
  // Secrets live in this file: readable by the owner only.
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

export function metaTargetOf(config: Config): MetaTarget {
  const m = config.meta;
  if (m.postgres_url !== '') return { type: 'postgres', url: m.postgres_url };
  return { type: 'sqlite', path: m.sqlite_path !== '' ? m.sqlite_path : join(config.storage.data_dir, 'luminate-meta.sqlite') };
}

export function validationLimitsOf(config: Config): ValidationLimits {
  const c = config.cardinality_limits;
  return {
    maxDimensions: c.max_dimensions_per_metric,
    maxKeyLength: c.max_dimension_key_length,
    maxValueLength: c.max_dimension_value_length,
    maxNameLength: 256,
    maxPastMs: 7 * 86_400_000,
    maxFutureMs: 3_600_000,
  };
}

export function cardinalityLimitsOf(config: Config): CardinalityLimits {
  const c = config.cardinality_limits;
  return {
    maxSeriesPerMetric: c.max_unique_series_per_metric,
    maxMetricsPerTenant: c.max_metrics_per_tenant,
    warningThreshold: c.warning_threshold,
    overflow: c.overflow.map((o) => ({ pattern: o.metric_pattern, dimensions: o.dimensions })),
    tenants: Object.fromEntries(
      Object.entries(c.tenants).map(([t, o]) => [t, { maxSeriesPerMetric: o.max_unique_series_per_metric, maxMetricsPerTenant: o.max_metrics_per_tenant }]),
    ),
  };
}

export function queryLimitsOf(config: Config): QueryLimits {
  const q = config.query_limits;
  return {
    maxTimeoutMs: durationMs(q.max_query_timeout),
    defaultTimeoutMs: Math.min(durationMs(q.default_query_timeout), durationMs(q.max_query_timeout)),
    maxRangeMs: durationMs(q.max_query_time_range),
    maxResultPoints: q.max_result_points,
    maxGroups: q.max_group_by_cardinality,
    shareWindowMs: durationMs(q.share_window),
  };
}

/**
 * Builds every role of the monolith over one engine connection: migrations, retention, the
 * group-commit write queue, acceptor and querier, plus the in-process seams.
 */
export async function createLuminate(config: Config, deps: LuminateDeps = {}): Promise<Luminate> {
  const log = deps.logger;
  const target = engineTargetOf(config);
  const tiers = tiersOf(config);
  const engine = deps.engine ?? (await createEngine(target.type === 'embedded' ? { ...target, configFile: prepareEngineConfig(config, target.dataDir) } : target));
  const store = new Store({ engine, database: config.storage.database, backend: target.type === 'embedded' ? 'embedded' : 'clickhouse' });
  try {
    const applied = await store.migrate((msg) => log?.info(msg));
    if (applied.length > 0) log?.info({ versions: applied }, 'schema migrations applied');
    await applyTierPolicy(store, tiers);
  } catch (err) {
    await store.close().catch(() => {});
    throw new Error(`cannot prepare storage (${target.type === 'embedded' ? `data dir ${target.dataDir}` : target.url}): ${errorMessage(err)}`, { cause: err });
  }

  let meta: MetaDb;
  try {
    meta = await openMetaDb(metaTargetOf(config));
  } catch (err) {
    await store.close().catch(() => {});
    throw new Error(`cannot open the metadata store: ${errorMessage(err)}`, { cause: err });
  }
  const apiKeys = new ApiKeys(meta);
  const policies = new RetentionPolicies(meta);
  const r = config.retention;
  const retention = new RetentionManager({
    store,
    defaults: { raw: durationMs(r.default_retention) / 1000, '1m': durationMs(r.rollup_1m_retention) / 1000, '1h': durationMs(r.rollup_1h_retention) / 1000 },
    mergeIntervalSeconds: durationMs(r.cleanup_interval) / 1000,
    patterns: r.policies.map((p) => {
      const seconds: Partial<TableSeconds> = {};
      if (p.retention !== undefined) seconds.raw = durationMs(p.retention) / 1000;
      if (p.rollup_1m_retention !== undefined) seconds['1m'] = durationMs(p.rollup_1m_retention) / 1000;
      if (p.rollup_1h_retention !== undefined) seconds['1h'] = durationMs(p.rollup_1h_retention) / 1000;
      return { pattern: p.metric_pattern, seconds };
    }),
    explicit: async () => (await policies.list()).map((p) => ({ tenant: p.tenant, metric: p.metric, seconds: p.retention_seconds })),
    tiers,
  });
  try {
    // Not inside `log?.info(…)`: without a logger the optional call would skip the apply too.
    const ttl = await retention.apply();
    log?.info({ ttl }, 'retention rules applied');
  } catch (err) {
    await meta.close();
    await store.close().catch(() => {});
    throw new Error(`cannot apply retention rules: ${errorMessage(err)}`, { cause: err });
  }
  // New metrics may match a pattern: recompute the rules every cleanup interval.
  const cleanup = setInterval(() => {
    retention.apply().catch((err: unknown) => log?.error({ err: errorMessage(err) }, 'retention update failed'));
  }, durationMs(config.retention.cleanup_interval));
  cleanup.unref();

  // Exact series counts, rebuilt from the series table so limits hold across restarts.
  const cardinality = new CardinalityGuard(cardinalityLimitsOf(config), (tenant, { message, ...w }) => {
    log?.warn({ tenant, ...w }, message);
    selfMetrics.onCardinalityWarning(tenant, w.code);
  });
  try {
    const t0 = performance.now();
    const rows = await store.forEachSeriesId(
      (tenant, metric, hi, lo) => cardinality.seed(tenant, metric, hi, lo),
      (page, pages, n) => {
        if (pages > 1) log?.info({ page, pages, rows: n }, 'loading series counts');
      },
    );
    log?.info({ series: cardinality.totalSeries, rows, ms: Math.round(performance.now() - t0), bytes: cardinality.bytes }, 'series counts loaded');
  } catch (err) {
    clearInterval(cleanup);
    await meta.close();
    await store.close().catch(() => {});
    throw new Error(`cannot load series counts: ${errorMessage(err)}`, { cause: err });
  }

  const bus = deps.bus ?? createInProcessEventBus((err) => log?.error({ err }, 'event handler failed'));
  const discovery = deps.discovery ?? createInProcessDiscovery();
  const bw = config.batch_write;
  // The buffer-depth gauge reads the queue when scraped, after both exist.
  const selfMetrics = new SelfMetrics({ store, cardinality, queueStats: () => queue.stats(), storageRefreshMs: durationMs(config.metrics.interval) });
  cardinality.announceLoaded();
  const queue = new WriteBuffer({
    store,
    bus,
    flushMaxPoints: bw.flush_max_points,
    flushIntervalMs: durationMs(bw.flush_interval),
    maxBufferedPoints: bw.max_buffered_points,
    flushAttempts: bw.flush_attempts,
    retryBaseMs: 100,
    onFlush: (f) => {
      selfMetrics.onFlush(f);
      log?.debug(f, 'flush');
    },
    onError: (err, attempt) => log?.warn({ err: errorMessage(err), attempt }, 'flush failed'),
  });
  const cache = new SeriesCache(config.storage.series_cache_size);
  const limits = validationLimitsOf(config);
  const native = bw.native_lane && nativeLane.available;
  if (bw.native_lane && !nativeLane.available) log?.warn({ reason: nativeLane.reason }, 'remote write: the native lane is not available; decoding in JavaScript (slower)');
  const laneWorkers = bw.lane_workers === 'auto' && native ? 0 : laneWorkersOf(bw.lane_workers);
  if (snappyDecoder === 'js') log?.info({ snappy: snappyDecoder }, 'remote write: no native snappy build for this platform; decoding snappy in JavaScript (slower)');
  const lanes =
    laneWorkers > 0
      ? new LanePool({
          size: laneWorkers,
          limits,
          maxBatchSize: bw.max_batch_size,
          onEvent: (level, info, msg) => log?.[level](info, msg),
        })
      : undefined;
  const acceptor = new Acceptor({ queue, cache, cardinality, limits, maxBatchSize: bw.max_batch_size, nativeLane: native, ...(lanes ? { lanes } : {}), ...(deps.now ? { now: deps.now } : {}) });
  // The archive: its manifest says which days are read from Parquet files instead of the table.
  let archiver: Archiver | null = null;
  let rollups: RollupManager | null = null;
  if (config.archive.enabled) {
    const a = config.archive;
    archiver = new Archiver({
      store,
      target: archiveTargetOf(a.dir, a.s3.endpoint),
      afterMs: durationMs(a.after),
      localCopy: join(config.storage.data_dir, ARCHIVE_MANIFEST_COPY),
      ...(config.rollups.enabled
        ? {
            rolledUpTo: () => {
              const w = rollups?.status().watermarks ?? null;
              return w === null ? null : config.rollups.minute_level ? Math.min(w['1m'], w['1h']) : w['1h'];
            },
          }
        : {}),
      ...(deps.now ? { now: deps.now } : {}),
      onProgress: (p) => log?.info(p, `archive: ${p.day} ${p.step}`),
    });
    try {
      await archiver.load();
    } catch (err) {
      clearInterval(cleanup);
      await lanes?.close();
      await meta.close();
      await store.close().catch(() => {});
      throw new Error(`cannot read the archive manifest (${archiver.targetDescription}): ${errorMessage(err)}`, { cause: err });
    }
  }
  // Rollups: refreshed on a timer, off the request path; a first refresh over existing data
  // (an upgrade) backfills a day per statement and logs its progress.
  let rollupTimer: NodeJS.Timeout | undefined;
  if (config.rollups.enabled) {
    const manager = (rollups = new RollupManager({
      store,
      bus,
      minutes: config.rollups.minute_level,
      dimensionMaxValues: config.rollups.dimension_max_values,
      ...(archiver ? { archive: archiver } : {}),
      ...(deps.now ? { now: deps.now } : {}),
      onProgress: (p) => log?.info({ level: p.level, done: new Date(p.done).toISOString(), to: new Date(p.to).toISOString() }, 'rolling up existing data'),
    }));
    await manager.load();
    const tick = () => {
      manager.refresh().then(
        (rep) => log?.debug(rep, 'rollups refreshed'),
        (err: unknown) => log?.error({ err: errorMessage(err) }, 'rollup refresh failed'),
      );
    };
    rollupTimer = setInterval(tick, durationMs(config.rollups.refresh_interval));
    rollupTimer.unref();
    setImmediate(tick);
  }
  const querier = new QueryService({ store, limits: queryLimitsOf(config), bus, onQuery: selfMetrics.onQuery, seriesCount: (t, m) => cardinality.seriesCount(t, m), ...(rollups ? { rollups } : {}), ...(archiver ? { archive: archiver } : {}), ...(deps.now ? { now: deps.now } : {}) });
  // The scheduled archive run (archive.interval; 0s: on demand only).
  let archiveTimer: NodeJS.Timeout | undefined;
  if (archiver !== null && durationMs(config.archive.interval) > 0) {
    const job = archiver;
    const tick = () => {
      job.run().then(
        (rep) => (rep.archived.length + rep.recovered.length > 0 ? log?.info(rep, 'archive run done') : log?.debug(rep, 'archive run: nothing due')),
        (err: unknown) => log?.error({ err: errorMessage(err) }, 'archive run failed'),
      );
    };
    archiveTimer = setInterval(tick, durationMs(config.archive.interval));
    archiveTimer.unref();
    setImmediate(tick);
  }
  const started = Date.now();
  const instanceId = randomUUID();
  for (const role of ALL_ROLES) await discovery.register({ id: `${instanceId}:${role}`, role, address: 'in-process', startedAt: started });

  let closed: Promise<void> | undefined;
  return {
    config,
    store,
    bus,
    discovery,
    queue,
    selfMetrics,
    apiKeys,
    metricMetadata: new MetricMetadataStore(meta),
    dashboards: new DashboardStore(meta),
    async setRetention(tenant, metric, retentionSeconds) {
      const p = await policies.set(tenant, metric, retentionSeconds);
      await retention.apply();
      return { applied_at: p.updated_at };
    },
    cardinality,
    cardinalityReport: (tenant, opts = {}) => cardinalityReport(cardinality, store, tenant, { limit: opts.limit ?? 10, timeoutMs: durationMs(config.query_limits.default_query_timeout) }),
    async deleteBefore(tenant, metric, before) {
      const n = await store.deleteSamplesBefore(metricIdOf(tenant, metric), before);
      await rollups?.deleteBefore(tenant, metric, before);
      return n;
    },
    refreshRollups: () => rollups?.refresh(true) ?? Promise.resolve(null),
    rollupStatus: () => rollups?.status() ?? null,
    runArchive: () => archiver?.run() ?? Promise.resolve(null),
    archiveStatus: () => archiver?.status() ?? null,
    samplesSource: (tenant, start, end) => archiver?.source(store.db, tenant, start, end) ?? null,
    write: (body, tenant = DEFAULT_TENANT, admit) => selfMetrics.observeWrite(tenant, () => acceptor.write(body, tenant, admit)),
    writeSeries: (list, tenant = DEFAULT_TENANT, admit) => selfMetrics.observeWrite(tenant, () => acceptor.writeSeries(list, tenant, admit)),
    writeBytes: (body, tenant = DEFAULT_TENANT, admit) => selfMetrics.observeWrite(tenant, () => acceptor.writeBytes(body, tenant, admit)),
    writeRemoteWrite: (raw, tenant = DEFAULT_TENANT, admit) => selfMetrics.observeWrite(tenant, () => acceptor.writeRemoteWrite(raw, tenant, admit)),
    writeRemoteWriteBlock: (body, tenant, maxDecodedBytes, admit) => selfMetrics.observeWrite(tenant, () => acceptor.writeRemoteWriteBlock(body, tenant, maxDecodedBytes, admit)),
    query: (body, tenant = DEFAULT_TENANT) => selfMetrics.observeQuery(() => querier.query(body, tenant)),
    listMetrics: (tenant = DEFAULT_TENANT) => querier.listMetrics(tenant),
    listDimensions: (metric, tenant = DEFAULT_TENANT) => querier.listDimensions(tenant, metric),
    listDimensionValues: (metric, dimension, opts = {}, tenant = DEFAULT_TENANT) => querier.listDimensionValues(tenant, metric, dimension, opts),
    async health() {
      const uptime_seconds = Math.floor((Date.now() - started) / 1000);
      const ping = await store.ping();
      if (!ping.ok) {
        return { status: 'unhealthy', version: VERSION, storage: { backend: store.backend, status: 'unavailable', error: ping.error }, uptime_seconds };
      }
      try {
        const disk = await store.diskUsedBytes();
        return { status: 'healthy', version: VERSION, storage: { backend: store.backend, status: 'healthy', disk_used_bytes: disk }, uptime_seconds };
      } catch (err) {
        return { status: 'unhealthy', version: VERSION, storage: { backend: store.backend, status: 'unavailable', error: errorMessage(err) }, uptime_seconds };
      }
    },
    close() {
      closed ??= (async () => {
        clearInterval(cleanup);
        clearInterval(rollupTimer);
        clearInterval(archiveTimer);
        await queue.close();
        await lanes?.close();
        await archiver?.close();
        await rollups?.close();
        querier.close();
        for (const role of ALL_ROLES) await discovery.deregister(`${instanceId}:${role}`);
        await bus.close();
        await discovery.close();
        await meta.close();
        await store.close();
      })();
      return closed;
    },
  };
}
