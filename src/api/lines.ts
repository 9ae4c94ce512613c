import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { csvParser, influxParser, influxPrecision, ingestErrors, ingestLines, parseCsvFormat, seedMetricLine, sharedCode, vmJsonLine } from '../ingest/index.js';
import type { LineIngestResult, LineParser } from '../ingest/index.js';
import { apiErrors } from './errors.js';
import { writeLimits } from './rate-limit.js';
import { CardinalityWarning, ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

export interface LineRouteOptions extends RouteOptions {
  /** Longest accepted line (batch_write.max_request_size_bytes). */
  maxLineLength: number;
  /** Samples per write (batch_write.max_batch_size). */
  chunkSamples: number;
}

/** Rejected lines repeated in a 400's details (all are counted). */
const MAX_ERRORS_IN_DETAILS = 100;

const LineErrorSchema = Type.Object({ line: Type.Integer(), metric: Type.Union([Type.String(), Type.Null()]), code: Type.String(), error: Type.String() });

const BatchResponse = Type.Object({
  lines: Type.Integer({ description: 'Non-empty lines read.' }),
  accepted: Type.Integer({ description: 'Points stored.' }),
  rejected: Type.Integer({ description: 'Points (or unparseable lines) rejected.' }),
  errors: Type.Array(LineErrorSchema, { description: 'The first 1,000 rejections, by 1-based line number.' }),
  warnings: Type.Optional(Type.Array(CardinalityWarning)),
});

/**
 * Line-oriented write endpoints, all streamed (the body is read as it arrives and written in
 * chunks, so its size is not bounded by memory; only a single line is, by
 * batch_write.max_request_size_bytes):
 *
 * - `POST /api/v2/write`, `POST /write`: InfluxDB line protocol (Telegraf, Influx clients).
 * - `POST /api/v1/import`: VictoriaMetrics JSON lines; `POST /api/v1/import/csv`: CSV.
 * - `POST /api/v1/metrics/ingest/batch`: NDJSON of seed 003 metrics.
 *
 * Any Content-Type is accepted (senders disagree: text/plain, application/x-ndjson,
 * application/octet-stream, curl's form type); gzip as everywhere.
 */
export const lineRoutes: FastifyPluginAsync<LineRouteOptions> = async (app, { luminate, tenantOf, limiter, maxLineLength, chunkSamples }) => {
  const limits = writeLimits(limiter, tenantOf);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  const run = (req: FastifyRequest, reply: FastifyReply, parse: LineParser, comment?: string): Promise<LineIngestResult> => {
    const tenant = tenantOf(req);
    const admit = limits.admit(reply, tenant);
    // No body at all (no Content-Type): nothing to read.
    const body: AsyncIterable<Buffer | string> = (req.body as Readable | undefined) ?? (async function* () {})();
    return ingestLines(body, parse, (series) => luminate.writeSeries(series, tenant, admit), { maxLineLength, chunkSamples, ...(comment !== undefined ? { comment } : {}) });
  };

  /** 204 when every line was stored; else a 400 envelope naming the rejected lines (the others were stored). */
  const answerNoContent = (reply: FastifyReply, r: LineIngestResult, protocol: string) => {
    if (r.rejected === 0) return reply.code(204).send();
    throw rejectedLines(r, protocol);
  };

  const influxSchema = (summary: string, params: Record<string, ReturnType<typeof Type.String>>) => ({
    summary,
    description:
      'InfluxDB line protocol, streamed. `measurement_field` → metric name, tags → dimensions; numeric and boolean fields stored, string fields skipped. 204 when every line was stored; 400 PARTIAL_WRITE (good lines stored) or the lines\' error code otherwise. docs/ingest/influx.md.',
    tags: ['write'],
    security: [{ bearer: [] }],
    querystring: Type.Object(params),
    response: { 204: { type: 'null', description: 'Stored.' }, 400: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
  });

  const influx = async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = (req.query as { precision?: string }).precision;
    const precision = influxPrecision(raw);
    if (precision === null) throw apiErrors.create('INVALID_REQUEST', `precision must be ns, us, ms, s (or n, u, m, h); got ${raw}`, { precision: raw });
    return answerNoContent(reply, await run(req, reply, influxParser(precision, Date.now()), '#'), 'influx');
  };
  app.post('/api/v2/write', { config: { scope: 'write' }, ...limits.onRequest, schema: influxSchema('InfluxDB v2 line protocol write', { org: Type.String({ description: 'Accepted and ignored (the tenant comes from the credentials).' }), bucket: Type.String({ description: 'Accepted and ignored.' }), precision: Type.String({ description: 'ns (default), us, ms or s.' }) }) }, influx);
  app.post('/write', { config: { scope: 'write' }, ...limits.onRequest, schema: influxSchema('InfluxDB v1 line protocol write', { db: Type.String({ description: 'Accepted and ignored (the tenant comes from the credentials).' }), precision: Type.String({ description: 'n/ns (default), u/us, ms, s, m or h.' }) }) }, influx);

  app.post(
    '/api/v1/import',
    {
      config: { scope: 'write' },
      ...limits.onRequest,
      schema: {
        summary: 'VictoriaMetrics JSON lines import',
        description: 'One {"metric":{"__name__":…,labels},"values":[…],"timestamps":[…ms]} per line, streamed (the format GET /api/v1/export writes). 204 when every line was stored; 400 otherwise, listing the rejected lines (the others were stored). docs/ingest/victoriametrics.md.',
        tags: ['write'],
        security: [{ bearer: [] }],
        response: { 204: { type: 'null', description: 'Stored.' }, 400: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => answerNoContent(reply, await run(req, reply, vmJsonLine), 'vm_import'),
  );

  app.post(
    '/api/v1/import/csv',
    {
      config: { scope: 'write' },
      ...limits.onRequest,
      schema: {
        summary: 'CSV import (VictoriaMetrics format parameter)',
        description: 'format=<col>:metric:<name>,<col>:label:<name>,<col>:time:<unix_s|unix_ms|unix_ns|rfc3339> (1-based columns). Each metric column of a row is a sample; empty cells are skipped. 204 when every row was stored; 400 otherwise.',
        tags: ['write'],
        security: [{ bearer: [] }],
        querystring: Type.Object({ format: Type.String({ description: 'Column layout, e.g. 1:time:unix_ms,2:label:host,3:metric:cpu_usage' }) }),
        response: { 204: { type: 'null', description: 'Stored.' }, 400: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => {
      const cols = parseCsvFormat((req.query as { format?: string }).format);
      if (typeof cols === 'string') throw apiErrors.create('INVALID_REQUEST', cols, { parameter: 'format' });
      return answerNoContent(reply, await run(req, reply, csvParser(cols, Date.now())), 'csv');
    },
  );

  app.post(
    '/api/v1/metrics/ingest/batch',
    {
      config: { scope: 'write' },
      ...limits.onRequest,
      schema: {
        summary: 'Write metrics as NDJSON (streamed)',
        description: 'One seed metric {name, timestamp, value, dimensions} per line, read and stored as the body arrives (any size). Each line is checked like an item of POST /api/v1/write; rejected lines are reported by line number and the others stored. 200 all stored, 207 some rejected, 400 none valid.',
        tags: ['write'],
        security: [{ bearer: [] }],
        response: { 200: BatchResponse, 207: BatchResponse, 400: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => {
      const r = await run(req, reply, seedMetricLine);
      if (r.lines === 0) throw ingestErrors.create('INVALID_BATCH', 'the body has no lines; send one metric object per line', {});
      if (r.accepted === 0) throw rejectedLines(r, 'ndjson');
      return reply.code(r.rejected > 0 ? 207 : 200).send({ lines: r.lines, accepted: r.accepted, rejected: r.rejected, errors: r.errors, ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}) });
    },
  );
};

/**
 * The error for a streamed write with rejected lines: when some were stored, PARTIAL_WRITE; when
 * none, the lines' code if they share one, else INVALID_BATCH. Details list the first lines.
 */
function rejectedLines(r: LineIngestResult, protocol: string) {
  const first = r.errors[0];
  const firstText = first === undefined ? '' : ` (first: line ${first.line}: ${first.code}: ${first.error})`;
  const details = { protocol, lines: r.lines, accepted: r.accepted, rejected: r.rejected, errors: r.errors.slice(0, MAX_ERRORS_IN_DETAILS), ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}) };
  if (r.accepted > 0) return ingestErrors.create('PARTIAL_WRITE', `${r.rejected} point(s) or line(s) rejected, ${r.accepted} point(s) stored${firstText}`, details);
  return ingestErrors.create(sharedCode(r.errors), `nothing stored: ${r.rejected} point(s) or line(s) rejected${firstText}`, details);
}
