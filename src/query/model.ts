import { NAME_PATTERN, RESERVED_DIMENSION_KEYS } from '../ingest/index.js';
import { queryErrors } from './errors.js';
import { formatDuration, parseDuration, resolveTimeRange } from './time.js';

export const QUERY_TYPES = ['range', 'aggregate', 'rate', 'listDimensionValues'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];
export const AGGREGATIONS = ['avg', 'sum', 'count', 'min', 'max', 'p50', 'p95', 'p99', 'integral'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];
/** Where an aggregate or rate is computed from: `auto` picks a rollup when it gives the same answer. */
export const RESOLUTIONS = ['auto', 'raw', '1m', '1h'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** The seed's JSON query (seed 003 "JSON Query Language"), as clients send it. */
export interface QueryRequest {
  queryType: QueryType;
  metricName: string;
  timeRange?: { start?: string; end?: string; relative?: string };
  /** Equality per dimension; an array matches any of its values (multi-select variables). */
  filters?: Record<string, string | string[]>;
  aggregation?: Aggregation;
  groupBy?: string[];
  /** rate: the rate bucket; aggregate: optional, one value per group and bucket instead of one per group. */
  interval?: string;
  limit?: number;
  timeout?: string;
  /** listDimensionValues only. */
  dimension?: string;
  /** listDimensionValues only: keep values starting with this. */
  prefix?: string;
  /** aggregate and rate: `raw` forces raw samples; `1m` / `1h` a rollup level. @default "auto" */
  resolution?: Resolution;
}

/** query_limits, in milliseconds and counts. */
export interface QueryLimits {
  /** @default 30_000 */
  maxTimeoutMs: number;
  /** @default 10_000 */
  defaultTimeoutMs: number;
  /** @default 90 days */
  maxRangeMs: number;
  /** @default 10_000 */
  maxResultPoints: number;
  /** @default 1_000 */
  maxGroups: number;
  /** Identical queries within this many ms share one execution (0: never). @default 1_000 */
  shareWindowMs?: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxTimeoutMs: 30_000,
  defaultTimeoutMs: 10_000,
  maxRangeMs: 90 * 86_400_000,
  maxResultPoints: 10_000,
  maxGroups: 1_000,
};

/** Default number of values listDimensionValues returns. */
export const DEFAULT_VALUES_LIMIT = 100;

/** Most values one filter may list. */
export const MAX_FILTER_VALUES = 100;

interface Common {
  tenant: string;
  metric: string;
  start: number;
  end: number;
  /** Dimension key → the values it may take (one for equality, several for "any of"). */
  filters: [string, string[]][];
  timeoutMs: number;
  /** Rows/groups to return; `explicitLimit` says whether the client chose it (top-N) or it is the cap. */
  limit: number;
  explicitLimit: boolean;
  /** query_limits.max_result_points, carried so the planner can detect an oversized answer. */
  maxPoints: number;
}

export type ParsedQuery =
  | ({ type: 'range' } & Common)
  | ({ type: 'aggregate'; aggregation: Aggregation; groupBy: string[]; /** Set: one value per group and bucket. */ intervalMs?: number; resolution: Resolution } & Common)
  | ({ type: 'rate'; intervalMs: number; groupBy: string[]; resolution: Resolution } & Common)
  | { type: 'listDimensionValues'; tenant: string; metric: string; dimension: string; prefix: string; limit: number; timeoutMs: number };

function invalid(message: string, field: string, received?: unknown): never {
  throw queryErrors.create('INVALID_QUERY', message, received === undefined ? { field } : { field, received });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKey(key: unknown, field: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 128 || !NAME_PATTERN.test(key)) {
    invalid(`${field}: dimension keys must match ${NAME_PATTERN.source} (1-128 characters)`, field, key);
  }
  if (RESERVED_DIMENSION_KEYS.has(key)) invalid(`${field}: ${key} is reserved; queries are scoped to your tenant`, field);
  return key;
}

const KNOWN_FIELDS = new Set([
  'queryType', 'metricName', 'timeRange', 'filters', 'aggregation', 'groupBy', 'interval', 'limit', 'timeout', 'dimension', 'prefix', 'resolution',
]);

/**
 * Validates a JSON query and resolves it against the clock and the limits: every rule here gives
 * INVALID_QUERY (or TIME_RANGE_TOO_LARGE / RESULT_TOO_LARGE) naming the field, before any SQL runs.
 */
export function parseQuery(body: unknown, tenant: string, limits: QueryLimits, now: number): ParsedQuery {
  if (!isObject(body)) invalid('query must be a JSON object', 'body');
  for (const k of Object.keys(body)) if (!KNOWN_FIELDS.has(k)) invalid(`unknown field ${k}`, k);

  const queryType = body.queryType;
  if (typeof queryType !== 'string' || !(QUERY_TYPES as readonly string[]).includes(queryType)) {
    invalid(`queryType must be one of ${QUERY_TYPES.join(', ')}`, 'queryType', queryType);
  }
  const metric = body.metricName;
  if (typeof metric !== 'string' || metric.length === 0 || metric.length > 256 || !NAME_PATTERN.test(metric)) {
    invalid(`metricName must match ${NAME_PATTERN.source} (1-256 characters)`, 'metricName', metric);
  }

  let timeoutMs = limits.defaultTimeoutMs;
  if (body.timeout !== undefined) {
    const t = typeof body.timeout === 'string' ? parseDuration(body.timeout, ['ms', 's', 'm']) : null;
    if (t === null || t <= 0) invalid('timeout must be a duration such as 500ms or 10s', 'timeout', body.timeout);
    if (t > limits.maxTimeoutMs) invalid(`timeout must be at most ${formatDuration(limits.maxTimeoutMs)} (query_limits.max_query_timeout)`, 'timeout', body.timeout);
    timeoutMs = t;
  }

  let limit: number | undefined;
  if (body.limit !== undefined) {
    if (typeof body.limit !== 'number' || !Number.isInteger(body.limit) || body.limit < 1) {
      invalid('limit must be a positive integer', 'limit', body.limit);
    }
    limit = body.limit;
  }

  if (queryType === 'listDimensionValues') {
    for (const f of ['timeRange', 'filters', 'aggregation', 'groupBy', 'interval', 'resolution'] as const) {
      if (body[f] !== undefined) invalid(`${f} does not apply to listDimensionValues`, f);
    }
    const dimension = checkKey(body.dimension, 'dimension');
    const prefix = body.prefix ?? '';
    if (typeof prefix !== 'string' || prefix.length > 256) invalid('prefix must be a string of at most 256 characters', 'prefix');
    const max = limits.maxResultPoints;
    if (limit !== undefined && limit > max) invalid(`limit must be at most ${max} (query_limits.max_result_points)`, 'limit', limit);
    return { type: 'listDimensionValues', tenant, metric, dimension, prefix, limit: limit ?? DEFAULT_VALUES_LIMIT, timeoutMs };
  }
  if (body.dimension !== undefined || body.prefix !== undefined) invalid('dimension and prefix apply only to listDimensionValues', 'dimension');

  if (body.timeRange !== undefined && !isObject(body.timeRange)) invalid('timeRange must be an object', 'timeRange');
  const { start, end } = resolveTimeRange(body.timeRange, now);
  if (end - start > limits.maxRangeMs) {
    throw queryErrors.create('TIME_RANGE_TOO_LARGE', `time range is longer than ${formatDuration(limits.maxRangeMs)} (query_limits.max_query_time_range)`, {
      max_query_time_range: formatDuration(limits.maxRangeMs),
      requested_ms: end - start,
    });
  }

  const filters: [string, string[]][] = [];
  if (body.filters !== undefined) {
    if (!isObject(body.filters)) invalid('filters must be an object of dimension key to value', 'filters');
    for (const [k, v] of Object.entries(body.filters)) {
      checkKey(k, `filters.${k}`);
      const values = Array.isArray(v) ? v : [v];
      if (values.length === 0 || values.length > MAX_FILTER_VALUES) {
        invalid(`filters.${k} must be a string or an array of 1-${MAX_FILTER_VALUES} strings`, `filters.${k}`, v);
      }
      for (const x of values) {
        if (typeof x !== 'string' || x.length === 0 || x.length > 256) invalid(`filters.${k} values must be strings of 1-256 characters`, `filters.${k}`, x);
      }
      filters.push([k, [...new Set(values as string[])]]);
    }
  }

  let groupBy: string[] = [];
  if (body.groupBy !== undefined) {
    if (!Array.isArray(body.groupBy) || body.groupBy.length > 20) invalid('groupBy must be an array of at most 20 dimension keys', 'groupBy');
    groupBy = body.groupBy.map((k, i) => checkKey(k, `groupBy[${i}]`));
    if (new Set(groupBy).size !== groupBy.length) invalid('groupBy lists a dimension twice', 'groupBy');
  }

  const common = { tenant, metric, start, end, filters, timeoutMs, maxPoints: limits.maxResultPoints };

  if (queryType === 'range') {
    if (body.aggregation !== undefined || body.groupBy !== undefined || body.interval !== undefined) {
      invalid('aggregation, groupBy and interval do not apply to range queries', 'queryType');
    }
    if (body.resolution !== undefined && body.resolution !== 'raw') invalid('range queries return raw points: resolution can only be raw', 'resolution', body.resolution);
    if (limit !== undefined && limit > limits.maxResultPoints) {
      invalid(`limit must be at most ${limits.maxResultPoints} (query_limits.max_result_points)`, 'limit', limit);
    }
    return { type: 'range', ...common, limit: limit ?? limits.maxResultPoints, explicitLimit: limit !== undefined };
  }

  if (limit !== undefined && limit > limits.maxGroups) {
    invalid(`limit must be at most ${limits.maxGroups} groups (query_limits.max_group_by_cardinality)`, 'limit', limit);
  }
  const resolution = body.resolution ?? 'auto';
  if (typeof resolution !== 'string' || !(RESOLUTIONS as readonly string[]).includes(resolution)) {
    invalid(`resolution must be one of ${RESOLUTIONS.join(', ')}`, 'resolution', resolution);
  }
  const groupCommon = { ...common, groupBy, limit: limit ?? limits.maxGroups, explicitLimit: limit !== undefined, resolution: resolution as Resolution };

  if (queryType === 'aggregate') {
    const aggregation = body.aggregation;
    if (typeof aggregation !== 'string' || !(AGGREGATIONS as readonly string[]).includes(aggregation)) {
      invalid(`aggregation must be one of ${AGGREGATIONS.join(', ')}`, 'aggregation', aggregation);
    }
    if (groupCommon.resolution === '1m' && aggregation.startsWith('p')) {
      invalid('the 1m rollup keeps no percentile sketch: use resolution 1h, raw or auto for percentiles', 'resolution', '1m');
    }
    if (body.interval === undefined) return { type: 'aggregate', ...groupCommon, aggregation: aggregation as Aggregation };
    const intervalMs = bucketInterval(body.interval, start, end, limits, 'aggregate queries take');
    return { type: 'aggregate', ...groupCommon, aggregation: aggregation as Aggregation, intervalMs: checkResolution(groupCommon.resolution, intervalMs) };
  }

  // rate
  if (body.aggregation !== undefined) invalid('aggregation does not apply to rate queries', 'aggregation');
  const intervalMs = bucketInterval(body.interval, start, end, limits, 'rate queries need');
  return { type: 'rate', ...groupCommon, intervalMs: checkResolution(groupCommon.resolution, intervalMs) };
}

const LEVEL_MS: Readonly<Record<'1m' | '1h', number>> = { '1m': 60_000, '1h': 3_600_000 };

/** A rollup level answers only intervals that are whole multiples of its bucket. */
function checkResolution(resolution: Resolution, intervalMs: number): number {
  if ((resolution === '1m' || resolution === '1h') && intervalMs % LEVEL_MS[resolution] !== 0) {
    invalid(`resolution ${resolution} needs an interval that is a multiple of ${resolution}`, 'resolution', resolution);
  }
  return intervalMs;
}

/** A bucket width of at least 1 s whose bucket count fits max_result_points. */
function bucketInterval(raw: unknown, start: number, end: number, limits: QueryLimits, what: string): number {
  const intervalMs = typeof raw === 'string' ? parseDuration(raw, ['s', 'm', 'h', 'd']) : null;
  if (intervalMs === null || intervalMs < 1000) invalid(`${what} an interval of at least 1s, such as 1m, 5m or 1h`, 'interval', raw);
  const buckets = Math.ceil((end - start) / intervalMs) + 1;
  if (buckets > limits.maxResultPoints) {
    throw queryErrors.create('RESULT_TOO_LARGE', `${buckets} buckets of ${formatDuration(intervalMs)} exceed ${limits.maxResultPoints} result points; widen the interval`, {
      max_result_points: limits.maxResultPoints,
      buckets,
    });
  }
  return intervalMs;
}
