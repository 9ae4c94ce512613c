import type { EventBus } from '../cluster/index.js';
import type { RollupCoverage, Store } from '../storage/index.js';
import { isEngineTimeout, wrapEngineError } from '../storage/index.js';
import { LuminateError } from '../errors.js';
import { DimensionsCache } from './dims-cache.js';
import { queryErrors } from './errors.js';
import { DEFAULT_VALUES_LIMIT, QUERY_TYPES, parseQuery, type QueryLimits, type QueryType } from './model.js';
import { plan, type Plan, type PlannedResolution, type SqlPlan } from './planner.js';

export interface RangePoint {
  timestamp: number;
  value: number;
  dimensions: Record<string, string>;
}
export interface AggregatePoint {
  groupKey: Record<string, string>;
  /** Start of the bucket (unix ms); present only when the query set an `interval`. */
  timestamp?: number;
  value: number;
  count: number;
}
export interface RatePoint {
  groupKey: Record<string, string>;
  timestamp: number;
  rate: number;
}

/** The answer of `POST /api/v1/query`. `truncated` is true when an explicit `limit` cut a range answer. */
export type QueryResponse =
  | { queryType: 'range'; results: RangePoint[]; executionTimeMs: number; truncated: boolean }
  | { queryType: 'aggregate'; results: AggregatePoint[]; executionTimeMs: number; resolution: PlannedResolution }
  | { queryType: 'rate'; results: RatePoint[]; executionTimeMs: number; resolution: PlannedResolution }
  | { queryType: 'listDimensionValues'; results: string[]; executionTimeMs: number };

export interface QueryServiceOptions {
  store: Store;
  limits: QueryLimits;
  /** Where writers announce new points: a shared answer of a metric is dropped when its points change. */
  bus?: EventBus;
  /** How far the rollups of a metric are materialised; without it every query reads raw samples. */
  rollups?: { coverage(tenant: string, metric: string): RollupCoverage | null };
  /** A metric's exact series count when this process knows it (the cardinality guard's): picks the raw join (planner, GROUPED). */
  seriesCount?: (tenant: string, metric: string) => number | null;
  /** Archived days: what raw reads come from for a tenant and range (null: the samples table alone). */
  archive?: { source(db: string, tenant: string, start: number, end: number): string | null; readonly version: number };
  now?: () => number;
  /** Called once per query with its type, duration and outcome (self-metrics hook); `shared` when it joined another's execution. */
  onQuery?: (info: { queryType: QueryType | 'unknown'; ms: number; error?: string; shared?: boolean }) => void;
}

interface SharedAnswer {
  answer: Promise<QueryResponse>;
}

/** How long past the engine's own limit we wait before giving up on a query (queued behind others). */
const CLIENT_GRACE_MS = 2_000;

