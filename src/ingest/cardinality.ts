import { globMatches } from '../glob.js';
import { PATTERN_MESSAGES, keyPattern, valuePattern, type PatternReason } from './patterns.js';

/**
 * Cardinality protection (seed 003 "Cardinality Limits", seed 001 "Cardinality Protection").
 *
 * Counts are exact: every (tenant, metric) keeps the set of its series ids (64-bit hashes in an
 * open-addressing table of typed arrays, 9-18 bytes per series). Exact sets, not HyperLogLog,
 * because the limit must tell an existing series (always accepted) from a new one (rejected at the
 * limit), and a sketch cannot: at a million series most new ids leave an HLL unchanged, so a
 * sketch-based check would let ~98% of a flood through. A set stops growing at its limit, so a
 * flood costs no memory. The sets are rebuilt from the engine's series table at start
 * (`Store.seriesIds`), so counts survive a restart.
 *
 * Only a series-cache miss reaches this code: a known series pays nothing here.
 */

/** Set of 64-bit ids (hi, lo): linear probing, backward-shift deletion, grows at 3/4 load. */
export class IdSet {
  #keys: Uint32Array;
  #used: Uint8Array;
  #mask: number;
  #size = 0;

  constructor(slots = 8) {
    this.#keys = new Uint32Array(slots * 2);
    this.#used = new Uint8Array(slots);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#keys.byteLength + this.#used.byteLength;
  }

  has(hi: number, lo: number): boolean {
    const keys = this.#keys;
    const used = this.#used;
    const mask = this.#mask;
    for (let i = lo & mask; used[i] === 1; i = (i + 1) & mask) {
      if (keys[2 * i + 1] === lo && keys[2 * i] === hi) return true;
    }
    return false;
  }

