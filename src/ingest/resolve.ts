import { Admission, Ceiling, foldDimensions, type CardinalitySession } from './cardinality.js';
import { ingestErrors } from './errors.js';
import { SeriesHasher, idText } from './series-hasher.js';
import { metricIdOf } from './series-id.js';
import type { SeriesCache } from './series-cache.js';
import type { NewSeries, PointError, ValidationLimits, WriteBatch } from './types.js';
import { validatePoint } from './validate.js';

export interface ResolveOptions {
  tenant: string;
  limits: ValidationLimits;
  /** @default 10_000 (batch_write.max_batch_size) */
  maxBatchSize: number;
  now: number;
  cache: SeriesCache;
  /** Cardinality limits and pattern warnings for this request; none: no limits. */
  cardinality?: CardinalitySession | undefined;
}

export interface Resolved {
  batch: WriteBatch;
  errors: PointError[];
}

interface RawItem {
  name: string;
  timestamp: number;
  value: number;
  dimensions?: Record<string, string>;
}

/**
 * The acceptor's hot path: a parsed write body → validated points resolved to series ids and
 * formatted as TabSeparated sample rows, plus the series this process has not stored yet.
 * Invalid items are reported by index and skipped; the batch-level shape errors throw.
 */
export function resolveWriteBody(body: unknown, opts: ResolveOptions): Resolved {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { metrics?: unknown }).metrics)) {
    throw ingestErrors.create('INVALID_BATCH', 'request body must be a JSON object {"metrics": [...]}', {});
  }
  const items = (body as { metrics: unknown[] }).metrics;
  if (items.length > opts.maxBatchSize) {
    throw ingestErrors.create('BATCH_TOO_LARGE', `batch size exceeds limit: at most ${opts.maxBatchSize} metrics per request`, {
      max_batch_size: opts.maxBatchSize,
      received: items.length,
    });
  }
  return resolveItems(items, opts);
}

function resolveItems(items: readonly unknown[], opts: ResolveOptions): Resolved {
  const { tenant, limits, now, cache, cardinality } = opts;
  const errors: PointError[] = [];
  const newSeries: NewSeries[] = [];
  let pending: Set<string> | undefined;
  const latest = new Map<string, number>();
  const hasher = new SeriesHasher();
  const keys: string[] = [];
  let samples = '';
  let points = 0;
  // Few metrics per batch: their ids (and the row prefix) are computed once each.
  const metricPrefix = new Map<string, string>();

  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const violation = validatePoint(item, now, limits);
    if (violation !== null) {
      const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
      errors.push({ index: i, metric: typeof name === 'string' ? name : null, code: violation.code, error: violation.message });
      continue;
    }
    const p = item as RawItem;
    let dimensions = p.dimensions;
    hasher.series(tenant, p.name, dimensions, keys);
    let id: string | undefined | null = cache.get(hasher.hi, hasher.lo);
    if (id === undefined && cardinality !== undefined) {
      const admission = cardinality.admit(p.name, hasher.hi, hasher.lo);
      if (admission !== Admission.Existing) cardinality.inspect(p.name, dimensions);
      if (admission === Admission.MetricLimit || (admission === Admission.SeriesLimit && cardinality.overflowOf(p.name) === null)) {
        if (admission === Admission.SeriesLimit) cardinality.refused(p.name);
        errors.push({ index: i, metric: p.name, code: 'CARDINALITY_EXCEEDED', error: cardinalityMessage(admission, p.name, cardinality) });
        continue;
      }
      if (admission === Admission.SeriesLimit) {
        // Overflow: the offending dimensions' values become __overflow__; if even that series is
        // new past the headroom, every dimension does (one series per metric, always accepted).
        dimensions = foldDimensions(dimensions, cardinality.overflowOf(p.name));
        id = foldedId(hasher, cache, cardinality, tenant, p.name, dimensions, keys, Ceiling.Folded);
        if (id === null) {
          dimensions = foldDimensions(dimensions, []);
          id = foldedId(hasher, cache, cardinality, tenant, p.name, dimensions, keys, Ceiling.Forced);
        }
        cardinality.folded(p.name);
      }
    }
    if (id === undefined || id === null) {
      id = idText(hasher.hi, hasher.lo);
      if (!pending?.has(id)) {
        (pending ??= new Set()).add(id);
        newSeries.push({ seriesId: id, tenant, metric: p.name, dimensions: dimensions ?? {} });
      }
    }
    let prefix = metricPrefix.get(p.name);
    if (prefix === undefined) metricPrefix.set(p.name, (prefix = metricIdOf(tenant, p.name) + '\t'));
    samples += prefix + id + '\t' + p.timestamp + '\t' + p.value + '\n';
    points++;
    const prev = latest.get(p.name);
    if (prev === undefined || p.timestamp > prev) latest.set(p.name, p.timestamp);
  }
  return { batch: { tenant, points, samples: Buffer.from(samples, 'latin1'), newSeries, latest }, errors };
}

/**
 * The id of a folded series: its cached text, undefined when it must be recorded, null when the
 * ceiling refuses it.
 */
function foldedId(
  hasher: SeriesHasher,
  cache: SeriesCache,
  cardinality: CardinalitySession,
  tenant: string,
  metric: string,
  dimensions: Record<string, string>,
  keys: string[],
  ceiling: Ceiling,
): string | undefined | null {
  hasher.series(tenant, metric, dimensions, keys);
  const id = cache.get(hasher.hi, hasher.lo);
  if (id !== undefined) return id;
  return cardinality.admit(metric, hasher.hi, hasher.lo, ceiling) === Admission.SeriesLimit ? null : undefined;
}

function cardinalityMessage(admission: Admission, metric: string, cardinality: CardinalitySession): string {
  const { maxSeriesPerMetric, maxMetricsPerTenant } = cardinality.limits;
  return admission === Admission.MetricLimit
    ? `new metric ${metric} refused: the tenant has reached its limit of ${maxMetricsPerTenant} metrics (cardinality_limits.max_metrics_per_tenant)`
    : `new series of ${metric} refused: the metric has reached its limit of ${maxSeriesPerMetric} series (cardinality_limits.max_unique_series_per_metric); its existing series are still accepted`;
}
