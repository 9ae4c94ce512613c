import { autoInterval, spanOf, type TimeRange } from './time.js';
import type { PanelQuery, PanelType, QueryRequest } from './types.js';
import { substitute, type Selection } from './variables.js';

/**
 * The query a panel runs: variables substituted, the dashboard's time range when the panel has
 * none of its own, filter rows still being typed (empty values) left out, and, for a time-series panel of an aggregate without an interval, an
 * automatic interval so it draws the aggregation per time bucket instead of one number.
 */
export function effectiveQuery(panel: { type: PanelType; query: PanelQuery }, dashboardRange: TimeRange | undefined, selection: Selection, now = Date.now()): QueryRequest {
  let q = substitute(withoutBlankFilters(panel.query), selection);
  if (q.timeRange === undefined && dashboardRange !== undefined) q = { ...q, timeRange: { ...dashboardRange } };
  if (panel.type === 'timeseries' && q.queryType === 'aggregate' && q.interval === undefined) {
    const { start, end } = spanOf(q.timeRange, now);
    q = { ...q, interval: autoInterval(end - start) };
  }
  return q;
}

/** A filter row whose value is still empty is not a filter yet. */
function withoutBlankFilters(q: PanelQuery): PanelQuery {
  if (q.filters === undefined) return q;
  const kept = Object.entries(q.filters)
    .map(([k, v]): [string, string | string[]] => [k, Array.isArray(v) ? v.filter((x) => x !== '') : v])
    .filter(([, v]) => v.length > 0);
  const { filters: _all, ...rest } = q;
  return kept.length > 0 ? { ...rest, filters: Object.fromEntries(kept) } : rest;
}
