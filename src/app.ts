import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAuth } from './api/auth.js';
import { adminRoutes } from './api/admin.js';
import { cardinalityRoutes } from './api/cardinality.js';
import { promRoutes } from './api/prom.js';
import { registerOpenApi } from './api/openapi.js';
import { discoveryRoutes } from './api/discovery.js';
import { RateLimiter, rateLimitHeaders } from './api/rate-limit.js';
import { registerBodyHandling } from './api/body.js';
import { lineRoutes } from './api/lines.js';
import { exportRoutes } from './api/export.js';
import { dashboardRoutes } from './api/dashboards.js';
import { liveRoutes } from './api/live.js';
import { uiRoutes } from './api/ui.js';
import { otlpRoutes } from './api/otlp.js';
import { apiErrors, toLuminateError } from './api/errors.js';
import { healthRoutes } from './api/health.js';
import { queryRoutes } from './api/query.js';
import { selfMetricsRoutes } from './api/self-metrics.js';
import type { RouteOptions } from './api/types.js';
import { writeRoutes } from './api/write.js';
import { durationMs, type Config } from './config/index.js';
import { DEFAULT_TENANT, type Luminate } from './luminate.js';

export interface AppDeps {
  luminate: Luminate;
  /** The process logger; Fastify logs requests through it. Omit for a silent app (tests). */
  logger?: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the HTTP app over a Luminate core without listening (the composition root is
 * `main.ts`). Tests drive it with `app.inject()` or `app.listen({ port: 0 })`.
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const bodyLimit = config.batch_write.max_request_size_bytes;
  // Typed as Fastify's base logger so the app keeps Fastify's default instance type.
  const loggerInstance: FastifyBaseLogger | undefined = deps.logger;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    bodyLimit,
    requestTimeout: durationMs(config.server.read_timeout),
    connectionTimeout: durationMs(config.server.write_timeout),
    return503OnClosing: true,
    // Thousands of writes a second would drown the log: requests are logged at debug (below).
    logController: new LogController({ disableRequestLogging: true }),
    // Echo a sane caller-provided X-Request-Id, otherwise make one; it is in every log line.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  if (deps.logger?.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (req, reply) => {
      req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    });
  }

  registerAuth(app, config.auth, deps.luminate.apiKeys);

  registerBodyHandling(app, { gzip: config.batch_write.compression });
  // Route schemas are the documented contract (OpenAPI); requests are validated by the capability
  // code, answers serialized as plain JSON, so HTTP and the embedded library behave the same.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await registerOpenApi(app);

  app.setErrorHandler((err, req, reply) => {
    const e = toLuminateError(err, bodyLimit);
    if (e.status >= 500) req.log.error({ err: e.cause ?? err, code: e.code }, e.message);
    // Errors that know when to come back say so in details.retry_after_seconds; other 503s: 5 s.
    const retryAfter = e.details.retry_after_seconds;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    else if (e.status === 503) reply.header('retry-after', '5');
    if (e.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="luminate"');
    if (e.code === 'RATE_LIMIT_EXCEEDED') {
      const d = e.details as { value: number; remaining: number; reset: number };
      rateLimitHeaders(reply, { limit: d.value, remaining: d.remaining, reset: d.reset });
    }
    return reply.code(e.status).send(e.toEnvelope());
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(apiErrors.create('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toEnvelope()),
  );

  const rl = config.rate_limits;
  const limiterOn = rl.enabled === 'auto' ? config.auth.enabled : rl.enabled;
  const metrics = deps.luminate.selfMetrics;
  const limiter = limiterOn
    ? new RateLimiter({
        defaults: { write_requests_per_second: rl.write_requests_per_second, query_requests_per_second: rl.query_requests_per_second, metrics_per_second: rl.metrics_per_second, concurrent_queries: rl.concurrent_queries },
        overrides: rl.tenants,
        onLimited: (tenant, limit) => metrics.rateLimited.inc({ tenant_id: tenant, limit }),
      })
    : undefined;
  const routeOptions: RouteOptions = { luminate: deps.luminate, tenantOf: (req) => req.auth?.tenant ?? DEFAULT_TENANT, limiter };
  await app.register(writeRoutes, routeOptions);
  await app.register(promRoutes, { ...routeOptions, maxDecodedBytes: config.batch_write.max_request_size_bytes });
  await app.register(lineRoutes, { ...routeOptions, maxLineLength: config.batch_write.max_request_size_bytes, chunkSamples: config.batch_write.max_batch_size });
  await app.register(otlpRoutes, { ...routeOptions, resourceAttributes: config.otlp.resource_attributes, scopeAttributes: config.otlp.scope_attributes });
  await app.register(exportRoutes, routeOptions);
  await app.register(queryRoutes, routeOptions);
  await app.register(discoveryRoutes, routeOptions);
  await app.register(healthRoutes, routeOptions);
  await app.register(adminRoutes, routeOptions);
  await app.register(cardinalityRoutes, routeOptions);
  await app.register(dashboardRoutes, routeOptions);
  if (config.live.enabled) {
    const l = config.live;
    await app.register(liveRoutes, { ...routeOptions, coalesceMs: durationMs(l.coalesce_interval), heartbeatMs: durationMs(l.heartbeat_interval), maxStreamsPerTenant: l.max_streams_per_tenant });
  }
  await app.register(uiRoutes, routeOptions);
  if (config.metrics.enabled) await app.register(selfMetricsRoutes, { ...routeOptions, path: config.metrics.path, requireAuth: config.metrics.require_auth });
  return app;
}

