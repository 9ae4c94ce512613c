import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from './types.js';

/**
 * `GET /metrics` (path from `metrics.path`): Luminate's own metrics in Prometheus text format,
 * readable without a token by default so Prometheus can scrape it (DESIGN.md, "/metrics");
 * `metrics.require_auth: true` makes it admin-only when auth is on.
 */
export const selfMetricsRoutes: FastifyPluginAsync<RouteOptions & { path: string; requireAuth: boolean }> = async (app, { luminate, path, requireAuth }) => {
  const schema = { summary: 'Luminate\'s own metrics (Prometheus text format)', tags: ['health'], produces: ['text/plain'] };
  app.get(path, { schema: requireAuth ? { ...schema, security: [{ bearer: [] }] } : schema, ...(requireAuth ? { config: { scope: 'admin' as const } } : {}) }, async (_req, reply) => {
    const { contentType, body } = await luminate.selfMetrics.render();
    return reply.header('content-type', contentType).send(body);
  });
};
