import { defineErrors } from '../errors.js';

export const queryErrors = defineErrors({
  INVALID_QUERY: { status: 400, description: 'The query is malformed: unknown queryType or aggregation, bad time range, interval, filter, groupBy, limit or timeout. The message names the field.' },
  TIME_RANGE_TOO_LARGE: { status: 400, description: 'The time range is longer than query_limits.max_query_time_range (90d); details has the limit.' },
  RESULT_TOO_LARGE: { status: 400, description: 'The answer would hold more than query_limits.max_result_points (10,000) points; narrow the range, add filters, widen the interval or set a limit.' },
  TOO_MANY_GROUPS: { status: 400, description: 'The answer would hold more than query_limits.max_group_by_cardinality (1,000) groups; set a limit (top-N) or filter.' },
  QUERY_TIMEOUT: { status: 504, description: 'The query ran past its timeout (default 10s, at most 30s) and was cancelled in the engine.' },
  METRIC_NOT_FOUND: { status: 404, description: 'No series of that metric exists for this tenant.' },
});
