import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_LIMITS as L, validatePoint } from './validate.js';

const now = 1_800_000_000_000;
const ok = { name: 'api_latency', timestamp: now, value: 1.5, dimensions: { customer_id: 'c1' } };
const code = (item: unknown) => validatePoint(item, now, L)?.code ?? null;

describe('validatePoint', () => {
  it('accepts a valid point, with or without dimensions', () => {
    expect(code(ok)).toBeNull();
    expect(code({ name: 'x', timestamp: now, value: 0 })).toBeNull();
    expect(code({ ...ok, dimensions: {} })).toBeNull();
    expect(code({ ...ok, name: '_a1', value: -1e300 })).toBeNull();
  });

  it.each([
    ['not an object', 5, 'INVALID_METRIC'],
    ['array item', [1], 'INVALID_METRIC'],
    ['null item', null, 'INVALID_METRIC'],
    ['missing name', { ...ok, name: undefined }, 'INVALID_METRIC_NAME'],
    ['empty name', { ...ok, name: '' }, 'INVALID_METRIC_NAME'],
    ['name with dash', { ...ok, name: '123-invalid' }, 'INVALID_METRIC_NAME'],
    ['name starting with digit', { ...ok, name: '1abc' }, 'INVALID_METRIC_NAME'],
    ['name with dot', { ...ok, name: 'a.b' }, 'INVALID_METRIC_NAME'],
    ['name of 257 chars', { ...ok, name: 'a'.repeat(257) }, 'INVALID_METRIC_NAME'],
    ['name not a string', { ...ok, name: 7 }, 'INVALID_METRIC_NAME'],
    ['timestamp missing', { ...ok, timestamp: undefined }, 'INVALID_TIMESTAMP'],
    ['timestamp string', { ...ok, timestamp: String(now) }, 'INVALID_TIMESTAMP'],
    ['timestamp fractional', { ...ok, timestamp: now + 0.5 }, 'INVALID_TIMESTAMP'],
    ['timestamp older than 7d', { ...ok, timestamp: now - 7 * 86_400_000 - 1 }, 'INVALID_TIMESTAMP'],
    ['timestamp more than 1h ahead', { ...ok, timestamp: now + 3_600_001 }, 'INVALID_TIMESTAMP'],
    ['timestamp in seconds', { ...ok, timestamp: Math.floor(now / 1000) }, 'INVALID_TIMESTAMP'],
    ['value missing', { ...ok, value: undefined }, 'INVALID_VALUE'],
    ['value NaN', { ...ok, value: NaN }, 'INVALID_VALUE'],
    ['value Infinity', { ...ok, value: Infinity }, 'INVALID_VALUE'],
    ['value -Infinity', { ...ok, value: -Infinity }, 'INVALID_VALUE'],
    ['value string', { ...ok, value: '1' }, 'INVALID_VALUE'],
    ['dimensions array', { ...ok, dimensions: ['a'] }, 'INVALID_DIMENSION_VALUE'],
    ['dimension key with dash', { ...ok, dimensions: { 'customer-id': 'x' } }, 'INVALID_DIMENSION_KEY'],
    ['dimension key starting with digit', { ...ok, dimensions: { '1a': 'x' } }, 'INVALID_DIMENSION_KEY'],
    ['dimension key of 129 chars', { ...ok, dimensions: { ['k'.repeat(129)]: 'x' } }, 'INVALID_DIMENSION_KEY'],
    ['empty dimension key', { ...ok, dimensions: { '': 'x' } }, 'INVALID_DIMENSION_KEY'],
    ['reserved _tenant_id', { ...ok, dimensions: { _tenant_id: 'other' } }, 'RESERVED_DIMENSION'],
    ['dimension value empty', { ...ok, dimensions: { a: '' } }, 'INVALID_DIMENSION_VALUE'],
    ['dimension value of 257 chars', { ...ok, dimensions: { a: 'v'.repeat(257) } }, 'INVALID_DIMENSION_VALUE'],
    ['dimension value with newline', { ...ok, dimensions: { a: 'x\ny' } }, 'INVALID_DIMENSION_VALUE'],
    ['dimension value with tab', { ...ok, dimensions: { a: 'x\ty' } }, 'INVALID_DIMENSION_VALUE'],
    ['dimension value with NUL', { ...ok, dimensions: { a: 'x\u0000' } }, 'INVALID_DIMENSION_VALUE'],
    ['dimension value with DEL', { ...ok, dimensions: { a: 'x\u007f' } }, 'INVALID_DIMENSION_VALUE'],
    ['dimension value with C1 control', { ...ok, dimensions: { a: 'x\u0085' } }, 'INVALID_DIMENSION_VALUE'],
    ['dimension value a number', { ...ok, dimensions: { a: 5 } }, 'INVALID_DIMENSION_VALUE'],
    ['21 dimensions', { ...ok, dimensions: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, 'DIMENSION_LIMIT_EXCEEDED'],
  ])('rejects %s', (_label, item, expected) => {
    expect(code(item)).toBe(expected);
  });

  it('accepts the boundaries exactly', () => {
    expect(code({ ...ok, name: 'a'.repeat(256) })).toBeNull();
    expect(code({ ...ok, timestamp: now - 7 * 86_400_000 })).toBeNull();
    expect(code({ ...ok, timestamp: now + 3_600_000 })).toBeNull();
    expect(code({ ...ok, dimensions: { ['k'.repeat(128)]: 'v'.repeat(256) } })).toBeNull();
    expect(code({ ...ok, dimensions: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'])) })).toBeNull();
    expect(code({ ...ok, dimensions: { a: 'ünïcödé ✓ 東京' } })).toBeNull();
  });

  it('says when a timestamp looks like seconds', () => {
    expect(validatePoint({ ...ok, timestamp: Math.floor(now / 1000) }, now, L)?.message).toMatch(/seconds/);
  });

  it('honours configured limits', () => {
    const strict = { ...L, maxDimensions: 2, maxValueLength: 3 };
    expect(validatePoint({ ...ok, dimensions: { a: '1', b: '2', c: '3' } }, now, strict)?.code).toBe('DIMENSION_LIMIT_EXCEEDED');
    expect(validatePoint({ ...ok, dimensions: { a: '1234' } }, now, strict)?.code).toBe('INVALID_DIMENSION_VALUE');
  });
});
