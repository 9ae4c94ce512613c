import type { FastifyPluginAsync } from 'fastify';
import { NAME_PATTERN } from '../ingest/index.js';
import { queryErrors } from '../query/index.js';
import { Type } from '@sinclair/typebox';
import { ErrorEnvelope, Names, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

interface NameParams {
  name: string;
}
interface ValuesParams extends NameParams {
  key: string;
}
interface ValuesQuery {
  limit?: string;
  prefix?: string;
}

function checkMetricName(name: string): void {
  if (name.length > 256 || !NAME_PATTERN.test(name)) {
    throw queryErrors.create('INVALID_QUERY', `metric name must match ${NAME_PATTERN.source}`, { field: 'name', received: name });
  }
}

/** Discovery for UIs: metric names, their dimension keys, and a key's values (most frequent first). */
export const discoveryRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf }) => {
  const read = { scope: 'read' as const };
  const doc = (summary: string, extra: object = {}) => ({ summary, tags: ['discovery'], security: [{ bearer: [] }], response: { 200: Names, 400: ErrorEnvelope, 404: ErrorEnvelope, ...authErrors }, ...extra });
  const name = Type.Object({ name: Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }) });
  app.get('/api/v1/metrics', { config: read, schema: doc('Metric names of the caller\'s tenant') }, async (req) => luminate.listMetrics(tenantOf(req)));

  app.get<{ Params: NameParams }>('/api/v1/metrics/:name/dimensions', { config: read, schema: doc('Dimension keys of a metric', { params: name }) }, async (req) => {
    checkMetricName(req.params.name);
    return luminate.listDimensions(req.params.name, tenantOf(req));
  });

  const valuesSchema = doc('Values of a dimension, most frequent first', {
    params: Type.Object({ name: Type.String(), key: Type.String() }),
    querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, default: 100 })), prefix: Type.Optional(Type.String()) }),
  });
  app.get<{ Params: ValuesParams; Querystring: ValuesQuery }>('/api/v1/metrics/:name/dimensions/:key/values', { config: read, schema: valuesSchema }, async (req) => {
    checkMetricName(req.params.name);
    const { limit, prefix } = req.query;
    let n: number | undefined;
    if (limit !== undefined) {
      n = Number(limit);
      if (!Number.isInteger(n) || n < 1) throw queryErrors.create('INVALID_QUERY', 'limit must be a positive integer', { field: 'limit', received: limit });
    }
    return luminate.listDimensionValues(
      req.params.name,
      req.params.key,
      { ...(n !== undefined ? { limit: n } : {}), ...(prefix !== undefined ? { prefix } : {}) },
      tenantOf(req),
    );
  });
};