/** The querier role: runs JSON queries and discovery calls for one tenant at a time. */
export class QueryService {
  readonly #store: Store;
  readonly #limits: QueryLimits;
  readonly #now: () => number;
  readonly #onQuery: QueryServiceOptions['onQuery'];
  readonly #rollups: QueryServiceOptions['rollups'];
  readonly #archive: QueryServiceOptions['archive'];
  readonly #seriesCount: QueryServiceOptions['seriesCount'];
  readonly #dims = new DimensionsCache();
  /** tenant \0 metric → resolved query → its answer (see `query_limits.share_window`). */
  readonly #shared = new Map<string, Map<string, SharedAnswer>>();
  readonly #shareWindowMs: number;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(opts: QueryServiceOptions) {
    this.#store = opts.store;
    this.#limits = opts.limits;
    this.#now = opts.now ?? Date.now;
    this.#onQuery = opts.onQuery;
    this.#rollups = opts.rollups;
    this.#archive = opts.archive;
    this.#seriesCount = opts.seriesCount;
    this.#shareWindowMs = opts.limits.shareWindowMs ?? 1_000;
    // New points of a metric make its shared answers stale: the next identical query runs again,
    // so a query after an acknowledged write always sees it.
    this.#unsubscribe = opts.bus?.subscribe((e) => this.#shared.delete(e.tenant + '\u0000' + e.metric));
  }

  /** Stops listening to the bus. */
  close(): void {
    this.#unsubscribe?.();
    this.#shared.clear();
  }

  async query(body: unknown, tenant: string): Promise<QueryResponse> {
    const started = performance.now();
    // Label even a rejected query by its declared type when that type exists.
    const declared = typeof body === 'object' && body !== null ? (body as { queryType?: unknown }).queryType : undefined;
    const queryType: QueryType | 'unknown' = (QUERY_TYPES as readonly unknown[]).includes(declared) ? (declared as QueryType) : 'unknown';
    let shared = false;
    try {
      const q = parseQuery(body, tenant, this.#limits, this.#now());
      const coverage = q.type === 'listDimensionValues' ? null : (this.#rollups?.coverage(tenant, q.metric) ?? null);
      const samples = q.type === 'listDimensionValues' ? null : (this.#archive?.source(this.#store.db, tenant, q.start, q.end) ?? null);
      const count = q.type === 'listDimensionValues' ? null : (this.#seriesCount?.(tenant, q.metric) ?? null);
      const run = () => this.#execute(plan(this.#store.db, q, coverage, samples, count), q.timeoutMs, started);
      let response: QueryResponse;
      if (this.#shareWindowMs > 0) {
        // Coverage and archive are part of the key: a refresh or an archive run changes which
        // plan runs (not the answer).
        const r = this.#share(tenant + '\u0000' + q.metric, JSON.stringify([q, coverage, this.#archive?.version ?? 0]), run);
        shared = r.shared;
        response = await r.answer;
      } else {
        response = await run();
      }
      this.#onQuery?.({ queryType, ms: performance.now() - started, ...(shared ? { shared } : {}) });
      return response;
    } catch (err) {
      this.#onQuery?.({ queryType, ms: performance.now() - started, error: err instanceof LuminateError ? err.code : 'INTERNAL_ERROR', ...(shared ? { shared } : {}) });
      throw err;
    }
  }

  /**
   * One execution for identical resolved queries within the share window: the answer (or the
   * error) of the running or just-finished one. Dropped when the metric gets new points (bus), or
   * when it failed, so a retry runs again. Callers receive the same answer object: read it only.
   */
  #share(metricKey: string, key: string, run: () => Promise<QueryResponse>): { answer: Promise<QueryResponse>; shared: boolean } {
    // An entry lives while its execution runs and for the window after it succeeds.
    let perMetric = this.#shared.get(metricKey);
    const hit = perMetric?.get(key);
    if (hit !== undefined) return { answer: hit.answer, shared: true };
    if (perMetric === undefined) this.#shared.set(metricKey, (perMetric = new Map<string, SharedAnswer>()));
    const entry: SharedAnswer = { answer: run() };
    perMetric.set(key, entry);
    const forget = () => {
      const m = this.#shared.get(metricKey);
      if (m?.get(key) !== entry) return; // replaced, or dropped by new points
      m.delete(key);
      if (m.size === 0) this.#shared.delete(metricKey);
    };
    entry.answer.then(() => setTimeout(forget, this.#shareWindowMs).unref(), forget);
    return { answer: entry.answer, shared: false };
  }

  async listMetrics(tenant: string): Promise<string[]> {
    const rows = await this.#rows<{ metric: string }>(
      { sql: `SELECT DISTINCT metric FROM ${this.#store.db}.series WHERE tenant = {tenant:String} ORDER BY metric`, params: { tenant } },
      this.#limits.defaultTimeoutMs,
    );
    return rows.map((r) => r.metric);
  }

  async listDimensions(tenant: string, metric: string): Promise<string[]> {
    const rows = await this.#rows<{ key: string }>(
      {
        sql: `SELECT DISTINCT arrayJoin(mapKeys(dimensions)) AS key FROM ${this.#store.db}.series WHERE tenant = {tenant:String} AND metric = {metric:String} ORDER BY key`,
        params: { tenant, metric },
      },
      this.#limits.defaultTimeoutMs,
    );
    if (rows.length === 0) await this.#assertMetricExists(tenant, metric);
    return rows.map((r) => r.key);
  }

  /** Values of one dimension, most frequent (by number of series) first. */
  async listDimensionValues(tenant: string, metric: string, dimension: string, opts: { limit?: number; prefix?: string } = {}): Promise<string[]> {
    const body = { queryType: 'listDimensionValues', metricName: metric, dimension, limit: opts.limit ?? DEFAULT_VALUES_LIMIT, ...(opts.prefix ? { prefix: opts.prefix } : {}) };
    const r = await this.query(body, tenant);
    if (r.queryType !== 'listDimensionValues') throw new Error('unreachable');
    if (r.results.length === 0 && !opts.prefix) await this.#assertMetricExists(tenant, metric);
    return r.results;
  }

  async #assertMetricExists(tenant: string, metric: string): Promise<void> {
    const rows = await this.#rows<{ one: number }>(
      { sql: `SELECT 1 AS one FROM ${this.#store.db}.series WHERE tenant = {tenant:String} AND metric = {metric:String} LIMIT 1`, params: { tenant, metric } },
      this.#limits.defaultTimeoutMs,
    );
    if (rows.length === 0) throw queryErrors.create('METRIC_NOT_FOUND', `metric ${metric} has no series`, { metric });
  }

  async #rows<T>(p: SqlPlan, timeoutMs: number): Promise<T[]> {
    const signal = AbortSignal.timeout(timeoutMs + CLIENT_GRACE_MS);
    try {
      return await this.#store.rows<T>(p.sql, { params: p.params, timeoutMs, signal, ...(p.settings ? { settings: p.settings } : {}) });
    } catch (err) {
      if (isEngineTimeout(err) || signal.aborted) {
        throw queryErrors.create('QUERY_TIMEOUT', `query exceeded its timeout of ${timeoutMs} ms and was cancelled`, { timeout_ms: timeoutMs }, err);
      }
      throw wrapEngineError(err, 'query failed');
    }
  }

  async #execute(p: Plan, timeoutMs: number, started: number): Promise<QueryResponse> {
    const elapsed = () => Math.round(performance.now() - started);
    switch (p.type) {
      case 'range': {
        const rows = await this.#rows<{ sid: string; t: number | string; v: number }>(p.samples, timeoutMs);
        const truncated = rows.length > p.limit;
        if (truncated && !p.explicitLimit) {
          throw queryErrors.create('RESULT_TOO_LARGE', `range answer exceeds ${p.limit} points (query_limits.max_result_points); narrow the range or add filters`, {
            max_result_points: p.limit,
          });
        }
        if (truncated) rows.length = p.limit;
        // Dimensions of the series in the answer: cached ones (they never change) and one
        // statement for the rest.
        const missing = [...new Set(rows.map((r) => r.sid))].filter((id) => this.#dims.get(id) === undefined);
        if (missing.length > 0) {
          for (const d of await this.#rows<{ sid: string; dimensions: Record<string, string> }>(p.dimensionsSql(missing), timeoutMs)) this.#dims.set(d.sid, d.dimensions);
        }
        const results = rows.map((r) => ({ timestamp: Number(r.t), value: r.v, dimensions: this.#dims.get(r.sid) ?? {} }));
        return { queryType: 'range', results, executionTimeMs: elapsed(), truncated };
      }
      case 'aggregate': {
        if (p.bucketed) {
          const results: AggregatePoint[] = [];
          forEachBucket(await this.#rows<Row | RankedRow>(p.main, timeoutMs), p, 'value', 'count', (groupKey, timestamp, value, count) => results.push({ groupKey, timestamp, value, count }));
          return { queryType: 'aggregate', results, executionTimeMs: elapsed(), resolution: p.resolution };
        }
        const rows = await this.#rows<Row>(p.main, timeoutMs);
        if (!p.explicitLimit && rows.length > p.limit) throw tooManyGroups(p.limit);
        const results: AggregatePoint[] = [];
        for (const r of rows) {
          const count = Number(r.count);
          if (count === 0) continue; // an ungrouped aggregate over no data
          results.push({ groupKey: groupKeyOf(p.groupBy, r), value: Number(r.value), count });
        }
        return { queryType: 'aggregate', results, executionTimeMs: elapsed(), resolution: p.resolution };
      }
      case 'rate': {
        const results: RatePoint[] = [];
        forEachBucket(await this.#rows<Row | RankedRow>(p.main, timeoutMs), p, 'rate', 'deltas', (groupKey, timestamp, rate) => results.push({ groupKey, timestamp, rate }));
        return { queryType: 'rate', results, executionTimeMs: elapsed(), resolution: p.resolution };
      }
      case 'listDimensionValues': {
        const rows = await this.#rows<{ value: string }>(p.main, timeoutMs);
        return { queryType: 'listDimensionValues', results: rows.map((r) => r.value), executionTimeMs: elapsed() };
      }
    }
  }
}

type Row = Record<string, string | number | null | undefined>;
/** A ranked group (planner's rankGroups): its group columns and rank, its buckets as aligned arrays. */
type RankedRow = Record<string, string | number | null | undefined | readonly (string | number)[]> & { bb: readonly (string | number)[]; bv: readonly (string | number)[]; bc: readonly (string | number)[] };

function groupKeyOf(groupBy: readonly string[], row: Row): Record<string, string> {
  return Object.fromEntries(groupBy.map((k, i) => [k, String(row[`g${i}`] ?? '')]));
}

/**
 * The points of a per-bucket answer, group by group: rows as planned (a row per point, or, when
 * grouped, a ranked group per row with its buckets as arrays: rankGroups in the planner), each
 * group's buckets in time order. Too many ranked groups, or more points than max_result_points, is
 * an error, never a cut. Points of a group share one groupKey object: building a row object per
 * point first cost ~20 ms of a 7,210-point answer.
 */
function forEachBucket(
  rows: readonly (Row | RankedRow)[],
  p: { groupBy: readonly string[]; explicitLimit: boolean; limit: number; maxPoints: number },
  col: string,
  other: string,
  emit: (groupKey: Record<string, string>, timestamp: number, value: number, other: number) => void,
): void {
  if (!p.explicitLimit && rows.some((r) => Number(r.rk) > p.limit)) throw tooManyGroups(p.limit);
  let points = 0;
  for (const r of rows) points += Array.isArray(r.bb) ? r.bb.length : 1;
  if (points > p.maxPoints) {
    throw queryErrors.create('RESULT_TOO_LARGE', `answer exceeds ${p.maxPoints} points (query_limits.max_result_points); widen the interval, filter, or set a smaller limit`, {
      max_result_points: p.maxPoints,
    });
  }
  for (const r of rows) {
    const groupKey = groupKeyOf(p.groupBy, r as Row);
    if (!Array.isArray(r.bb)) {
      emit(groupKey, Number(r.bucket), Number(r[col]), Number(r[other]));
      continue;
    }
    const { bb, bv, bc } = r as RankedRow;
    const order = Array.from(bb, (_, i) => i).sort((a, b) => Number(bb[a]) - Number(bb[b]));
    for (const i of order) emit(groupKey, Number(bb[i]), Number(bv[i]), Number(bc[i]));
  }
}

function tooManyGroups(max: number): LuminateError {
  return queryErrors.create('TOO_MANY_GROUPS', `answer has more than ${max} groups (query_limits.max_group_by_cardinality); set a limit for top-N or add filters`, {
    max_group_by_cardinality: max,
  });
}
