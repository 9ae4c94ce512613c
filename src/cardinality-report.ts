import { keyPattern, metricLimitWarning, patternWarning, seriesLimitWarning, valuePattern, type CardinalityGuard, type CardinalityWarning, type MetricUsage, type PatternReason } from './ingest/index.js';
import type { Store } from './storage/index.js';

/** `GET /api/v1/cardinality`: one tenant's usage against its limits (docs/api.md). */
export interface CardinalityReport {
  tenant: string;
  limits: { max_unique_series_per_metric: number; max_metrics_per_tenant: number; warning_threshold: number };
  metrics: { count: number; limit: number; usage: number };
  /** Series over every metric of the tenant (exact). */
  series: number;
  /** The metrics with the most series (exact counts). */
  top_metrics: MetricUsage[];
  /** The dimensions with the most distinct values (engine `uniq`, within ~1%). */
  top_dimensions: { metric: string; dimension: string; distinct_values: number; pattern: PatternReason | null }[];
  warnings: CardinalityWarning[];
}

/**
 * Exact series counts from the in-memory guard; distinct values per dimension from the engine's
 * series table (so a restart loses nothing), pattern-checked on a few sample values each.
 */
export async function cardinalityReport(guard: CardinalityGuard, store: Store, tenant: string, opts: { limit: number; timeoutMs: number }): Promise<CardinalityReport> {
  const usage = guard.usage(tenant, Number.MAX_SAFE_INTEGER);
  const threshold = guard.limits.warningThreshold;
  const dims = await store.topDimensions(tenant, opts.limit, opts.timeoutMs);
  const warnings: CardinalityWarning[] = [];
  if (usage.metrics.usage >= threshold) warnings.push(metricLimitWarning(tenant, usage.metrics.count, usage.metrics.limit));
  const patterns = new Map<string, PatternReason>();
  for (const m of usage.top_metrics) {
    if (m.usage >= threshold) warnings.push(seriesLimitWarning(m.metric, m.series, m.limit, m.overflow));
    for (const p of m.patterns) patterns.set(m.metric + '\0' + p.dimension, p.reason);
  }
  const top_dimensions = dims.map((d) => {
    const key = d.metric + '\0' + d.dimension;
    let pattern = patterns.get(key) ?? keyPattern(d.dimension);
    for (const v of d.samples) pattern ??= valuePattern(v);
    if (pattern !== null) patterns.set(key, pattern);
    return { metric: d.metric, dimension: d.dimension, distinct_values: d.distinct_values, pattern };
  });
  for (const [key, reason] of patterns) {
    const [metric, dimension] = key.split('\0') as [string, string];
    warnings.push(patternWarning(metric, dimension, reason));
  }
  return {
    tenant,
    limits: { max_unique_series_per_metric: usage.seriesLimit, max_metrics_per_tenant: usage.metrics.limit, warning_threshold: threshold },
    metrics: usage.metrics,
    series: usage.series,
    top_metrics: usage.top_metrics.slice(0, opts.limit),
    top_dimensions,
    warnings,
  };
}
