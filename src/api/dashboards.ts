import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { DASHBOARD_ID, dashboardErrors, parseDashboard } from '../dashboards/index.js';
import { ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

const Document = Type.Object(
  { dashboard: Type.Object({ id: Type.String(), title: Type.String() }, { additionalProperties: true, description: 'Seed 003 "Dashboard Definition": panels, variables, timeRange, refreshInterval, tags' }) },
  { title: 'DashboardDocument' },
);
const Summary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  tags: Type.Array(Type.String()),
  panels: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const IdParams = Type.Object({ id: Type.String({ pattern: DASHBOARD_ID.source }) });

/**
 * `GET/POST/PUT/DELETE /api/v1/dashboards`: dashboards in the seed's format, tenant-scoped, in the
 * metadata store. Bodies and answers are the seed's `{"dashboard": {...}}` document, so an exported
 * dashboard imports unchanged. Reading needs the read scope, changing the write scope.
 */
export const dashboardRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf }) => {
  const doc = (summary: string, extra: object) => ({ summary, tags: ['dashboards'], security: [{ bearer: [] }], ...extra });
  const store = luminate.dashboards;

  app.get('/api/v1/dashboards', { config: { scope: 'read' }, schema: doc('List dashboards', { response: { 200: Type.Object({ dashboards: Type.Array(Summary) }), ...authErrors } }) }, async (req) => ({
    dashboards: await store.list(tenantOf(req)),
  }));

  app.get<{ Params: { id: string } }>(
    '/api/v1/dashboards/:id',
    { config: { scope: 'read' }, schema: doc('Get (export) one dashboard in the seed format', { params: IdParams, response: { 200: Document, 404: ErrorEnvelope, ...authErrors } }) },
    async (req) => ({ dashboard: await store.get(tenantOf(req), req.params.id) }),
  );

  app.post(
    '/api/v1/dashboards',
    {
      config: { scope: 'write' },
      schema: doc('Create (import) a dashboard', {
        description: 'Body: `{"dashboard": {...}}` (or the bare dashboard). Without an id, one is made from the title. 409 DASHBOARD_EXISTS when the id is taken.',
        body: Document,
        response: { 201: Document, 400: ErrorEnvelope, 409: ErrorEnvelope, ...authErrors },
      }),
    },
    async (req, reply) => {
      const d = parseDashboard(req.body, { requireId: false });
      const created = await store.create(tenantOf(req), d);
      return reply.code(201).header('location', `/api/v1/dashboards/${encodeURIComponent(created.id)}`).send({ dashboard: created });
    },
  );

  app.put<{ Params: { id: string } }>(
    '/api/v1/dashboards/:id',
    {
      config: { scope: 'write' },
      schema: doc('Replace a dashboard', { description: 'The body\'s id, when given, must equal the path\'s.', params: IdParams, body: Document, response: { 200: Document, 400: ErrorEnvelope, 404: ErrorEnvelope, ...authErrors } }),
    },
    async (req) => {
      const d = parseDashboard(req.body, { requireId: false });
      if (d.id !== undefined && d.id !== req.params.id) {
        throw dashboardErrors.create('INVALID_DASHBOARD', `dashboard.id: ${d.id} differs from the path's ${req.params.id}`, { field: 'dashboard.id', received: d.id });
      }
      return { dashboard: await store.replace(tenantOf(req), { ...d, id: req.params.id }) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/dashboards/:id',
    { config: { scope: 'write' }, schema: doc('Delete a dashboard', { params: IdParams, response: { 204: Type.Null(), 404: ErrorEnvelope, ...authErrors } }) },
    async (req, reply) => {
      await store.delete(tenantOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
};
