import { Type } from '@sinclair/typebox';

/**
 * The API contract as JSON Schema (TypeBox), for the OpenAPI document. Requests are validated by
 * the capability code (`parseQuery`, the acceptor, …) so the HTTP API and the embedded library
 * give the same answers; these schemas describe, they do not validate.
 */
export const ErrorEnvelope = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Record(Type.String(), Type.Unknown()) }) },
  { description: 'Every error: a stable code (docs/errors.md), a message, machine-readable details.' },
);

const StringMap = Type.Record(Type.String(), Type.String());

export const QueryBody = Type.Object({
  queryType: Type.Union([Type.Literal('range'), Type.Literal('aggregate'), Type.Literal('rate'), Type.Literal('listDimensionValues')]),
  metricName: Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', maxLength: 256 }),
  timeRange: Type.Optional(
    Type.Object({
      relative: Type.Optional(Type.String({ description: 'N + s|m|h|d|w, the span ending now', examples: ['15m', '24h', '7d'] })),
      start: Type.Optional(Type.String({ format: 'date-time' })),
      end: Type.Optional(Type.String({ format: 'date-time', description: 'Defaults to now' })),
    }),
  ),
  filters: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 100 })]), {
      description: 'Equality on dimensions; all must match. An array matches any of its values.',
    }),
  ),
  aggregation: Type.Optional(Type.Union(['avg', 'sum', 'count', 'min', 'max', 'p50', 'p95', 'p99', 'integral'].map((a) => Type.Literal(a)))),
  groupBy: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
  interval: Type.Optional(
    Type.String({ description: 'N + s|m|h|d, at least 1s. rate: the bucket (required). aggregate: optional; one value per group and bucket', examples: ['1m'] }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: 'range: points; aggregate/rate: top-N groups; listDimensionValues: values' })),
  timeout: Type.Optional(Type.String({ description: '500ms … 30s; default 10s' })),
  dimension: Type.Optional(Type.String({ description: 'listDimensionValues only' })),
  prefix: Type.Optional(Type.String({ description: 'listDimensionValues only' })),
  resolution: Type.Optional(
    Type.Union(['auto', 'raw', '1m', '1h'].map((r) => Type.Literal(r)), {
      description: 'aggregate and rate: auto (default) uses a rollup when it gives the raw answer (percentiles within the sketch error); raw forces raw samples; 1m / 1h a rollup level',
    }),
  ),
});

export const QueryAnswer = Type.Object({
  queryType: Type.String(),
  results: Type.Array(
    Type.Union([
      Type.Object({ timestamp: Type.Integer(), value: Type.Number(), dimensions: StringMap }, { title: 'RangePoint' }),
      Type.Object(
        { groupKey: StringMap, timestamp: Type.Optional(Type.Integer({ description: 'bucket start, with interval' })), value: Type.Number(), count: Type.Integer() },
        { title: 'AggregatePoint' },
      ),
      Type.Object({ groupKey: StringMap, timestamp: Type.Integer(), rate: Type.Number() }, { title: 'RatePoint' }),
      Type.String({ title: 'DimensionValue' }),
    ]),
  ),
  executionTimeMs: Type.Integer(),
  truncated: Type.Optional(Type.Boolean({ description: 'range only: an explicit limit cut the answer' })),
  resolution: Type.Optional(Type.Union([Type.Literal('raw'), Type.Literal('1m'), Type.Literal('1h')], { description: 'aggregate and rate: what the answer was computed from (a rollup level reads raw samples at the ends of the range)' })),
});

export const Names = Type.Array(Type.String());

export const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy')]),
  version: Type.String(),
  storage: Type.Object({
    backend: Type.Union([Type.Literal('embedded'), Type.Literal('clickhouse')]),
    status: Type.Union([Type.Literal('healthy'), Type.Literal('unavailable')]),
    disk_used_bytes: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.String()),
  }),
  uptime_seconds: Type.Integer(),
});

export const ApiKeyInfo = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')])),
  created_at: Type.String({ format: 'date-time' }),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** Standard error responses for a route that needs a scope. */
export const authErrors = { 401: ErrorEnvelope, 403: ErrorEnvelope, 429: ErrorEnvelope };

/** A cardinality warning (write responses, `GET /api/v1/cardinality`). */
export const CardinalityWarning = Type.Object({
  code: Type.String({ description: 'SERIES_LIMIT_APPROACHING, METRIC_LIMIT_APPROACHING, HIGH_CARDINALITY_PATTERN or SERIES_OVERFLOW' }),
  metric: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
  dimension: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String({ description: 'id_key, uuid_value, timestamp_value or hex_id_value' })),
  count: Type.Optional(Type.Integer()),
  limit: Type.Optional(Type.Integer()),
});
