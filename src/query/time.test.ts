import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseRfc3339, resolveTimeRange } from './time.js';

const now = Date.parse('2026-01-10T12:00:00Z');

describe('relative time', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['24h', 86_400_000],
    ['2d', 172_800_000],
    ['7d', 604_800_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
    ['90m', 5_400_000],
  ])('%s is %d ms before now', (text, ms) => {
    expect(resolveTimeRange({ relative: text }, now)).toEqual({ start: now - ms, end: now });
  });

  it.each(['', '1', 'h', '1.5h', '-1h', '1y', '1 h', '0h', '10ms', 5, null])('rejects %j', (bad) => {
    expect(() => resolveTimeRange({ relative: bad }, now)).toThrow(expect.objectContaining({ code: 'INVALID_QUERY' }) as Error);
  });

  it('defaults to the last hour', () => {
    expect(resolveTimeRange(undefined, now)).toEqual({ start: now - 3_600_000, end: now });
  });
});

describe('absolute time', () => {
  it('takes RFC 3339 start and end, end defaulting to now', () => {
    expect(resolveTimeRange({ start: '2026-01-10T00:00:00Z', end: '2026-01-10T06:00:00.500+02:00' }, now)).toEqual({
      start: Date.parse('2026-01-10T00:00:00Z'),
      end: Date.parse('2026-01-10T04:00:00.500Z'),
    });
    expect(resolveTimeRange({ start: '2026-01-10T11:00:00Z' }, now)).toEqual({ start: now - 3_600_000, end: now });
  });

  it('rejects bad or reversed ranges and mixing relative with absolute', () => {
    for (const tr of [{ start: '2026-01-10' }, { start: 'yesterday' }, { start: '2026-01-10T00:00:00Z', end: '2026-01-09T00:00:00Z' }, { relative: '1h', start: '2026-01-10T00:00:00Z' }, { end: '2026-01-10T00:00:00Z' }]) {
      expect(() => resolveTimeRange(tr, now)).toThrow(expect.objectContaining({ code: 'INVALID_QUERY' }) as Error);
    }
  });

  it('parses only RFC 3339', () => {
    expect(parseRfc3339('2026-01-10T00:00:00Z')).toBe(Date.parse('2026-01-10T00:00:00Z'));
    expect(parseRfc3339('Jan 10 2026')).toBeNull();
  });
});

describe('durations', () => {
  it('parse with unit restrictions and format back', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('500ms', ['s'])).toBeNull();
    expect(formatDuration(90 * 86_400_000)).toBe('90d');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
