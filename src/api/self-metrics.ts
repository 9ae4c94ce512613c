import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from './types.js';

/**
 * `GET /metrics` (path from `metrics.path`): Luminate's own metrics in Prometheus text format,
 * readable without a token by default so Prometheus can scrape it (DESIGN.md, "/metrics").
 */
export const selfMetricsRoutes: FastifyPluginAsync<RouteOptions & { path: string }> = async (app, { luminate, path }) => {
  const schema = { summary: 'Luminate\'s own metrics (Prometheus text format)', tags: ['health'], produces: ['text/plain'] };
  app.get(path, { schema }, async (_req, reply) => {
    const { contentType, body } = await luminate.selfMetrics.render();
    return reply.header('content-type', contentType).send(body);
  });
};