  /** Adds (hi, lo); false when it was present. */
  add(hi: number, lo: number): boolean {
    if ((this.#size + 1) * 4 > this.#used.length * 3) this.#grow();
    const keys = this.#keys;
    const used = this.#used;
    const mask = this.#mask;
    let i = lo & mask;
    for (; used[i] === 1; i = (i + 1) & mask) {
      if (keys[2 * i + 1] === lo && keys[2 * i] === hi) return false;
    }
    used[i] = 1;
    keys[2 * i] = hi;
    keys[2 * i + 1] = lo;
    this.#size++;
    return true;
  }

  /** Removes (hi, lo); false when it was absent. */
  delete(hi: number, lo: number): boolean {
    const keys = this.#keys;
    const used = this.#used;
    const mask = this.#mask;
    let i = lo & mask;
    for (; ; i = (i + 1) & mask) {
      if (used[i] !== 1) return false;
      if (keys[2 * i + 1] === lo && keys[2 * i] === hi) break;
    }
    // Backward shift: move later members of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    used[i] = 0;
    for (let j = (i + 1) & mask; used[j] === 1; j = (j + 1) & mask) {
      const home = keys[2 * j + 1]! & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      keys[2 * i] = keys[2 * j]!;
      keys[2 * i + 1] = keys[2 * j + 1]!;
      used[i] = 1;
      used[j] = 0;
      i = j;
    }
    this.#size--;
    return true;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldUsed = this.#used;
    const slots = oldUsed.length * 2;
    this.#keys = new Uint32Array(slots * 2);
    this.#used = new Uint8Array(slots);
    this.#mask = slots - 1;
    this.#size = 0;
    for (let i = 0; i < oldUsed.length; i++) if (oldUsed[i] === 1) this.add(oldKeys[2 * i]!, oldKeys[2 * i + 1]!);
  }
}

/** The overflow rules and limits, from `cardinality_limits` (docs/config.md). */
export interface CardinalityLimits {
  /** @default 1_000_000 (cardinality_limits.max_unique_series_per_metric) */
  maxSeriesPerMetric: number;
  /** @default 1000 (cardinality_limits.max_metrics_per_tenant) */
  maxMetricsPerTenant: number;
  /** Fraction of a limit at which warnings start. @default 0.8 (cardinality_limits.warning_threshold) */
  warningThreshold: number;
  /**
   * Metrics that fold new series into `__overflow__` at the limit instead of rejecting them; the
   * first matching pattern wins. `dimensions` names the offending dimensions (empty: all of them).
   */
  overflow: readonly { pattern: string; dimensions: readonly string[] }[];
  /** Per-tenant overrides of the two limits. */
  tenants?: Readonly<Record<string, { maxSeriesPerMetric?: number | undefined; maxMetricsPerTenant?: number | undefined }>>;
}

export type CardinalityWarningCode = 'SERIES_LIMIT_APPROACHING' | 'METRIC_LIMIT_APPROACHING' | 'HIGH_CARDINALITY_PATTERN' | 'SERIES_OVERFLOW';

/** A warning in a write response (`warnings[]`), the log, a self-metric and the cardinality view. */
export interface CardinalityWarning {
  code: CardinalityWarningCode;
  metric: string | null;
  message: string;
  /** The dimension a pattern warning is about. */
  dimension?: string;
  reason?: PatternReason;
  /** Series (or metrics, for METRIC_LIMIT_APPROACHING) counted and the limit. */
  count?: number;
  limit?: number;
}

/** The value an offending dimension takes for series folded at the limit. */
export const OVERFLOW_VALUE = '__overflow__';

/** What `CardinalitySession.admit` decided for a series id. */
export const Admission = {
  /** Counted already: accepted. */
  Existing: 0,
  /** New and under the limit: counted now, accepted. */
  New: 1,
  /** New, and the metric is at its series limit. */
  SeriesLimit: 2,
  /** A new metric, and the tenant is at its metric limit. */
  MetricLimit: 3,
} as const;
export type Admission = (typeof Admission)[keyof typeof Admission];

/** How far past the limit a series may be admitted: normal, a folded overflow series, always. */
export const Ceiling = { Limit: 0, Folded: 1, Forced: 2 } as const;
export type Ceiling = (typeof Ceiling)[keyof typeof Ceiling];

export class MetricCardinality {
  readonly ids = new IdSet();
  /** Dimensions folded at the limit ([] = all), or null: new series are rejected. */
  readonly overflow: readonly string[] | null;
  /** Points refused since start because they would have created a series past the limit. */
  rejectedPoints = 0;
  /** Points folded into `__overflow__` since start. */
  overflowPoints = 0;
  /** Dimensions found to look high-cardinality, with why (key → reason). */
  readonly patterns = new Map<string, PatternReason>();
  /** Keys whose names were checked (value: the key-name reason or null). */
  readonly keyChecks = new Map<string, PatternReason | null>();
  /** The threshold warning was announced (log and self-metric): once per process and metric. */
  warned = false;

  constructor(overflow: readonly string[] | null) {
    this.overflow = overflow;
  }
}

/** @internal One tenant's metrics and limits. */
export class TenantCardinality {
  readonly metrics = new Map<string, MetricCardinality>();
  warned = false;
  readonly maxSeries: number;
  readonly maxMetrics: number;

  constructor(maxSeries: number, maxMetrics: number) {
    this.maxSeries = maxSeries;
    this.maxMetrics = maxMetrics;
  }
}

export interface MetricUsage {
  metric: string;
  series: number;
  limit: number;
  usage: number;
  status: 'ok' | 'warning' | 'limited';
  overflow: boolean;
  rejected_points: number;
  overflow_points: number;
  patterns: { dimension: string; reason: PatternReason }[];
}

/** One tenant's usage against the limits, for `GET /api/v1/cardinality`. */
export interface TenantUsage {
  metrics: { count: number; limit: number; usage: number };
  /** This tenant's max_unique_series_per_metric. */
  seriesLimit: number;
  series: number;
  top_metrics: MetricUsage[];
}

/**
 * The process-wide counts. `session(tenant)` opens the per-request view the write path uses;
 * `onWarning` hears each warning once per process (log, self-metric).
 */
export class CardinalityGuard {
  readonly limits: CardinalityLimits;
  readonly #tenants = new Map<string, TenantCardinality>();
  readonly #onWarning: (tenant: string, w: CardinalityWarning) => void;

  constructor(limits: CardinalityLimits, onWarning: (tenant: string, w: CardinalityWarning) => void = () => {}) {
    if (!(limits.warningThreshold > 0 && limits.warningThreshold <= 1)) throw new RangeError('warningThreshold must be in (0, 1]');
    this.limits = limits;
    this.#onWarning = onWarning;
  }

  /** Counts a stored series, without limits (loading the counts at start). */
  seed(tenant: string, metric: string, hi: number, lo: number): void {
    const t = this.#tenant(tenant, true);
    (t.metrics.get(metric) ?? this.create(t, metric)).ids.add(hi, lo);
  }

  /** After seeding: announces metrics and tenants already past the warning threshold. */
  announceLoaded(): void {
    for (const [tenant, t] of this.#tenants) {
      this.checkMetricCount(tenant, t, null);
      for (const [name, m] of t.metrics) this.checkSeriesCount(tenant, t, name, m, null);
    }
  }

  session(tenant: string): CardinalitySession {
    return new CardinalitySession(this, tenant, this.#tenant(tenant, true));
  }

  /** Series counted over every tenant. */
  get totalSeries(): number {
    let n = 0;
    for (const t of this.#tenants.values()) for (const m of t.metrics.values()) n += m.ids.size;
    return n;
  }

  /** Bytes held by the id sets. */
  get bytes(): number {
    let n = 0;
    for (const t of this.#tenants.values()) for (const m of t.metrics.values()) n += m.ids.bytes;
    return n;
  }

  /** Points folded into `__overflow__` since start, per tenant (self-metrics). */
  overflowPointsByTenant(): [string, number][] {
    const out: [string, number][] = [];
    for (const [tenant, t] of this.#tenants) {
      let n = 0;
      for (const m of t.metrics.values()) n += m.overflowPoints;
      if (n > 0) out.push([tenant, n]);
    }
    return out;
  }

  /** A metric's exact series count, null when this process has not seen the metric. */
  seriesCount(tenant: string, metric: string): number | null {
    return this.#tenants.get(tenant)?.metrics.get(metric)?.ids.size ?? null;
  }

  /** The metrics with the most series over every tenant (self-metrics). */
  top(limit: number): { tenant: string; metric: string; series: number }[] {
    const all: { tenant: string; metric: string; series: number }[] = [];
    for (const [tenant, t] of this.#tenants) for (const [metric, m] of t.metrics) all.push({ tenant, metric, series: m.ids.size });
    return all.sort((a, b) => b.series - a.series || (a.metric < b.metric ? -1 : 1)).slice(0, limit);
  }

  /** One tenant's usage against the limits, its `limit` biggest metrics first. */
  usage(tenant: string, limit: number): TenantUsage {
    const t = this.#tenant(tenant, false);
    const o = this.limits.tenants?.[tenant];
    const maxSeriesPerMetric = t?.maxSeries ?? o?.maxSeriesPerMetric ?? this.limits.maxSeriesPerMetric;
    const maxMetricsPerTenant = t?.maxMetrics ?? o?.maxMetricsPerTenant ?? this.limits.maxMetricsPerTenant;
    const { warningThreshold } = this.limits;
    const metrics = [...(t?.metrics ?? new Map<string, MetricCardinality>())];
    let series = 0;
    for (const [, m] of metrics) series += m.ids.size;
    metrics.sort(([an, a], [bn, b]) => b.ids.size - a.ids.size || (an < bn ? -1 : 1));
    return {
      metrics: { count: metrics.length, limit: maxMetricsPerTenant, usage: metrics.length / maxMetricsPerTenant },
      seriesLimit: maxSeriesPerMetric,
      series,
      top_metrics: metrics.slice(0, limit).map(([metric, m]) => {
        const usage = m.ids.size / maxSeriesPerMetric;
        return {
          metric,
          series: m.ids.size,
          limit: maxSeriesPerMetric,
          usage,
          status: m.ids.size >= maxSeriesPerMetric ? 'limited' : usage >= warningThreshold ? 'warning' : 'ok',
          overflow: m.overflow !== null,
          rejected_points: m.rejectedPoints,
          overflow_points: m.overflowPoints,
          patterns: [...m.patterns].map(([dimension, reason]) => ({ dimension, reason })),
        };
      }),
    };
  }

  /** @internal The threshold warning for a metric's series, when due. */
  checkSeriesCount(tenant: string, t: TenantCardinality, metric: string, m: MetricCardinality, session: CardinalitySession | null): void {
    const limit = t.maxSeries;
    if (m.ids.size < this.limits.warningThreshold * limit) return;
    const w = seriesLimitWarning(metric, m.ids.size, limit, m.overflow !== null);
    session?.warn(w, metric);
    if (!m.warned) {
      m.warned = true;
      this.#onWarning(tenant, w);
    }
  }

  /** @internal The threshold warning for a tenant's metric count, when due. */
  checkMetricCount(tenant: string, t: TenantCardinality, session: CardinalitySession | null): void {
    const limit = t.maxMetrics;
    const count = t.metrics.size;
    if (count < this.limits.warningThreshold * limit) return;
    const w = metricLimitWarning(tenant, count, limit);
    session?.warn(w, '');
    if (!t.warned) {
      t.warned = true;
      this.#onWarning(tenant, w);
    }
  }

  /** @internal A pattern found on a metric's dimension: announced once per process. */
  announcePattern(tenant: string, w: CardinalityWarning): void {
    this.#onWarning(tenant, w);
  }

  #tenant(tenant: string, create: true): TenantCardinality;
  #tenant(tenant: string, create: false): TenantCardinality | undefined;
  #tenant(tenant: string, create: boolean): TenantCardinality | undefined {
    let t = this.#tenants.get(tenant);
    if (t === undefined && create) {
      const o = this.limits.tenants?.[tenant];
      t = new TenantCardinality(o?.maxSeriesPerMetric ?? this.limits.maxSeriesPerMetric, o?.maxMetricsPerTenant ?? this.limits.maxMetricsPerTenant);
      this.#tenants.set(tenant, t);
    }
    return t;
  }

  /** @internal A metric's counts, created with its overflow rule. */
  create(t: TenantCardinality, metric: string): MetricCardinality {
    const rule = this.limits.overflow.find((r) => globMatches(r.pattern, metric));
    const m = new MetricCardinality(rule === undefined ? null : rule.dimensions);
    t.metrics.set(metric, m);
    return m;
  }
}

/**
 * One write request's view of the counts. Series it admits are counted at once (so concurrent
 * requests cannot both take the last slot) and undone by `rollback()` when the write fails, so a
 * refused or failed write leaves the counts as they were.
 */
export class CardinalitySession {
  readonly #guard: CardinalityGuard;
  readonly #tenantName: string;
  readonly #tenant: TenantCardinality;
  /** Admitted series: metric state, hi, lo (flat). */
  readonly #added: (MetricCardinality | number)[] = [];
  /** Metrics this request created. */
  readonly #created: string[] = [];
  #warnings: CardinalityWarning[] | null = null;
  #warned: Set<string> | null = null;
  /** Metrics whose threshold warning this request already has. */
  #thresholdWarned: Set<MetricCardinality> | null = null;
  #lastName = '';
  #last: MetricCardinality | null = null;

  constructor(guard: CardinalityGuard, tenantName: string, tenant: TenantCardinality) {
    this.#guard = guard;
    this.#tenantName = tenantName;
    this.#tenant = tenant;
  }

  /** This tenant's limits: series per metric, metrics. */
  get limits(): { maxSeriesPerMetric: number; maxMetricsPerTenant: number } {
    return { maxSeriesPerMetric: this.#tenant.maxSeries, maxMetricsPerTenant: this.#tenant.maxMetrics };
  }

  /** Warnings for the write response. */
  get warnings(): readonly CardinalityWarning[] {
    return this.#warnings ?? [];
  }

  /**
   * Decides one series-cache miss: counted already, counted now, or over a limit. `ceiling` lets
   * a folded overflow series past the limit (by 10%, at least 1) and a fully folded one always.
   */
  admit(metric: string, hi: number, lo: number, ceiling: Ceiling = Ceiling.Limit): Admission {
    const m = this.#metric(metric);
    if (m === null) return Admission.MetricLimit;
    if (m.ids.has(hi, lo)) return Admission.Existing;
    const limit = this.#tenant.maxSeries;
    const max = ceiling === Ceiling.Limit ? limit : ceiling === Ceiling.Folded ? limit + Math.max(1, Math.floor(limit / 10)) : Infinity;
    if (m.ids.size >= max) return Admission.SeriesLimit;
    m.ids.add(hi, lo);
    this.#added.push(m, hi, lo);
    if (m.ids.size >= this.#guard.limits.warningThreshold * limit && !this.#thresholdWarned?.has(m)) {
      (this.#thresholdWarned ??= new Set()).add(m);
      this.#guard.checkSeriesCount(this.#tenantName, this.#tenant, metric, m, this);
    }
    return Admission.New;
  }

  /** The dimensions an overflow metric folds ([] = all), or null when the metric rejects instead. */
  overflowOf(metric: string): readonly string[] | null {
    return this.#metric(metric)?.overflow ?? null;
  }

  /** Counts a point refused at the metric's series limit. */
  refused(metric: string): void {
    const m = this.#metric(metric);
    if (m !== null) m.rejectedPoints++;
  }

  /** Counts a point folded into `__overflow__` and warns once per request. */
  folded(metric: string): void {
    const m = this.#metric(metric);
    if (m === null) return;
    m.overflowPoints++;
    this.warn({ code: 'SERIES_OVERFLOW', metric, limit: this.#tenant.maxSeries, message: `metric ${metric} is at its series limit: new series were folded into ${OVERFLOW_VALUE}` }, metric);
  }

  /**
   * Pattern detection on a series that is new (admitted, or refused at the limit): keys that name
   * per-event ids, values that look like UUIDs, timestamps or long hex ids.
   */
  inspect(metric: string, dimensions: Readonly<Record<string, string>> | undefined): void {
    const m = this.#metric(metric);
    if (m === null || dimensions === undefined) return;
    for (const key in dimensions) {
      let reason = m.patterns.get(key);
      if (reason === undefined) {
        let byKey = m.keyChecks.get(key);
        if (byKey === undefined) m.keyChecks.set(key, (byKey = keyPattern(key)));
        const found = byKey ?? valuePattern(dimensions[key]!);
        if (found === null) continue;
        reason = found;
        m.patterns.set(key, reason);
        this.#guard.announcePattern(this.#tenantName, patternWarning(metric, key, reason));
      }
      this.warn(patternWarning(metric, key, reason), metric + '\0' + key);
    }
  }

  /** Adds a warning to the response, once per request per code and subject. */
  warn(w: CardinalityWarning, subject: string): void {
    const key = w.code + '\0' + subject;
    if (this.#warned?.has(key)) return;
    (this.#warned ??= new Set()).add(key);
    (this.#warnings ??= []).push(w);
  }

  /** Undoes every count this request added (the write failed or was refused). */
  rollback(): void {
    const added = this.#added;
    for (let i = 0; i < added.length; i += 3) (added[i] as MetricCardinality).ids.delete(added[i + 1] as number, added[i + 2] as number);
    added.length = 0;
    for (const name of this.#created) if (this.#tenant.metrics.get(name)?.ids.size === 0) this.#tenant.metrics.delete(name);
    this.#created.length = 0;
    this.#lastName = '';
    this.#last = null;
  }

  #metric(metric: string): MetricCardinality | null {
    if (this.#last !== null && metric === this.#lastName) return this.#last;
    let m = this.#tenant.metrics.get(metric) ?? null;
    if (m === null) {
      if (this.#tenant.metrics.size >= this.#tenant.maxMetrics) return null;
      m = this.#guard.create(this.#tenant, metric);
      this.#created.push(metric);
      this.#guard.checkMetricCount(this.#tenantName, this.#tenant, this);
    }
    this.#lastName = metric;
    this.#last = m;
    return m;
  }
}

/** The warning for a metric at or past the warning threshold of its series limit. */
export function seriesLimitWarning(metric: string, count: number, limit: number, overflow: boolean): CardinalityWarning {
  return {
    code: 'SERIES_LIMIT_APPROACHING',
    metric,
    count,
    limit,
    message: `metric ${metric} has ${count} of its ${limit} series (cardinality_limits.max_unique_series_per_metric); ${overflow ? `new series past the limit fold into ${OVERFLOW_VALUE}` : 'new series past the limit are rejected'}`,
  };
}

/** The warning for a tenant at or past the warning threshold of its metric limit. */
export function metricLimitWarning(tenant: string, count: number, limit: number): CardinalityWarning {
  return {
    code: 'METRIC_LIMIT_APPROACHING',
    metric: null,
    count,
    limit,
    message: `tenant ${tenant} has ${count} of its ${limit} metrics (cardinality_limits.max_metrics_per_tenant); new metrics past the limit are rejected`,
  };
}

/** The warning for a dimension that looks high-cardinality. */
export function patternWarning(metric: string, dimension: string, reason: PatternReason): CardinalityWarning {
  return {
    code: 'HIGH_CARDINALITY_PATTERN',
    metric,
    dimension,
    reason,
    message: `dimension ${dimension} of metric ${metric} looks high-cardinality (${PATTERN_MESSAGES[reason]}): every distinct value is a new series`,
  };
}

/** The dimensions of a series folded at the limit: the offending ones (or all) → `__overflow__`. */
export function foldDimensions(dimensions: Readonly<Record<string, string>> | undefined, fold: readonly string[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (dimensions === undefined) return out;
  const offending = fold?.filter((k) => Object.hasOwn(dimensions, k)) ?? [];
  // defineProperty: even a key named __proto__ stays data.
  for (const k of Object.keys(dimensions)) {
    const value = offending.length === 0 || offending.includes(k) ? OVERFLOW_VALUE : dimensions[k]!;
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
