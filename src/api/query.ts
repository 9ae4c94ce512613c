import type { FastifyPluginAsync } from 'fastify';
import { rateLimitHeaders } from './rate-limit.js';
import { ErrorEnvelope, QueryAnswer, QueryBody, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

/**
 * `POST /api/v1/query` — seed 003 "JSON Query Language" (range | aggregate | rate, plus
 * listDimensionValues for dashboard variables). The query is validated by `parseQuery`, the same
 * code the embedded library uses, so both answer the same INVALID_QUERY messages.
 */
export const queryRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf, limiter }) => {
  const schema = {
    summary: 'Run a query: range, aggregate, rate or listDimensionValues',
    description: 'Seed 003 "JSON Query Language". Limits answer 400 (never truncation); a timeout answers 504 and stops the engine query.',
    tags: ['query'],
    security: [{ bearer: [] }],
    body: QueryBody,
    response: { 200: QueryAnswer, 400: ErrorEnvelope, 504: ErrorEnvelope, ...authErrors },
  };
  app.post('/api/v1/query', { config: { scope: 'read' }, schema }, async (req, reply) => {
    const tenant = tenantOf(req);
    if (limiter === undefined) return luminate.query(req.body, tenant);
    const { state, release } = limiter.admitQuery(tenant);
    rateLimitHeaders(reply, state);
    try {
      return await luminate.query(req.body, tenant);
    } finally {
      release();
    }
  });
};
