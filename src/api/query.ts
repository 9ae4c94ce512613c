import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from './types.js';

/**
 * `POST /api/v1/query` — seed 003 "JSON Query Language" (range | aggregate | rate, plus
 * listDimensionValues for dashboard variables). The query is validated by `parseQuery`, the same
 * code the embedded library uses, so both answer the same INVALID_QUERY messages.
 */
export const queryRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf }) => {
  app.post('/api/v1/query', { config: { scope: 'read' } }, async (req) => luminate.query(req.body, tenantOf(req)));
};
