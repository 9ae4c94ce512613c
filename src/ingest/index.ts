export { ingestErrors } from './errors.js';
export { resolveWriteBody, resolveItems } from './resolve.js';
export type { ResolveOptions, Resolved } from './resolve.js';
export { SeriesCache } from './series-cache.js';
export { canonicalSeriesKey, metricIdOf, seriesIdOf } from './series-id.js';
export { DEFAULT_VALIDATION_LIMITS, NAME_PATTERN, RESERVED_DIMENSION_KEYS, validatePoint } from './validate.js';
export type { MetricPoint, NewSeries, PointError, ValidationLimits, WriteBatch } from './types.js';
export { Acceptor } from './acceptor.js';
export type { AcceptorOptions, WriteResult } from './acceptor.js';
