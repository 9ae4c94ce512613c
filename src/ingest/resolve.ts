import { Admission, Ceiling, foldDimensions, type CardinalitySession } from './cardinality.js';
import { ingestErrors } from './errors.js';
import { SeriesHasher, idText } from './series-hasher.js';
import { SampleBlockWriter } from './sample-block.js';
import { metricIdWords } from './series-id.js';
import type { SeriesCache } from './series-cache.js';
import type { NewSeries, PointError, TimeSpan, ValidationLimits, WriteBatch } from './types.js';
import { checkDimensions, checkName, checkTimestamp, checkValue, validatePoint } from './validate.js';

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
 * written as a sample block, plus the series this process has not stored yet.
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

/**
 * Series id resolution shared by every write path: the series cache, then the cardinality limits
 * (counted, refused, or folded into `__overflow__`), and the list of series to record.
 */
export class SeriesResolver {
  readonly newSeries: NewSeries[] = [];
  readonly #tenant: string;
  readonly #cache: SeriesCache;
  readonly #cardinality: CardinalitySession | undefined;
  readonly #hasher = new SeriesHasher();
  readonly #keys: string[] = [];
  #pending: Set<string> | undefined;

  /** The 64-bit words of the id `resolve` returned last. */
  get hi(): number {
    return this.#hasher.hi;
  }

  get lo(): number {
    return this.#hasher.lo;
  }

  constructor(tenant: string, cache: SeriesCache, cardinality: CardinalitySession | undefined) {
    this.#tenant = tenant;
    this.#cache = cache;
    this.#cardinality = cardinality;
  }

