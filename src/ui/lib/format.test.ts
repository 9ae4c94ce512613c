import { describe, expect, it } from 'vitest';
import { formatValue, levelOf } from './format.js';
import { SseParser } from './sse.js';
import { autoInterval } from './time.js';

describe('formatValue', () => {
  it('applies unit and decimals', () => {
    expect(formatValue(145.5, { unit: 'ms', decimals: 2 })).toBe('145.50 ms');
    expect(formatValue(1536, { unit: 'bytes', decimals: 1 })).toBe('1.5 KiB');
    expect(formatValue(99.94, { unit: '%', decimals: 1 })).toBe('99.9%');
    expect(formatValue(1234567.891)).toBe('1,234,567.891');
    expect(formatValue(null)).toBe('–');
  });
  it('grades against thresholds', () => {
    const d = { threshold: { warning: 200, critical: 500 } };
    expect([levelOf(100, d), levelOf(200, d), levelOf(501, d), levelOf(1, undefined)]).toEqual(['ok', 'warning', 'critical', 'ok']);
  });
});

describe('SseParser', () => {
  it('parses events split across chunks, skipping comments', () => {
    const p = new SseParser();
    expect(p.feed('retry: 2000\nevent: ready\nda')).toEqual([]);
    expect(p.feed('ta: {"a":1}\n\n: ping\n\nevent: points\r\ndata: x\r\ndata: y\r\n\r\n')).toEqual([
      { event: 'ready', data: '{"a":1}' },
      { event: 'points', data: 'x\ny' },
    ]);
  });
});

describe('autoInterval', () => {
  it('keeps charts near 240 buckets', () => {
    expect(autoInterval(3_600_000)).toBe('30s');
    expect(autoInterval(86_400_000)).toBe('10m');
    expect(autoInterval(300_000)).toBe('5s');
  });
});
