import { durationMs } from './time.js';
import type { QueryRequest, QueryResponse } from './types.js';

/** A push of `GET /api/v1/live`: new points of `metric` between `earliest` and `latest` (unix ms). */
export interface PointsPush {
  metric: string;
  earliest: number;
  latest: number;
}

/** What a panel asks after a push, and which part of its answer the reply replaces. */
export interface TailPlan {
  query: QueryRequest;
  /** Results with timestamps in [from, to] are replaced by the reply; `whole` replaces everything. */
  from: number;
  to: number;
  whole: boolean;
  /** The panel's window after the push: older results are dropped. */
  windowStart: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The query a live panel sends after a push. It depends only on the panel's query and the push,
 * never on when the page opened, so every page showing the panel asks the same thing and the
 * server answers them all with one execution.
 * - range: the announced span;
 * - rate and bucketed aggregates: from the start of the bucket holding `earliest` (rate one
 *   bucket earlier, for the delta into it) to `latest`;
 * - a single-value aggregate: the whole window, ending at `latest`.
 * Null when the panel's range is absolute (a fixed window does not move).
 */
export function planTail(q: QueryRequest, push: PointsPush): TailPlan | null {
  const rel = q.timeRange?.relative ?? (q.timeRange === undefined ? '1h' : undefined);
  if (rel === undefined) return null;
  const span = durationMs(rel);
  if (span === null) return null;
  const windowStart = push.latest - span;
  const { timeRange: _t, ...rest } = q;
  if (q.queryType === 'range') {
    const from = Math.max(push.earliest, windowStart);
    return { query: { ...rest, timeRange: { start: iso(from), end: iso(push.latest) } }, from, to: push.latest, whole: false, windowStart };
  }
  const iv = q.interval !== undefined ? durationMs(q.interval) : null;
  if (q.queryType === 'aggregate' && iv === null) {
    return { query: { ...rest, timeRange: { start: iso(windowStart), end: iso(push.latest) } }, from: windowStart, to: push.latest, whole: true, windowStart };
  }
  if (iv === null) return null;
  const bucket = Math.floor(Math.max(push.earliest, windowStart) / iv) * iv;
  const start = q.queryType === 'rate' ? bucket - iv : bucket;
  return { query: { ...rest, timeRange: { start: iso(start), end: iso(push.latest) } }, from: bucket, to: push.latest, whole: false, windowStart };
}

/** The panel's answer with the tail merged in: results in [from, to] replaced, those before the window dropped. */
export function mergeTail(current: QueryResponse, tail: QueryResponse, plan: TailPlan): QueryResponse {
  if (plan.whole || current.queryType !== tail.queryType || current.queryType === 'listDimensionValues') return tail;
  // Range points, rate points and bucketed aggregate points all carry a timestamp: one rule for the three.
  type Timed = { timestamp?: number };
  const keep = (p: Timed) => p.timestamp === undefined || (p.timestamp >= plan.windowStart && (p.timestamp < plan.from || p.timestamp > plan.to));
  const fresh = (p: Timed) => p.timestamp === undefined || (p.timestamp >= plan.from && p.timestamp <= plan.to);
  const results = [...(current.results as Timed[]).filter(keep), ...(tail.results as Timed[]).filter(fresh)];
  // Range answers are in time order; rate and aggregate answers stay grouped (rank, then time).
  if (current.queryType === 'range') results.sort((a, b) => a.timestamp! - b.timestamp!);
  return { ...current, results, executionTimeMs: tail.executionTimeMs } as QueryResponse;
}
