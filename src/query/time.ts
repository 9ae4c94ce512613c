import { parseDuration } from '../config/index.js';
import { queryErrors } from './errors.js';

export { formatDuration, parseDuration } from '../config/index.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp to unix ms, or null. */
export function parseRfc3339(text: string): number | null {
  if (!RFC3339.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

export interface TimeRangeInput {
  start?: unknown;
  end?: unknown;
  relative?: unknown;
}

export interface TimeRange {
  start: number;
  end: number;
}

/** The seed's `timeRange`: `relative` (any N + s|m|h|d|w) or RFC 3339 `start`/`end`; none = last hour. */
export function resolveTimeRange(input: TimeRangeInput | undefined, now: number): TimeRange {
  if (input === undefined) return { start: now - 3_600_000, end: now };
  const { start, end, relative } = input;
  if (relative !== undefined) {
    if (start !== undefined || end !== undefined) {
      throw queryErrors.create('INVALID_QUERY', 'timeRange: give either relative or start/end, not both', { field: 'timeRange' });
    }
    const ms = typeof relative === 'string' ? parseDuration(relative, ['s', 'm', 'h', 'd', 'w']) : null;
    if (ms === null || ms <= 0) {
      throw queryErrors.create('INVALID_QUERY', 'timeRange.relative must be a positive number followed by s, m, h, d or w (e.g. 15m, 24h, 7d)', {
        field: 'timeRange.relative',
        received: relative,
      });
    }
    return { start: now - ms, end: now };
  }
  if (start === undefined) {
    throw queryErrors.create('INVALID_QUERY', 'timeRange needs relative, or start (and optionally end) as RFC 3339', { field: 'timeRange' });
  }
  const s = typeof start === 'string' ? parseRfc3339(start) : null;
  if (s === null) {
    throw queryErrors.create('INVALID_QUERY', 'timeRange.start must be an RFC 3339 timestamp such as 2024-01-01T00:00:00Z', { field: 'timeRange.start', received: start });
  }
  const e = end === undefined ? now : typeof end === 'string' ? parseRfc3339(end) : null;
  if (e === null) {
    throw queryErrors.create('INVALID_QUERY', 'timeRange.end must be an RFC 3339 timestamp such as 2024-01-01T23:59:59Z', { field: 'timeRange.end', received: end });
  }
  // Both ends are inclusive: start == end asks for the points of that one millisecond (a live tail).
  if (e < s) throw queryErrors.create('INVALID_QUERY', 'timeRange.end must not be before timeRange.start', { field: 'timeRange' });
  return { start: s, end: e };
}
