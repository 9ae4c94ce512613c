import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WriteQueueStats } from '../cluster/index.js';
import { LuminateError } from '../errors.js';
import type { CardinalityGuard, WriteResult } from '../ingest/index.js';
import type { QueryResponse, QueryType } from '../query/index.js';
import type { Store } from '../storage/index.js';

export interface SelfMetricsOptions {
  store: Store;
  /** Exact series counts (luminate_series_count, luminate_cardinality_by_metric). */
  cardinality: CardinalityGuard;
  /** Depth of the write queue, read when scraped. */
  queueStats: () => WriteQueueStats;
  /** How long storage figures (size, health) are reused between scrapes. @default 10s */
  storageRefreshMs: number;
  /** Metrics with the most series reported in luminate_cardinality_by_metric. @default 100 */
  topMetrics?: number;
}

interface StorageFigures {
  sizeBytes: number;
  healthy: boolean;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Luminate watching itself (seed 003 "Observability"): the `luminate_*` metrics in Prometheus text
 * format, in a registry of this instance (no process-global state). Write and query figures are
 * counted as requests finish; storage figures are read from the engine when scraped, at most once
 * per `storageRefreshMs`, so a scrape never costs more than a few small queries.
 */
export class SelfMetrics {
  readonly registry = new Registry();
  readonly #o: SelfMetricsOptions;
  #figures: StorageFigures | null = null;
  #figuresAt = 0;
  #refreshing: Promise<StorageFigures> | null = null;

