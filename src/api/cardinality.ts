import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { apiErrors } from './errors.js';
import { rateLimitHeaders } from './rate-limit.js';
import { CardinalityWarning, ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

export const CardinalityAnswer = Type.Object({
  tenant: Type.String(),
  limits: Type.Object({ max_unique_series_per_metric: Type.Integer(), max_metrics_per_tenant: Type.Integer(), warning_threshold: Type.Number() }),
  metrics: Type.Object({ count: Type.Integer(), limit: Type.Integer(), usage: Type.Number() }),
  series: Type.Integer({ description: 'Series over every metric of the tenant (exact).' }),
  top_metrics: Type.Array(
    Type.Object({
      metric: Type.String(),
      series: Type.Integer({ description: 'Exact.' }),
      limit: Type.Integer(),
      usage: Type.Number({ description: 'series / limit' }),
      status: Type.Union([Type.Literal('ok'), Type.Literal('warning'), Type.Literal('limited')]),
      overflow: Type.Boolean({ description: 'New series past the limit fold into __overflow__ (else they are rejected).' }),
      rejected_points: Type.Integer({ description: 'Points refused since the server started because they would have created a series past the limit.' }),
      overflow_points: Type.Integer({ description: 'Points folded into __overflow__ since the server started.' }),
      patterns: Type.Array(Type.Object({ dimension: Type.String(), reason: Type.String() })),
    }),
  ),
  top_dimensions: Type.Array(
    Type.Object({
      metric: Type.String(),
      dimension: Type.String(),
      distinct_values: Type.Integer({ description: 'Approximate (engine uniq, within ~1%).' }),
      pattern: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  warnings: Type.Array(CardinalityWarning),
});

/** `GET /api/v1/cardinality` — the caller's tenant against its cardinality limits. */
export const cardinalityRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf, limiter }) => {
  const schema = {
    summary: 'Cardinality: top metrics by series, top dimensions by distinct values, usage against the limits, warnings',
    tags: ['cardinality'],
    security: [{ bearer: [] }],
    querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })) }),
    response: { 200: CardinalityAnswer, 400: ErrorEnvelope, ...authErrors },
  };
  app.get<{ Querystring: { limit?: string } }>('/api/v1/cardinality', { config: { scope: 'read' }, schema }, async (req, reply) => {
    let limit = 10;
    if (req.query.limit !== undefined) {
      limit = Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw apiErrors.create('INVALID_REQUEST', 'limit must be an integer from 1 to 1000', { field: 'limit', received: req.query.limit });
      }
    }
    const tenant = tenantOf(req);
    if (limiter === undefined) return luminate.cardinalityReport(tenant, { limit });
    const { state, release } = limiter.admitQuery(tenant);
    rateLimitHeaders(reply, state);
    try {
      return await luminate.cardinalityReport(tenant, { limit });
    } finally {
      release();
    }
  });
};
