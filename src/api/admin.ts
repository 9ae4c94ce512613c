import type { FastifyPluginAsync } from 'fastify';
import type { KeyScope } from '../meta/index.js';
import { Type } from '@sinclair/typebox';
import { durationMs } from '../config/index.js';
import { NAME_PATTERN } from '../ingest/index.js';
import { storageReport } from '../storage/index.js';
import { parseRfc3339 } from '../query/index.js';
import { apiErrors } from './errors.js';
import { ApiKeyInfo, ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

const KEY_SCOPES: readonly KeyScope[] = ['read', 'write', 'admin'];
const admin = { scope: 'admin' as const };
const tags = ['admin'];
const security = [{ bearer: [] }];
/** How long POST /api/v1/admin/rollups/refresh waits before answering 202 (below server.write_timeout). */
const REFRESH_WAIT_MS = 20_000;

/** Administration (admin scope): the caller's tenant's API keys, retention and deletes. */
export const adminRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf }) => {
  const storageSchema = {
    summary: 'Storage figures of the whole engine',
    description:
      'Rows, parts and bytes per table (raw points, series, each rollup level), per engine disk and per storage tier (with each table\'s share of the tier), points stored, bytes per point, and the compression ratio against the write API\'s JSON for the same points (computed from the stored rows: it reads every sample, so it takes about a second per 10 million points). Engine-wide: every tenant\'s data.',
    tags,
    security,
    response: {
      200: Type.Object({
        tables: Type.Array(Type.Object({ table: Type.String(), role: Type.Union([Type.Literal('raw'), Type.Literal('series'), Type.Literal('rollup'), Type.Literal('other')]), rows: Type.Number(), parts: Type.Number(), bytes_on_disk: Type.Number(), compressed_bytes: Type.Number(), uncompressed_bytes: Type.Number() })),
        disks: Type.Array(Type.Object({ disk: Type.String(), path: Type.String(), rows: Type.Number(), bytes_on_disk: Type.Number(), free_bytes: Type.Number(), total_bytes: Type.Number() })),
        tiers: Type.Array(
          Type.Object({
            tier: Type.Union([Type.Literal('hot'), Type.Literal('warm'), Type.Literal('cold')]),
            disk: Type.String(),
            rows: Type.Number(),
            parts: Type.Number(),
            bytes_on_disk: Type.Number(),
            tables: Type.Array(Type.Object({ table: Type.String(), rows: Type.Number(), bytes_on_disk: Type.Number() })),
          }),
          { description: 'Luminate\'s tables per storage tier (storage.tiers): hot is the data directory, warm a second local volume, cold the S3 bucket.' },
        ),
        points: Type.Number(),
        bytes_on_disk: Type.Number(),
        bytes_per_point: Type.Number(),
        raw_json_bytes: Type.Number(),
        compression_ratio: Type.Number(),
        space_saving: Type.Number(),
      }),
      ...authErrors,
    },
  };
  app.get('/api/v1/admin/storage', { config: admin, schema: storageSchema }, async () => storageReport(luminate.store, durationMs(luminate.config.query_limits.max_query_timeout)));

  const Watermarks = Type.Object({ '1m': Type.Integer(), '1h': Type.Integer() }, { description: 'each level covers buckets before its watermark (unix ms)' });
  const Report = Type.Object({ watermarks: Watermarks, rewritten: Type.Integer({ description: '(metric, hour) pairs rewritten for late points' }), ms: Type.Integer() });
  const statusSchema = {
    summary: 'Where the rollups stand',
    description: 'Watermarks per level (null before the first refresh), whether a refresh is running, how many completed since start and the last one. Engine-wide.',
    tags,
    security,
    response: { 200: Type.Object({ watermarks: Type.Union([Watermarks, Type.Null()]), running: Type.Boolean(), completed: Type.Integer(), last: Type.Union([Report, Type.Null()]) }), 409: ErrorEnvelope, ...authErrors },
  };
  const rollupsOn = () => {
    const status = luminate.rollupStatus();
    if (status === null) throw apiErrors.create('ROLLUPS_DISABLED', 'rollups are off (rollups.enabled: false)');
    return status;
  };
  app.get('/api/v1/admin/rollups', { config: admin, schema: statusSchema }, async () => rollupsOn());

  const refreshSchema = {
    summary: 'Refresh the rollups now',
    description:
      'Rolls up the minutes that closed since the last refresh and rewrites minutes that got late points. Answers 200 with the report when the refresh ends within 20 s, else 202 while it goes on (a first refresh over existing data: follow it with GET /api/v1/admin/rollups). The refresher also runs every rollups.refresh_interval by itself; this is for right after a backfill. Engine-wide.',
    tags,
    security,
    response: { 200: Report, 202: Type.Object({ status: Type.Literal('running') }), 409: ErrorEnvelope, ...authErrors },
  };
  app.post('/api/v1/admin/rollups/refresh', { config: admin, schema: refreshSchema }, async (req, reply) => {
    rollupsOn();
    const refresh = luminate.refreshRollups();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), REFRESH_WAIT_MS)));
    const report = await Promise.race([refresh, waited]).finally(() => clearTimeout(timer));
    if (report !== null) return report;
    refresh.catch((err: unknown) => req.log.error({ err }, 'rollup refresh failed'));
    return reply.code(202).send({ status: 'running' as const });
  });

  const ArchiveReport = Type.Object({
    archived: Type.Array(Type.Object({ day: Type.String(), rows: Type.Integer(), files: Type.Integer() }), { description: 'days archived by this run' }),
    recovered: Type.Array(Type.String(), { description: 'committed days whose partition an interrupted run had left in the table, dropped now' }),
    waiting: Type.Array(Type.Object({ day: Type.String(), reason: Type.String() }), { description: 'closed days not archived yet, and why' }),
    ms: Type.Integer(),
  });
  const archiveStatusSchema = {
    summary: 'What is archived',
    description: 'The archive target, archived days (first and last), their rows and Parquet files, whether a run is under way, and the last run\'s report. Engine-wide.',
    tags,
    security,
    response: {
      200: Type.Object({
        target: Type.String(),
        days: Type.Integer(),
        rows: Type.Integer(),
        files: Type.Integer(),
        first_day: Type.Union([Type.String(), Type.Null()]),
        last_day: Type.Union([Type.String(), Type.Null()]),
        running: Type.Boolean(),
        last: Type.Union([ArchiveReport, Type.Null()]),
      }),
      409: ErrorEnvelope,
      ...authErrors,
    },
  };
  const archiveOn = () => {
    const status = luminate.archiveStatus();
    if (status === null) throw apiErrors.create('ARCHIVE_DISABLED', 'the archive is off (archive.enabled: false)');
    return status;
  };
  app.get('/api/v1/admin/archive', { config: admin, schema: archiveStatusSchema }, async () => archiveOn());
  const archiveRunSchema = {
    summary: 'Archive closed days now',
    description:
      'Archives every day that ended more than archive.after ago as Parquet files per tenant (docs/api.md, "Archive"). Answers 200 with the report when the run ends within 20 s, else 202 while it goes on (follow it with GET /api/v1/admin/archive). The scheduled job runs it every archive.interval by itself. Engine-wide.',
    tags,
    security,
    response: { 200: ArchiveReport, 202: Type.Object({ status: Type.Literal('running') }), 409: ErrorEnvelope, ...authErrors },
  };
  app.post('/api/v1/admin/archive', { config: admin, schema: archiveRunSchema }, async (req, reply) => {
    archiveOn();
    const run = luminate.runArchive();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), REFRESH_WAIT_MS)));
    const report = await Promise.race([run, waited]).finally(() => clearTimeout(timer));
    if (report !== null) return report;
    run.catch((err: unknown) => req.log.error({ err }, 'archive run failed'));
    return reply.code(202).send({ status: 'running' as const });
  });

  app.get('/api/v1/admin/apikeys', { config: admin, schema: { summary: 'API keys of the caller\'s tenant', tags, security, response: { 200: Type.Array(ApiKeyInfo), ...authErrors } } }, async (req) =>
    luminate.apiKeys.list(tenantOf(req)),
  );

  const createSchema = {
    summary: 'Create an API key (the key is shown only in this answer)',
    tags,
    security,
    body: Type.Object({ scopes: Type.Array(Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]), { minItems: 1 }), name: Type.Optional(Type.String({ maxLength: 200 })) }),
    response: { 201: Type.Intersect([ApiKeyInfo, Type.Object({ key: Type.String() })]), 400: ErrorEnvelope, ...authErrors },
  };
  app.post<{ Body: unknown }>('/api/v1/admin/apikeys', { config: admin, schema: createSchema }, async (req, reply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { name?: unknown; scopes?: unknown };
    const scopes = body.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((x) => (KEY_SCOPES as readonly unknown[]).includes(x))) {
      throw apiErrors.create('INVALID_REQUEST', 'scopes must be a non-empty array of read, write, admin', { field: 'scopes' });
    }
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 200)) {
      throw apiErrors.create('INVALID_REQUEST', 'name must be a string of at most 200 characters', { field: 'name' });
    }
    const created = await luminate.apiKeys.create({ tenant: tenantOf(req), scopes: scopes as KeyScope[], ...(typeof body.name === 'string' ? { name: body.name } : {}) });
    return reply.code(201).send(created);
  });

  const revokeSchema = { summary: 'Revoke an API key', tags, security, params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), 404: ErrorEnvelope, ...authErrors } };
  app.delete<{ Params: { id: string } }>('/api/v1/admin/apikeys/:id', { config: admin, schema: revokeSchema }, async (req, reply) => {
    if (!(await luminate.apiKeys.revoke(req.params.id, tenantOf(req)))) {
      throw apiErrors.create('NOT_FOUND', `no live API key ${req.params.id} for this tenant`, { id: req.params.id });
    }
    return reply.code(204).send();
  });

  const retentionSchema = {
    summary: 'Set the retention of one metric of the caller\'s tenant',
    description: 'Applied by the engine as a TTL rule (rows are dropped by merges, not deleted one by one). 0 keeps the metric forever.',
    tags,
    security,
    body: Type.Object({ metric_name: Type.String({ pattern: NAME_PATTERN.source }), retention_days: Type.Integer({ minimum: 0, maximum: 36_500 }) }),
    response: { 200: Type.Object({ metric_name: Type.String(), retention_days: Type.Integer(), applied_at: Type.String({ format: 'date-time' }) }), 400: ErrorEnvelope, ...authErrors },
  };
  app.post<{ Body: unknown }>('/api/v1/admin/retention', { config: admin, schema: retentionSchema }, async (req) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { metric_name?: unknown; retention_days?: unknown };
    const name = body.metric_name;
    const days = body.retention_days;
    if (typeof name !== 'string' || name.length > 256 || !NAME_PATTERN.test(name)) {
      throw apiErrors.create('INVALID_REQUEST', `metric_name must match ${NAME_PATTERN.source}`, { field: 'metric_name' });
    }
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 36_500) {
      throw apiErrors.create('INVALID_REQUEST', 'retention_days must be an integer from 0 (keep forever) to 36500', { field: 'retention_days' });
    }
    const { applied_at } = await luminate.setRetention(tenantOf(req), name, days * 86_400);
    return { metric_name: name, retention_days: days, applied_at };
  });

  const deleteSchema = {
    summary: 'Delete the caller\'s points of one metric older than a time',
    tags,
    security,
    params: Type.Object({ name: Type.String({ pattern: NAME_PATTERN.source }) }),
    querystring: Type.Object({ before: Type.String({ description: 'RFC 3339 or unix milliseconds' }) }),
    response: { 200: Type.Object({ metric_name: Type.String(), before: Type.Integer(), deleted_points: Type.Integer() }), 400: ErrorEnvelope, ...authErrors },
  };
  app.delete<{ Params: { name: string }; Querystring: { before?: string } }>('/api/v1/admin/metrics/:name', { config: admin, schema: deleteSchema }, async (req) => {
    const name = req.params.name;
    if (name.length > 256 || !NAME_PATTERN.test(name)) throw apiErrors.create('INVALID_REQUEST', `metric name must match ${NAME_PATTERN.source}`, { field: 'name' });
    const raw = req.query.before;
    const before = raw === undefined ? null : /^\d{1,16}$/.test(raw) ? Number(raw) : parseRfc3339(raw);
    if (before === null) throw apiErrors.create('INVALID_REQUEST', '?before= is required: an RFC 3339 time or unix milliseconds', { field: 'before' });
    const deleted = await luminate.deleteBefore(tenantOf(req), name, before);
    return { metric_name: name, before, deleted_points: deleted };
  });
};
