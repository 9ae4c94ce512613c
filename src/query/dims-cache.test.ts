import { describe, expect, it } from 'vitest';
import { DimensionsCache } from './dims-cache.js';

describe('DimensionsCache', () => {
  it('remembers, promotes recently used entries and stays bounded', () => {
    const c = new DimensionsCache(4); // two generations of two
    c.set('1', { a: '1' });
    c.set('2', { a: '2' });
    c.set('3', { a: '3' }); // 1, 2 move to the previous generation
    expect(c.get('1')).toEqual({ a: '1' }); // promoted into the current one
    c.set('4', { a: '4' }); // current {3, 1} is full: becomes previous, 2 is dropped
    expect(c.get('2')).toBeUndefined();
    expect(c.get('3')).toEqual({ a: '3' });
    expect(c.get('4')).toEqual({ a: '4' });
  });
});
