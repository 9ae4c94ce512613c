import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from './types.js';

/** `GET /api/v1/health` (seed 003 shapes), `/livez` (process up) and `/readyz` (engine answers). */
export const healthRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate }) => {
  app.get('/api/v1/health', async (_req, reply) => {
    const report = await luminate.health();
    return reply.code(report.status === 'healthy' ? 200 : 503).send(report);
  });
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ping = await luminate.store.ping();
    return ping.ok ? reply.send({ status: 'ready' }) : reply.code(503).send({ status: 'not_ready', error: ping.error });
  });
};