  readonly writeRequests = new Counter({ name: 'luminate_write_requests_total', help: 'Write requests received, by tenant and outcome (success, partial, error).', labelNames: ['tenant_id', 'status'], registers: [this.registry] });
  readonly metricsIngested = new Counter({ name: 'luminate_metrics_ingested_total', help: 'Individual metrics (points) stored.', labelNames: ['tenant_id'], registers: [this.registry] });
  readonly writeErrors = new Counter({ name: 'luminate_write_errors_total', help: 'Rejected points and failed write requests, by error code.', labelNames: ['code'], registers: [this.registry] });
  readonly writeLatency = new Histogram({ name: 'luminate_write_latency_seconds', help: 'Write request latency, until the points are stored.', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly queryRequests = new Counter({ name: 'luminate_query_requests_total', help: 'Queries, by type.', labelNames: ['query_type'], registers: [this.registry] });
  readonly queryErrors = new Counter({ name: 'luminate_query_errors_total', help: 'Failed queries, by type and error code.', labelNames: ['query_type', 'code'], registers: [this.registry] });
  readonly queriesShared = new Counter({ name: 'luminate_queries_shared_total', help: 'Queries answered by an identical query\'s execution (query_limits.share_window), by type.', labelNames: ['query_type'], registers: [this.registry] });
  readonly queryLatency = new Histogram({ name: 'luminate_query_latency_seconds', help: 'Query latency, by type.', labelNames: ['query_type'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly queryResultPoints = new Histogram({ name: 'luminate_query_result_points', help: 'Points (or groups, or values) returned per query.', buckets: [0, 1, 10, 100, 1000, 5000, 10000], registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'luminate_rate_limit_exceeded_total', help: 'Requests refused by a rate limit, by tenant and limit.', labelNames: ['tenant_id', 'limit'], registers: [this.registry] });
  readonly activeQueries = new Gauge({ name: 'luminate_active_queries', help: 'Queries running now.', registers: [this.registry] });
  readonly flushLatency = new Histogram({ name: 'luminate_flush_latency_seconds', help: 'Time to insert one group-commit flush into storage.', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly cardinalityWarnings = new Counter({ name: 'luminate_cardinality_warnings_total', help: 'Cardinality warnings raised (each metric, tenant or dimension once per process), by code: SERIES_LIMIT_APPROACHING, METRIC_LIMIT_APPROACHING, HIGH_CARDINALITY_PATTERN.', labelNames: ['tenant_id', 'code'], registers: [this.registry] });
  readonly flushPoints = new Histogram({ name: 'luminate_flush_points', help: 'Points per group-commit flush.', buckets: [1, 10, 100, 1000, 10000, 50000, 100000, 500000], registers: [this.registry] });

  constructor(options: SelfMetricsOptions) {
    this.#o = options;
    const registers = [this.registry];
    new Gauge({ name: 'luminate_up', help: 'The server is running (1).', registers }).set(1);
    const health: Gauge = new Gauge({
      name: 'luminate_storage_health', help: 'Storage answers (1) or not (0).', registers,
      collect: async () => health.set((await this.#storage()).healthy ? 1 : 0),
    });
    const size: Gauge = new Gauge({
      name: 'luminate_storage_size_bytes', help: 'Bytes on disk of Luminate tables (active parts).', registers,
      collect: async () => size.set((await this.#storage()).sizeBytes),
    });
    const series: Gauge = new Gauge({
      name: 'luminate_series_count', help: 'Unique series counted (exact, every tenant).', registers,
      collect: () => series.set(options.cardinality.totalSeries),
    });
    const byMetric: Gauge = new Gauge({
      name: 'luminate_cardinality_by_metric', help: 'Series per metric (exact), for the metrics with the most series.', labelNames: ['tenant_id', 'metric'], registers,
      collect: () => {
        byMetric.reset();
        for (const m of options.cardinality.top(options.topMetrics ?? 100)) byMetric.set({ tenant_id: m.tenant, metric: m.metric }, m.series);
      },
    });
    const overflow: Counter = new Counter({
      name: 'luminate_cardinality_overflow_points_total', help: 'Points whose new series were folded into __overflow__ at a metric\'s series limit.', labelNames: ['tenant_id'], registers,
      collect: () => {
        overflow.reset();
        for (const [tenant, n] of options.cardinality.overflowPointsByTenant()) overflow.inc({ tenant_id: tenant }, n);
      },
    });
    const buffer: Gauge = new Gauge({
      name: 'luminate_write_buffer_points', help: 'Points accepted and not yet stored (waiting + being flushed).', registers,
      collect: () => {
        const st = options.queueStats();
        buffer.set(st.bufferedPoints + st.inflightPoints);
      },
    });
    // Process figures, read only when scraped. prom-client's collectDefaultMetrics was not used:
    // its per-GC-event observer cost 4.7 CPU-s of the main thread per 10M points ingested
    // (206k vs 227k points/s in the same full-scale bench, docs/benchmarks.md).
    const cpu: Counter = new Counter({
      name: 'luminate_process_cpu_seconds_total', help: 'User and system CPU time of the process.', registers,
      collect: () => {
        const u = process.cpuUsage();
        cpu.reset();
        cpu.inc((u.user + u.system) / 1e6);
      },
    });
    const rss: Gauge = new Gauge({ name: 'luminate_process_resident_memory_bytes', help: 'Resident memory of the process (includes the embedded engine).', registers, collect: () => rss.set(process.memoryUsage.rss()) });
    const heap: Gauge = new Gauge({ name: 'luminate_nodejs_heap_used_bytes', help: 'V8 heap in use.', registers, collect: () => heap.set(process.memoryUsage().heapUsed) });
    new Gauge({ name: 'luminate_process_start_time_seconds', help: 'Start time of the process, unix seconds.', registers }).set(Math.round((Date.now() - process.uptime() * 1000) / 1000));
  }

  /** Counts one write as it finishes (result or error). */
  async observeWrite(tenant: string, write: () => Promise<WriteResult>): Promise<WriteResult> {
    const end = this.writeLatency.startTimer();
    try {
      const r = await write();
      this.writeRequests.inc({ tenant_id: tenant, status: r.rejected > 0 ? 'partial' : 'success' });
      this.metricsIngested.inc({ tenant_id: tenant }, r.accepted);
      for (const e of r.errors) this.writeErrors.inc({ code: e.code });
      return r;
    } catch (err) {
      this.writeRequests.inc({ tenant_id: tenant, status: 'error' });
      this.writeErrors.inc({ code: err instanceof LuminateError ? err.code : 'INTERNAL_ERROR' });
      throw err;
    } finally {
      end();
    }
  }

  /** Tracks one query while it runs; its type and outcome arrive through `onQuery`. */
  async observeQuery(query: () => Promise<QueryResponse>): Promise<QueryResponse> {
    this.activeQueries.inc();
    try {
      const r = await query();
      this.queryResultPoints.observe(r.results.length);
      return r;
    } finally {
      this.activeQueries.dec();
    }
  }

  /** The QueryService hook: one call per query with its type, duration and error code. */
  onQuery = (info: { queryType: QueryType | 'unknown'; ms: number; error?: string; shared?: boolean }): void => {
    this.queryRequests.inc({ query_type: info.queryType });
    if (info.shared === true) this.queriesShared.inc({ query_type: info.queryType });
    this.queryLatency.observe({ query_type: info.queryType }, info.ms / 1000);
    if (info.error !== undefined) this.queryErrors.inc({ query_type: info.queryType, code: info.error });
  };

  /** The cardinality guard's hook: one call per warning raised (once per subject and process). */
  onCardinalityWarning = (tenant: string, code: string): void => {
    this.cardinalityWarnings.inc({ tenant_id: tenant, code });
  };

  /** The write buffer hook: one call per completed flush. */
  onFlush = (info: { points: number; ms: number }): void => {
    this.flushLatency.observe(info.ms / 1000);
    this.flushPoints.observe(info.points);
  };

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async #storage(): Promise<StorageFigures> {
    if (this.#figures !== null && performance.now() - this.#figuresAt < this.#o.storageRefreshMs) return this.#figures;
    this.#refreshing ??= this.#readStorage().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #readStorage(): Promise<StorageFigures> {
    const { store } = this.#o;
    let figures: StorageFigures;
    try {
      figures = { sizeBytes: await store.diskUsedBytes(), healthy: true };
    } catch {
      figures = { sizeBytes: this.#figures?.sizeBytes ?? 0, healthy: false };
    }
    this.#figures = figures;
    this.#figuresAt = performance.now();
    return figures;
  }
}
