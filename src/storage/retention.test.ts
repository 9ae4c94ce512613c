import { describe, expect, it } from 'vitest';
import { buildTtlClause, globMatches } from './retention.js';

describe('retention rules', () => {
  it('matches seed-style metric patterns', () => {
    expect(globMatches('debug_*', 'debug_cache')).toBe(true);
    expect(globMatches('debug_*', 'api_debug_x')).toBe(false);
    expect(globMatches('*', 'anything')).toBe(true);
    expect(globMatches('api_latency', 'api_latency')).toBe(true);
    expect(globMatches('api.latency', 'apiXlatency')).toBe(false); // dots are literal
  });

  it('builds one rule per retention and a default that excludes every metric with a policy', () => {
    expect(buildTtlClause([], 2_592_000)).toBe('toDateTime(ts) + toIntervalSecond(2592000) DELETE');
    expect(buildTtlClause([], 0)).toBeNull();
    expect(buildTtlClause([{ metricId: '22', seconds: 604_800 }, { metricId: '11', seconds: 604_800 }, { metricId: '33', seconds: 7_776_000 }, { metricId: '44', seconds: 0 }], 2_592_000)).toBe(
      'toDateTime(ts) + toIntervalSecond(604800) DELETE WHERE metric_id IN (11, 22), ' +
        'toDateTime(ts) + toIntervalSecond(7776000) DELETE WHERE metric_id IN (33), ' +
        'toDateTime(ts) + toIntervalSecond(2592000) DELETE WHERE metric_id NOT IN (11, 22, 33, 44)',
    );
    expect(() => buildTtlClause([{ metricId: '1) OR (1', seconds: 1 }], 0)).toThrow();
  });
});
