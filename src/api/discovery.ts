import type { FastifyPluginAsync } from 'fastify';
import { NAME_PATTERN } from '../ingest/index.js';
import { queryErrors } from '../query/index.js';
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
  const read = { config: { scope: 'read' as const } };
  app.get('/api/v1/metrics', read, async (req) => luminate.listMetrics(tenantOf(req)));

  app.get<{ Params: NameParams }>('/api/v1/metrics/:name/dimensions', read, async (req) => {
    checkMetricName(req.params.name);
    return luminate.listDimensions(req.params.name, tenantOf(req));
  });

  app.get<{ Params: ValuesParams; Querystring: ValuesQuery }>('/api/v1/metrics/:name/dimensions/:key/values', read, async (req) => {
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