  /** The id text of a valid series, or the Admission that refused it (metric or series limit). */
  resolve(name: string, dims: Record<string, string> | undefined): string | Admission {
    const hasher = this.#hasher;
    const cardinality = this.#cardinality;
    let dimensions = dims;
    hasher.series(this.#tenant, name, dimensions, this.#keys);
    let id: string | undefined | null = this.#cache.get(hasher.hi, hasher.lo);
    if (id === undefined && cardinality !== undefined) {
      const admission = cardinality.admit(name, hasher.hi, hasher.lo);
      if (admission !== Admission.Existing) cardinality.inspect(name, dimensions);
      if (admission === Admission.MetricLimit || (admission === Admission.SeriesLimit && cardinality.overflowOf(name) === null)) {
        if (admission === Admission.SeriesLimit) cardinality.refused(name);
        return admission;
      }
      if (admission === Admission.SeriesLimit) {
        // Overflow: the offending dimensions' values become __overflow__; if even that series is
        // new past the headroom, every dimension does (one series per metric, always accepted).
        dimensions = foldDimensions(dimensions, cardinality.overflowOf(name));
        id = this.#folded(cardinality, name, dimensions, Ceiling.Folded);
        if (id === null) {
          dimensions = foldDimensions(dimensions, []);
          id = this.#folded(cardinality, name, dimensions, Ceiling.Forced);
        }
        cardinality.folded(name);
      }
    }
    if (id === undefined || id === null) {
      id = idText(hasher.hi, hasher.lo);
      if (!this.#pending?.has(id)) {
        (this.#pending ??= new Set()).add(id);
        this.newSeries.push({ seriesId: id, hi: hasher.hi, lo: hasher.lo, tenant: this.#tenant, metric: name, dimensions: dimensions ?? {} });
      }
    }
    return id;
  }

  /**
   * Hashes a folded series into the hasher: its cached id text, undefined when it must be
   * recorded, null when the ceiling refuses it.
   */
  #folded(cardinality: CardinalitySession, metric: string, dimensions: Record<string, string>, ceiling: Ceiling): string | undefined | null {
    const hasher = this.#hasher;
    hasher.series(this.#tenant, metric, dimensions, this.#keys);
    const id = this.#cache.get(hasher.hi, hasher.lo);
    if (id !== undefined) return id;
    return cardinality.admit(metric, hasher.hi, hasher.lo, ceiling) === Admission.SeriesLimit ? null : undefined;
  }
}

function resolveItems(items: readonly unknown[], opts: ResolveOptions): Resolved {
  const { tenant, limits, now, cache, cardinality } = opts;
  const errors: PointError[] = [];
  const spans = new Map<string, TimeSpan>();
  const resolver = new SeriesResolver(tenant, cache, cardinality);
  const rows = new SampleBlockWriter();
  // Few metrics per batch: their ids are computed once each.
  const metricIds = new Map<string, [number, number]>();

  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const violation = validatePoint(item, now, limits);
    if (violation !== null) {
      const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
      errors.push({ index: i, metric: typeof name === 'string' ? name : null, code: violation.code, error: violation.message });
      continue;
    }
    const p = item as RawItem;
    const id = resolver.resolve(p.name, p.dimensions);
    if (typeof id !== 'string') {
      errors.push({ index: i, metric: p.name, code: 'CARDINALITY_EXCEEDED', error: cardinalityMessage(id, p.name, cardinality!) });
      continue;
    }
    let metricId = metricIds.get(p.name);
    if (metricId === undefined) metricIds.set(p.name, (metricId = metricIdWords(tenant, p.name)));
    rows.add(metricId[0], metricId[1], resolver.hi, resolver.lo, p.timestamp, p.value);
    const span = spans.get(p.name);
    if (span === undefined) spans.set(p.name, { earliest: p.timestamp, latest: p.timestamp });
    else if (p.timestamp > span.latest) span.latest = p.timestamp;
    else if (p.timestamp < span.earliest) span.earliest = p.timestamp;
  }
  const points = rows.rows;
  return { batch: { tenant, points, samples: rows.finish(), newSeries: resolver.newSeries, spans }, errors };
}

/** Many samples of one series, as protocols that group by series send them (remote write). */
export interface SeriesSamples {
  name: string;
  dimensions: Record<string, string>;
  timestamps: readonly number[];
  values: readonly number[];
}

/**
 * The series-oriented write path: each series is validated, hashed and limited once, then each
 * of its samples is checked (timestamp, value) and written. Errors carry the sample's ordinal
 * over the whole request as `index`.
 */
export function resolveSeries(list: readonly SeriesSamples[], opts: ResolveOptions): Resolved {
  const { tenant, limits, now, cache, cardinality } = opts;
  const errors: PointError[] = [];
  const spans = new Map<string, TimeSpan>();
  const resolver = new SeriesResolver(tenant, cache, cardinality);
  const metricIds = new Map<string, [number, number]>();
  const rows = new SampleBlockWriter();
  let ordinal = 0;
  for (const s of list) {
    const n = s.timestamps.length;
    const bad = checkName(s.name, limits.maxNameLength) ?? checkDimensions(s.dimensions, limits);
    let id: string | Admission | undefined;
    if (bad === null) id = resolver.resolve(s.name, s.dimensions);
    if (bad !== null || typeof id !== 'string') {
      const v = bad ?? { code: 'CARDINALITY_EXCEEDED', message: cardinalityMessage(id as Admission, s.name, cardinality!) };
      for (let k = 0; k < n; k++) errors.push({ index: ordinal + k, metric: s.name, code: v.code, error: v.message });
      ordinal += n;
      continue;
    }
    let metricId = metricIds.get(s.name);
    if (metricId === undefined) metricIds.set(s.name, (metricId = metricIdWords(tenant, s.name)));
    const [metricHi, metricLo] = metricId;
    const { hi, lo } = resolver;
    let span = spans.get(s.name);
    for (let k = 0; k < n; k++, ordinal++) {
      const ts = s.timestamps[k]!;
      const value = s.values[k]!;
      const v = checkTimestamp(ts, now, limits) ?? checkValue(value);
      if (v !== null) {
        errors.push({ index: ordinal, metric: s.name, code: v.code, error: v.message });
        continue;
      }
      rows.add(metricHi, metricLo, hi, lo, ts, value);
      if (span === undefined) spans.set(s.name, (span = { earliest: ts, latest: ts }));
      else if (ts > span.latest) span.latest = ts;
      else if (ts < span.earliest) span.earliest = ts;
    }
  }
  const points = rows.rows;
  return { batch: { tenant, points, samples: rows.finish(), newSeries: resolver.newSeries, spans }, errors };
}

function cardinalityMessage(admission: Admission, metric: string, cardinality: CardinalitySession): string {
  const { maxSeriesPerMetric, maxMetricsPerTenant } = cardinality.limits;
  return admission === Admission.MetricLimit
    ? `new metric ${metric} refused: the tenant has reached its limit of ${maxMetricsPerTenant} metrics (cardinality_limits.max_metrics_per_tenant)`
    : `new series of ${metric} refused: the metric has reached its limit of ${maxSeriesPerMetric} series (cardinality_limits.max_unique_series_per_metric); its existing series are still accepted`;
}
