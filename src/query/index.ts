export { queryErrors } from './errors.js';
export { AGGREGATIONS, DEFAULT_QUERY_LIMITS, DEFAULT_VALUES_LIMIT, QUERY_TYPES, parseQuery } from './model.js';
export type { Aggregation, ParsedQuery, QueryLimits, QueryRequest, QueryType } from './model.js';
export { plan } from './planner.js';
export type { Plan, SqlPlan } from './planner.js';
export { QueryService } from './service.js';
export type { AggregatePoint, QueryResponse, QueryServiceOptions, RangePoint, RatePoint } from './service.js';
export { formatDuration, parseDuration, parseRfc3339, resolveTimeRange } from './time.js';
