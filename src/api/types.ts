import type { FastifyRequest } from 'fastify';
import type { Luminate } from '../luminate.js';
import type { AuthContext, Scope } from './auth.js';
import type { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook when auth is on and the route needs a scope. */
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs when auth is on; routes without one are open (health, /metrics). */
    scope?: Scope;
    /** Content-Encodings the route decodes itself (e.g. snappy for remote write). */
    encodings?: readonly string[];
  }
}

export interface RouteOptions {
  luminate: Luminate;
  /** The caller's tenant. Auth (when enabled) decides it; with auth off it is `default`. */
  tenantOf: (req: FastifyRequest) => string;
  /** Per-tenant limits, when rate limiting is on. */
  limiter?: RateLimiter | undefined;
}
