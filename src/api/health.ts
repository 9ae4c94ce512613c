import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Health } from './schemas.js';
import type { RouteOptions } from './types.js';

/** `GET /api/v1/health` (seed 003 shapes), `/livez` (process up) and `/readyz` (engine answers). */
export const healthRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate }) => {
  const tags = ['health'];
  app.get('/api/v1/health', { schema: { summary: 'Health report', tags, response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    const report = await luminate.health();
    return reply.code(report.status === 'healthy' ? 200 : 503).send(report);
  });
  const status = Type.Object({ status: Type.String(), error: Type.Optional(Type.String()) });
  app.get('/livez', { schema: { summary: 'The process is up', tags, response: { 200: status } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { summary: 'The engine answers', tags, response: { 200: status, 503: status } } }, async (_req, reply) => {
    const ping = await luminate.store.ping();
    return ping.ok ? reply.send({ status: 'ready' }) : reply.code(503).send({ status: 'not_ready', error: ping.error });
  });
};
