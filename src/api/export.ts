import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { durationMs } from '../config/index.js';
import { EXPORT_FORMATS, exportJsonLines, exportMetric, type ExportFormat } from '../export.js';
import { NAME_PATTERN } from '../ingest/index.js';
import { parseRfc3339, parseSelector, queryErrors, type Selector } from '../query/index.js';
import { rateLimitHeaders } from './rate-limit.js';
import { ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

/** `start`/`end`: unix seconds (fractions allowed) or RFC 3339. */
function timeParam(raw: string | undefined, field: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const t = parseRfc3339(raw);
  if (t === null) throw queryErrors.create('INVALID_QUERY', `${field} must be unix seconds or an RFC 3339 time`, { field, received: raw });
  return t;
}

/** `start`/`end` of Luminate's own export: unix milliseconds or RFC 3339. */
function msParam(raw: unknown, field: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string') throw queryErrors.create('INVALID_QUERY', `${field} must be given once`, { field });
  if (/^-?\d+$/.test(raw)) return Number(raw);
  const t = parseRfc3339(raw);
  if (t === null) throw queryErrors.create('INVALID_QUERY', `${field} must be unix milliseconds or an RFC 3339 time`, { field, received: raw });
  return t;
}

const CONTENT_TYPES: Record<ExportFormat, string> = { ndjson: 'application/x-ndjson', csv: 'text/csv; charset=utf-8', parquet: 'application/vnd.apache.parquet' };

/**
 * Reads an export's first chunk before answering, so a failing first query is a proper error
 * response; a failure after that can only cut the stream short (and is logged).
 */
async function streamOf<T>(chunks: AsyncGenerator<T>, onError: (err: unknown) => void, onClose: () => void): Promise<Readable> {
  let first: IteratorResult<T>;
  try {
    first = await chunks.next();
  } catch (err) {
    onClose();
    throw err;
  }
  const stream = Readable.from(
    (async function* () {
      if (!first.done) yield first.value;
      yield* chunks;
    })(),
  );
  stream.on('error', onError);
  stream.on('close', onClose);
  return stream;
}

/** `GET /api/v1/export` — VictoriaMetrics JSON lines for the series matching `match[]`. */
export const exportRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf, limiter }) => {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/api/v1/export',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Export series as VictoriaMetrics JSON lines',
        description:
          'match[]: one or more Prometheus series selectors (name{label="v", other=~"re"}); start/end: unix seconds or RFC 3339 (default: everything up to now). Streams one {"metric","values","timestamps"} object per line (a long series continues on further lines), readable by POST /api/v1/import here and by VictoriaMetrics.',
        tags: ['query'],
        security: [{ bearer: [] }],
        querystring: Type.Object({ 'match[]': Type.Union([Type.String(), Type.Array(Type.String())]), start: Type.Optional(Type.String()), end: Type.Optional(Type.String()) }),
        response: { 200: { type: 'string', description: 'application/stream+json: JSON lines' }, 400: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => {
      const tenant = tenantOf(req);
      const q = req.query;
      const raw = q['match[]'] ?? q.match;
      const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) throw queryErrors.create('INVALID_QUERY', 'match[] is required, e.g. match[]=http_requests{job="api"}', { field: 'match[]' });
      const selectors: Selector[] = list.map((text) => {
        const sel = parseSelector(text);
        if (typeof sel === 'string') throw queryErrors.create('INVALID_QUERY', sel, { field: 'match[]', received: text });
        return sel;
      });
      const now = Date.now();
      const start = timeParam(typeof q.start === 'string' ? q.start : undefined, 'start', 0);
      const end = timeParam(typeof q.end === 'string' ? q.end : undefined, 'end', now);
      if (end < start) throw queryErrors.create('INVALID_QUERY', 'end is before start', { field: 'end' });
      const admission = limiter?.admitQuery(tenant);
      if (admission !== undefined) rateLimitHeaders(reply, admission.state);
      let metrics: string[];
      try {
        metrics = await luminate.listMetrics(tenant);
      } catch (err) {
        admission?.release();
        throw err;
      }
      const timeoutMs = durationMs(luminate.config.query_limits.max_query_timeout);
      const lines = exportJsonLines(luminate.store, tenant, metrics, selectors, { start, end, timeoutMs, source: luminate.samplesSource(tenant, start, end) });
      const stream = await streamOf(lines, (err) => req.log.error({ err }, 'export failed part way; the answer is cut short'), () => admission?.release());
      reply.type('application/stream+json');
      return reply.send(stream);
    },
  );

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/api/v1/metrics/export',
    {
      config: { scope: 'read' },
      schema: {
        summary: "Export one metric's points as CSV, NDJSON or Parquet",
        description:
          'name: the metric; start/end: unix milliseconds or RFC 3339 (default: everything up to now); format: ndjson (default; the write API\'s point shape, one per line), csv (timestamp,name,value,<dimension keys>) or parquet (timestamp TIMESTAMP_MILLIS, name, value DOUBLE, one optional string column per dimension key). Streamed page by page: an export larger than memory never sits in memory whole. Only the caller\'s tenant.',
        tags: ['query'],
        security: [{ bearer: [] }],
        // Checked in the handler, for the query API's error codes.
        querystring: Type.Object({ name: Type.Optional(Type.String()), start: Type.Optional(Type.String()), end: Type.Optional(Type.String()), format: Type.Optional(Type.String({ description: EXPORT_FORMATS.join(' | ') })) }),
        response: { 200: { type: 'string', description: 'the points in the chosen format' }, 400: ErrorEnvelope, 404: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => {
      const tenant = tenantOf(req);
      const q = req.query;
      const name = q.name;
      if (typeof name !== 'string' || name === '') throw queryErrors.create('INVALID_QUERY', 'name is required: the metric to export', { field: 'name' });
      if (name.length > 256 || !NAME_PATTERN.test(name)) throw queryErrors.create('INVALID_QUERY', `name must match ${NAME_PATTERN.source}`, { field: 'name', received: name });
      const format = q.format ?? 'ndjson';
      if (typeof format !== 'string' || !(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw queryErrors.create('INVALID_QUERY', `format must be one of ${EXPORT_FORMATS.join(', ')}`, { field: 'format', received: format });
      }
      const start = msParam(q.start, 'start', 0);
      const end = msParam(q.end, 'end', Date.now());
      if (end < start) throw queryErrors.create('INVALID_QUERY', 'end is before start', { field: 'end' });
      const admission = limiter?.admitQuery(tenant);
      if (admission !== undefined) rateLimitHeaders(reply, admission.state);
      let keys: string[];
      try {
        // Also the 404 for a metric the tenant does not have.
        keys = await luminate.listDimensions(name, tenant);
      } catch (err) {
        admission?.release();
        throw err;
      }
      const timeoutMs = durationMs(luminate.config.query_limits.max_query_timeout);
      const chunks = exportMetric(luminate.store, tenant, name, keys, format as ExportFormat, { start, end, timeoutMs, source: luminate.samplesSource(tenant, start, end) });
      const stream = await streamOf(chunks, (err) => req.log.error({ err, metric: name }, 'metric export failed part way; the answer is cut short'), () => admission?.release());
      reply.type(CONTENT_TYPES[format as ExportFormat]);
      reply.header('content-disposition', `attachment; filename="${name}.${format}"`);
      return reply.send(stream);
    },
  );
};
