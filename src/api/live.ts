import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NAME_PATTERN } from '../ingest/index.js';
import { LiveHub, type LiveEvent } from '../live/hub.js';
import { queryErrors } from '../query/index.js';
import { apiErrors } from './errors.js';
import { ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

export interface LiveOptions extends RouteOptions {
  coalesceMs: number;
  heartbeatMs: number;
  maxStreamsPerTenant: number;
}

/** Most metrics one stream may watch. */
export const MAX_LIVE_METRICS = 100;

/** `metrics=a,b` or `metrics=a&metrics=b` → validated, deduplicated names. */
export function parseLiveMetrics(raw: unknown): string[] {
  const given: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  const parts = given.flatMap((v): unknown[] => (typeof v === 'string' ? v.split(',') : [v]));
  const names = [...new Set(parts.map((p): unknown => (typeof p === 'string' ? p.trim() : p)))].filter((p) => p !== '');
  if (names.length === 0 || names.length > MAX_LIVE_METRICS) {
    throw queryErrors.create('INVALID_QUERY', `metrics must name 1-${MAX_LIVE_METRICS} metrics, e.g. ?metrics=api_latency,total_requests`, { field: 'metrics' });
  }
  for (const n of names) {
    if (typeof n !== 'string' || n.length > 256 || !NAME_PATTERN.test(n)) {
      throw queryErrors.create('INVALID_QUERY', `metrics: ${String(n)} is not a metric name (${NAME_PATTERN.source})`, { field: 'metrics', received: n });
    }
  }
  return names as string[];
}

/**
 * `GET /api/v1/live?metrics=a,b` — live updates pushed to the browser as Server-Sent Events:
 * `event: points` with `{"metric", "earliest", "latest"}` each time new points of a watched
 * metric are stored (coalesced to one push per `live.coalesce_interval`). Pages then ask only for
 * the tail `[earliest, latest]`. Read over `fetch` (the UI does, to send the Authorization
 * header) or `EventSource` when auth is off.
 */
export const liveRoutes: FastifyPluginAsync<LiveOptions> = async (app, opts) => {
  const { luminate, tenantOf } = opts;
  const hub = new LiveHub({ bus: luminate.bus, coalesceMs: opts.coalesceMs });
  const streams = new Set<() => void>();
  const perTenant = new Map<string, number>();
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
    hub.close();
  });

  const schema = {
    summary: 'Live updates: new points of the given metrics, pushed as Server-Sent Events',
    description:
      'Events: `ready` once subscribed (`{"metrics"}`), then `points` (`{"metric","earliest","latest"}`, unix ms) whenever points of a watched metric are stored. A comment line every live.heartbeat_interval keeps the stream open.',
    tags: ['live'],
    security: [{ bearer: [] }],
    querystring: Type.Object({ metrics: Type.String({ description: 'Comma-separated metric names (or the parameter repeated), at most 100' }) }),
    response: { 200: Type.String({ description: 'text/event-stream' }), 400: ErrorEnvelope, ...authErrors },
  };
  app.get<{ Querystring: { metrics?: unknown } }>('/api/v1/live', { config: { scope: 'read' }, schema }, async (req, reply) => {
    const tenant = tenantOf(req);
    const metrics = parseLiveMetrics(req.query.metrics);
    const open = perTenant.get(tenant) ?? 0;
    if (open >= opts.maxStreamsPerTenant) {
      throw apiErrors.create('TOO_MANY_LIVE_STREAMS', `tenant ${tenant} already has ${open} live streams open (live.max_streams_per_tenant)`, { max_streams_per_tenant: opts.maxStreamsPerTenant });
    }
    perTenant.set(tenant, open + 1);

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(req.id),
    });
    res.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ metrics })}\n\n`);
    const send = (e: LiveEvent) => res.write(`event: points\ndata: ${JSON.stringify(e)}\n\n`);
    const unsubscribe = hub.subscribe(tenant, metrics, send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs);
    heartbeat.unref();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(end);
      const n = (perTenant.get(tenant) ?? 1) - 1;
      if (n <= 0) perTenant.delete(tenant);
      else perTenant.set(tenant, n);
      res.end();
    };
    streams.add(end);
    req.raw.on('close', end);
    res.on('error', end);
  });
};
