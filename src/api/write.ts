import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { commonErrors } from '../errors.js';
import { writeLimits } from './rate-limit.js';
import { CardinalityWarning, ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

const WriteBody = Type.Object(
  {
    metrics: Type.Array(
      Type.Object({
        name: Type.String({ description: 'Metric name, ^[a-zA-Z_][a-zA-Z0-9_]*$, 1-256 characters.' }),
        timestamp: Type.Integer({ description: 'Unix milliseconds within [now - 7d, now + 1h].' }),
        value: Type.Number({ description: 'A finite number.' }),
        dimensions: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'At most 20 key/value pairs.' })),
      }),
    ),
  },
  { description: 'Items are validated one by one (a bad item is reported in a 207, not a 400 for the batch).' },
);

const WriteResponse = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(Type.Object({ index: Type.Integer(), metric: Type.Union([Type.String(), Type.Null()]), code: Type.String(), error: Type.String() })),
  warnings: Type.Optional(Type.Array(CardinalityWarning, { description: 'Cardinality warnings (limits approaching, high-cardinality patterns, overflow); omitted when none.' })),
});

/** `POST /api/v1/write` — seed 003 "Batch Write API". */
export const writeRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf, limiter }) => {
  const limits = writeLimits(limiter, tenantOf);
  // Inside this plugin only: keep the body as bytes. The acceptor reads the common shape straight
  // from them and falls back to JSON.parse for anything else (src/ingest/fast-batch.ts).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post(
    '/api/v1/write',
    {
      config: { scope: 'write' },
      // The request bucket is checked before the body is read; the points bucket once they are counted.
      ...limits.onRequest,
      schema: {
        summary: 'Write a batch of metrics',
        description: 'At most 10,000 metrics and 10 MB (before and after gzip). Items are validated one by one: a bad one is reported in a 207, the rest are stored. Answered once the points are stored.',
        tags: ['write'],
        security: [{ bearer: [] }],
        body: WriteBody,
        response: { 200: WriteResponse, 207: WriteResponse, 400: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => {
      const body = req.body as Buffer;
      if (body.length === 0) throw commonErrors.create('INVALID_JSON', 'request body is empty; send a JSON document');
      const tenant = tenantOf(req);
      const admit = limits.admit(reply, tenant);
      const result = await luminate.writeBytes(body, tenant, admit);
      return reply.code(result.status).send({ accepted: result.accepted, rejected: result.rejected, errors: result.errors, ...(result.warnings ? { warnings: result.warnings } : {}) });
    },
  );

  app.post(
    '/api/v1/metrics/ingest',
    {
      config: { scope: 'write' },
      ...limits.onRequest,
      schema: {
        summary: 'Write one metric',
        description: 'One seed metric {name, timestamp, value, dimensions}, checked by the same rules as an item of POST /api/v1/write. 200 once stored; 400 with the rule\'s code (e.g. INVALID_METRIC_NAME) otherwise.',
        tags: ['write'],
        security: [{ bearer: [] }],
        body: WriteBody.properties.metrics.items,
        response: { 200: WriteResponse, 400: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => {
      const body = req.body as Buffer;
      if (body.length === 0) throw commonErrors.create('INVALID_JSON', 'request body is empty; send a JSON metric object');
      let metric: unknown;
      try {
        metric = JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw commonErrors.create('INVALID_JSON', `request body is not valid JSON: ${(err as Error).message}`);
      }
      const tenant = tenantOf(req);
      const admit = limits.admit(reply, tenant);
      // One item: the write is all or nothing, so a rejection is the 400 with the item's own code.
      const result = await luminate.write({ metrics: [metric] }, tenant, admit);
      return reply.code(200).send({ accepted: result.accepted, rejected: result.rejected, errors: result.errors, ...(result.warnings ? { warnings: result.warnings } : {}) });
    },
  );
};
