import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst of `rate`, then refills continuously', () => {
    const b = new TokenBucket(5, 0);
    for (let i = 0; i < 5; i++) expect(b.take(1, 0)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.msUntilAvailable(0)).toBe(200); // one token at 5/s
    expect(b.take(1, 199)).toBe(false);
    expect(b.take(1, 200)).toBe(true); // 200 ms = 1 token
    expect(b.take(1, 200)).toBe(false);
    expect(b.remaining(10_000)).toBe(5); // never above capacity
  });

  it('lets a large cost through once, into debt, then makes the next wait', () => {
    const b = new TokenBucket(100, 0);
    expect(b.take(250, 0)).toBe(true); // -150
    expect(b.take(1, 0)).toBe(false);
    expect(b.msUntilAvailable(0)).toBe(1510); // back to one whole token
    expect(b.take(1, 1509)).toBe(false);
    expect(b.take(1, 1510)).toBe(true);
  });
});

describe('RateLimiter', () => {
  const defaults = { write_requests_per_second: 2, query_requests_per_second: 1, metrics_per_second: 10, concurrent_queries: 1 };

  it('limits each tenant separately, with per-tenant overrides', () => {
    let now = 0;
    const limited: string[] = [];
    const rl = new RateLimiter({ defaults, overrides: { vip: { write_requests_per_second: 100 } }, now: () => now, onLimited: (t, l) => limited.push(`${t}:${l}`) });
    rl.admitWrite('a');
    rl.admitWrite('a');
    expect(() => rl.admitWrite('a')).toThrow(expect.objectContaining({ code: 'RATE_LIMIT_EXCEEDED', status: 429 }) as Error);
    rl.admitWrite('b'); // another tenant has its own bucket
    for (let i = 0; i < 50; i++) rl.admitWrite('vip');
    expect(limited).toEqual(['a:write_requests_per_second']);
    now = 500;
    expect(rl.admitWrite('a').limit).toBe(2);
  });

  it('charges points and reports the bucket closest to empty', () => {
    const rl = new RateLimiter({ defaults, now: () => 0 });
    rl.admitWrite('a');
    const st = rl.admitPoints('a', 8);
    expect(st).toMatchObject({ limit: 10, remaining: 2 });
    expect(() => rl.admitPoints('a', 5)).not.toThrow(); // 2 whole tokens left: admitted, into debt
    expect(() => rl.admitPoints('a', 1)).toThrow(expect.objectContaining({ code: 'RATE_LIMIT_EXCEEDED' }) as Error);
  });

  it('caps concurrent queries and frees the slot on release', () => {
    let now = 0;
    const rl = new RateLimiter({ defaults: { ...defaults, query_requests_per_second: 100 }, now: () => now });
    const q1 = rl.admitQuery('a');
    expect(() => rl.admitQuery('a')).toThrow(expect.objectContaining({ details: expect.objectContaining({ limit: 'concurrent_queries' }) as object }) as Error);
    q1.release();
    q1.release(); // idempotent
    now = 10;
    expect(() => rl.admitQuery('a').release()).not.toThrow();
  });
});
