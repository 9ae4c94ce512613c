import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { durationMs } from '../config/index.js';
import { exportJsonLines } from '../export.js';
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
      const lines = exportJsonLines(luminate.store, tenant, metrics, selectors, { start, end, timeoutMs });
      // The first page is read before answering, so a failing query is a proper error response;
      // a failure after that can only cut the stream short (and is logged).
      let first: IteratorResult<string>;
      try {
        first = await lines.next();
      } catch (err) {
        admission?.release();
        throw err;
      }
      const stream = Readable.from(
        (async function* () {
          if (!first.done) yield first.value;
          yield* lines;
        })(),
      );
      stream.on('error', (err) => req.log.error({ err }, 'export failed part way; the answer is cut short'));
      stream.on('close', () => admission?.release());
      reply.type('application/stream+json');
      return reply.send(stream);
    },
  );
};
