import type { FastifyPluginAsync } from 'fastify';
import { LuminateError } from '../errors.js';
import { NAME_PATTERN, ingestErrors } from '../ingest/index.js';
import { METRIC_TYPES, type MetricDeclaration, type MetricType } from '../meta/index.js';
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

const MAX_UNIT = 64;
const MAX_DESCRIPTION = 1024;

/** Checks a registration body; throws INVALID_REGISTRATION (or INVALID_METRIC_NAME) naming the field. */
export function parseRegistration(body: unknown): MetricDeclaration {
  const bad = (message: string, field: string) => ingestErrors.create('INVALID_REGISTRATION', message, { field });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('body must be {name, type, unit?, description?}', 'body');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!['name', 'type', 'unit', 'description'].includes(k)) throw bad(`unknown field ${k}`, k);
  if (typeof b.name !== 'string' || b.name.length === 0 || b.name.length > 256 || !NAME_PATTERN.test(b.name)) {
    throw ingestErrors.create('INVALID_METRIC_NAME', `name must be 1-256 characters matching ${NAME_PATTERN.source}`, { field: 'name' });
  }
  if (typeof b.type !== 'string' || !(METRIC_TYPES as readonly string[]).includes(b.type)) throw bad(`type must be one of ${METRIC_TYPES.join(', ')}`, 'type');
  if (b.unit !== undefined && (typeof b.unit !== 'string' || b.unit.length > MAX_UNIT)) throw bad(`unit must be a string of at most ${MAX_UNIT} characters, e.g. "ms", "bytes", "requests"`, 'unit');
  if (b.description !== undefined && (typeof b.description !== 'string' || b.description.length > MAX_DESCRIPTION)) throw bad(`description must be a string of at most ${MAX_DESCRIPTION} characters`, 'description');
  return { name: b.name, type: b.type as MetricType, unit: b.unit ?? '', description: b.description ?? '' };
}

const MetricInfo = Type.Object({
  name: Type.String(),
  type: Type.Union([...METRIC_TYPES.map((t) => Type.Literal(t)), Type.Null()], { description: 'null when the metric was never registered or declared by OTLP.' }),
  unit: Type.String(),
  description: Type.String(),
});

/**
 * Discovery for UIs: metric names (with their registered type, unit and description), their
 * dimension keys, and a key's values (most frequent first); and metric registration.
 */
export const discoveryRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf }) => {
  const read = { scope: 'read' as const };
  const doc = (summary: string, extra: object = {}) => ({ summary, tags: ['discovery'], security: [{ bearer: [] }], response: { 200: Names, 400: ErrorEnvelope, 404: ErrorEnvelope, ...authErrors }, ...extra });
  const name = Type.Object({ name: Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }) });
  const infoOf = (n: string, m: { type: MetricType; unit: string; description: string } | undefined) => ({ name: n, type: m?.type ?? null, unit: m?.unit ?? '', description: m?.description ?? '' });

  app.get<{ Querystring: { details?: string } }>(
    '/api/v1/metrics',
    {
      config: read,
      schema: {
        ...doc('Metric names of the caller\'s tenant'),
        description: 'Names of the metrics that have data. With details=true: objects {name, type, unit, description} for those and for registered metrics without data yet.',
        querystring: Type.Object({ details: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Union([Names, Type.Array(MetricInfo)]), ...authErrors },
      },
    },
    async (req) => {
      const tenant = tenantOf(req);
      const names = await luminate.listMetrics(tenant);
      const details = req.query.details;
      if (details === undefined || details === 'false') return names;
      if (details !== 'true') throw queryErrors.create('INVALID_QUERY', 'details must be true or false', { field: 'details', received: details });
      const registered = new Map((await luminate.metricMetadata.list(tenant)).map((m) => [m.name, m]));
      const all = [...new Set([...names, ...registered.keys()])].sort();
      return all.map((n) => infoOf(n, registered.get(n)));
    },
  );

  app.get<{ Params: NameParams }>(
    '/api/v1/metrics/:name',
    { config: read, schema: { ...doc('A metric: type, unit, description and dimension keys', { params: name }), response: { 200: Type.Intersect([MetricInfo, Type.Object({ dimensions: Names })]), 400: ErrorEnvelope, 404: ErrorEnvelope, ...authErrors } } },
    async (req) => {
      checkMetricName(req.params.name);
      const tenant = tenantOf(req);
      const meta = await luminate.metricMetadata.get(tenant, req.params.name);
      let dimensions: string[] = [];
      try {
        dimensions = await luminate.listDimensions(req.params.name, tenant);
      } catch (err) {
        // Registered but without data yet: known, with no dimensions.
        if (!(err instanceof LuminateError && err.code === 'METRIC_NOT_FOUND' && meta !== undefined)) throw err;
      }
      return { ...infoOf(req.params.name, meta), dimensions };
    },
  );

  app.post(
    '/api/v1/metrics/register',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Declare a metric\'s type, unit and description',
        description: 'Body {name, type: counter|gauge|histogram, unit?, description?}. Registering again replaces the declaration; points need no registration. Shown by GET /api/v1/metrics?details=true and GET /api/v1/metrics/{name}, and used by the UI (e.g. rate for counters).',
        tags: ['discovery'],
        security: [{ bearer: [] }],
        body: Type.Object({ name: Type.String(), type: Type.Union(METRIC_TYPES.map((t) => Type.Literal(t))), unit: Type.Optional(Type.String({ maxLength: MAX_UNIT })), description: Type.Optional(Type.String({ maxLength: MAX_DESCRIPTION })) }),
        response: { 200: Type.Intersect([MetricInfo, Type.Object({ updated_at: Type.String() })]), 400: ErrorEnvelope, ...authErrors },
      },
    },
    async (req) => {
      const d = parseRegistration(req.body);
      const m = await luminate.metricMetadata.register(tenantOf(req), d);
      return { name: m.name, type: m.type, unit: m.unit, description: m.description, updated_at: m.updated_at };
    },
  );

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
