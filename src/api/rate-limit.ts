import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from './errors.js';

/**
 * Per-tenant token buckets (seed 003 "Rate Limiting & Quotas"). A bucket holds up to `rate`
 * tokens (one second of burst) and refills continuously at `rate` per second. A request is
 * admitted while the bucket holds at least one token and then pays its full cost, even into debt:
 * a 10,000-point batch against a 5,000 points/s limit passes once and the next waits two seconds,
 * so the long-run rate holds without making large batches impossible.
 */
/** Refills add up in floating point (0.9 + 0.1 < 1): compare whole tokens with this tolerance. */
const EPS = 1e-9;

export class TokenBucket {
  readonly rate: number;
  #tokens: number;
  #at: number;

  constructor(rate: number, now: number) {
    this.rate = rate;
    this.#tokens = rate;
    this.#at = now;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.rate, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
  }

  /** Takes `cost` tokens if the bucket holds at least one; returns whether it did. */
  take(cost: number, now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1 - EPS) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Whole tokens left (0 when empty or in debt). */
  remaining(now: number): number {
    this.#refill(now);
    return Math.max(0, Math.floor(this.#tokens + EPS));
  }

  /** Milliseconds until the bucket holds a whole token again (0 if it does). */
  msUntilAvailable(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 - EPS ? 0 : Math.ceil(((1 - this.#tokens) / this.rate) * 1000 - EPS);
  }

  /** Milliseconds until the bucket is full. */
  msUntilFull(now: number): number {
    this.#refill(now);
    return Math.ceil(((this.rate - this.#tokens) / this.rate) * 1000);
  }
}

export interface TenantLimits {
  write_requests_per_second: number;
  query_requests_per_second: number;
  metrics_per_second: number;
  concurrent_queries: number;
}

export type LimitName = keyof TenantLimits;

/** What the X-RateLimit-* headers say: the bucket closest to empty for this request. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Unix seconds when that bucket is full again. */
  reset: number;
}

interface TenantState {
  writes: TokenBucket;
  queries: TokenBucket;
  metrics: TokenBucket;
  running: number;
}

export class RateLimiter {
  readonly #defaults: TenantLimits;
  readonly #overrides: Readonly<Record<string, Partial<TenantLimits>>>;
  readonly #now: () => number;
  readonly #tenants = new Map<string, TenantState>();
  readonly #onLimited: ((tenant: string, limit: LimitName) => void) | undefined;

  constructor(opts: { defaults: TenantLimits; overrides?: Record<string, Partial<TenantLimits>>; now?: () => number; onLimited?: (tenant: string, limit: LimitName) => void }) {
    this.#defaults = opts.defaults;
    this.#overrides = opts.overrides ?? {};
    this.#now = opts.now ?? Date.now;
    this.#onLimited = opts.onLimited;
  }

  limitsOf(tenant: string): TenantLimits {
    return { ...this.#defaults, ...this.#overrides[tenant] };
  }

  #state(tenant: string): TenantState {
    let st = this.#tenants.get(tenant);
    if (st === undefined) {
      const l = this.limitsOf(tenant);
      const now = this.#now();
      st = { writes: new TokenBucket(l.write_requests_per_second, now), queries: new TokenBucket(l.query_requests_per_second, now), metrics: new TokenBucket(l.metrics_per_second, now), running: 0 };
      this.#tenants.set(tenant, st);
    }
    return st;
  }

  /** Admits one write request (before its body is parsed); throws RATE_LIMIT_EXCEEDED. */
  admitWrite(tenant: string): RateLimitState {
    return this.#admit(tenant, 'write_requests_per_second', [this.#state(tenant).writes, this.#state(tenant).metrics], 0);
  }

  /** Charges a write's points (after parsing, before storing); throws RATE_LIMIT_EXCEEDED. */
  admitPoints(tenant: string, points: number): RateLimitState {
    const st = this.#state(tenant);
    return this.#admit(tenant, 'metrics_per_second', [st.metrics, st.writes], points, 1);
  }

  /** Admits one query; returns a release function for the concurrency slot. */
  admitQuery(tenant: string): { state: RateLimitState; release: () => void } {
    const st = this.#state(tenant);
    const cap = this.limitsOf(tenant).concurrent_queries;
    if (st.running >= cap) {
      this.#onLimited?.(tenant, 'concurrent_queries');
      throw apiErrors.create('RATE_LIMIT_EXCEEDED', `tenant ${tenant} already runs ${cap} queries (rate_limits.concurrent_queries); retry when one finishes`, {
        limit: 'concurrent_queries',
        value: cap,
        remaining: 0,
        reset: Math.ceil(this.#now() / 1000) + 1,
        retry_after_seconds: 1,
      });
    }
    const state = this.#admit(tenant, 'query_requests_per_second', [st.queries], 0);
    st.running++;
    let released = false;
    return {
      state,
      release: () => {
        if (!released) st.running--;
        released = true;
      },
    };
  }

  /**
   * Takes `cost` (or 1 request token when cost is 0) from the first bucket; the headers describe
   * whichever of `buckets` is closest to empty.
   */
  #admit(tenant: string, name: LimitName, buckets: TokenBucket[], cost: number, minCost = 1): RateLimitState {
    const now = this.#now();
    const bucket = buckets[0]!;
    if (!bucket.take(Math.max(cost, minCost), now)) {
      this.#onLimited?.(tenant, name);
      const wait = bucket.msUntilAvailable(now);
      const st = stateOf(bucket, now);
      throw apiErrors.create('RATE_LIMIT_EXCEEDED', `tenant ${tenant} is over rate_limits.${name} (${bucket.rate}/s); retry in ${Math.ceil(wait / 1000)} s`, {
        limit: name,
        value: bucket.rate,
        remaining: st.remaining,
        reset: st.reset,
        retry_after_seconds: Math.max(1, Math.ceil(wait / 1000)),
      });
    }
    let closest = bucket;
    for (const b of buckets) if (b.remaining(now) / b.rate < closest.remaining(now) / closest.rate) closest = b;
    return stateOf(closest, now);
  }
}

function stateOf(b: TokenBucket, now: number): RateLimitState {
  return { limit: b.rate, remaining: b.remaining(now), reset: Math.ceil((now + b.msUntilFull(now)) / 1000) };
}

/** X-RateLimit-* headers: the bucket closest to empty for this request (DESIGN.md). */
export function rateLimitHeaders(reply: FastifyReply, st: RateLimitState): void {
  reply.header('x-ratelimit-limit', String(st.limit));
  reply.header('x-ratelimit-remaining', String(st.remaining));
  reply.header('x-ratelimit-reset', String(st.reset));
}

/**
 * The two write limits every write route applies: route options whose `onRequest` checks the
 * tenant's request bucket before the body is read (none without a limiter), and the `admit`
 * callback the write path calls with a request's point count.
 */
export function writeLimits(limiter: RateLimiter | undefined, tenantOf: (req: FastifyRequest) => string) {
  return {
    onRequest: limiter ? { onRequest: async (req: FastifyRequest, reply: FastifyReply) => rateLimitHeaders(reply, limiter.admitWrite(tenantOf(req))) } : {},
    admit: (reply: FastifyReply, tenant: string) => (limiter ? (points: number) => rateLimitHeaders(reply, limiter.admitPoints(tenant, points)) : undefined),
  };
}
