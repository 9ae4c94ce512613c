import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

const Duration = (def: string, description: string) =>
  Type.String({ pattern: '^[0-9]+(ms|s|m|h|d|w)$', default: def, description: `${description} A duration such as 500ms, 30s, 15m, 24h, 7d.` });
const Int = (def: number, min: number, description: string, max?: number) =>
  Type.Integer({ default: def, minimum: min, ...(max !== undefined ? { maximum: max } : {}), description });
const Section = <T extends TProperties>(props: T, description: string): TObject<T> =>
  Type.Object(props, { additionalProperties: false, default: {}, description });

/**
 * Every configuration key, its type, default and meaning. docs/config.md is checked against this
 * schema by a test, so the two cannot drift. Unknown keys are rejected at start.
 */
export const ConfigSchema = Type.Object(
  {
    server: Section(
      {
        host: Type.String({ default: '127.0.0.1', description: 'Address to listen on. Use 0.0.0.0 to accept connections from other machines (turn auth on first).' }),
        port: Int(8080, 0, 'TCP port for the API and UI (0 picks a free port).', 65535),
        read_timeout: Duration('30s', 'Longest time a client may take to send a whole request.'),
        write_timeout: Duration('30s', 'Longest time a connection may stay idle while a response is produced or sent.'),
        shutdown_timeout: Duration('10s', 'On SIGTERM/SIGINT: how long to wait for in-flight requests and the final flush before exiting.'),
      },
      'HTTP server.',
    ),
    auth: Section(
      {
        enabled: Type.Boolean({ default: false, description: 'Require a bearer token (JWT or API key) on the API. Off: one tenant, `default`, for local use.' }),
        jwt_secret: Type.String({ default: '', description: 'HS256 shared secret (use ${ENV_VAR} or LUMINATE_AUTH_JWT_SECRET). At most one of jwt_secret, jwt_public_key_path, jwks_url; none: API keys only.' }),
        jwt_public_key_path: Type.String({ default: '', description: 'PEM public key file for RS256 (RSA) or ES256 (EC P-256) tokens.' }),
        jwks_url: Type.String({ default: '', description: 'JWKS URL of the token issuer (keys fetched and cached; RS256/ES256).' }),
        issuer: Type.String({ default: '', description: 'If set, tokens must carry this `iss`.' }),
        audience: Type.String({ default: '', description: 'If set, tokens must carry this `aud`.' }),
        token_expiry: Duration('24h', 'Longest token lifetime accepted (exp − iat); tokens must carry exp.'),
      },
      'Authentication and tenancy.',
    ),
    rate_limits: Section(
      {
        enabled: Type.Union([Type.Literal('auto'), Type.Boolean()], { default: 'auto', description: 'auto: on when auth is on (per-tenant limits), off for the single-user default.' }),
        write_requests_per_second: Int(100, 1, 'Write requests per second per tenant (burst: one second).'),
        query_requests_per_second: Int(50, 1, 'Query requests per second per tenant.'),
        metrics_per_second: Int(10_000, 1, 'Points written per second per tenant (a batch may overdraw once, then waits).'),
        concurrent_queries: Int(10, 1, 'Queries one tenant may run at once.'),
        tenants: Type.Record(
          Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' }),
          Type.Object(
            {
              write_requests_per_second: Type.Optional(Type.Integer({ minimum: 1 })),
              query_requests_per_second: Type.Optional(Type.Integer({ minimum: 1 })),
              metrics_per_second: Type.Optional(Type.Integer({ minimum: 1 })),
              concurrent_queries: Type.Optional(Type.Integer({ minimum: 1 })),
            },
            { additionalProperties: false },
          ),
          { default: {}, description: 'Per-tenant overrides, e.g. {big_customer: {metrics_per_second: 200000}}.' },
        ),
      },
      'Per-tenant rate limits (token buckets).',
    ),
    storage: Section(
      {
        data_dir: Type.String({ default: './data', description: 'Data directory of the embedded engine (ignored when storage.clickhouse.url is set).' }),
        database: Type.String({ default: 'luminate', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', description: 'Engine database holding Luminate tables.' }),
        series_cache_size: Int(2_000_000, 1, 'Series ids remembered in memory so known series skip the series write (about 150 bytes each).'),
        clickhouse: Section(
          {
            url: Type.String({ default: '', description: 'ClickHouse server URL (e.g. http://clickhouse:8123). Empty: use the embedded engine.' }),
            username: Type.String({ default: 'default', description: 'ClickHouse user.' }),
            password: Type.String({ default: '', description: 'ClickHouse password; use ${ENV_VAR} or LUMINATE_STORAGE_CLICKHOUSE_PASSWORD.' }),
          },
          'A ClickHouse server instead of the embedded engine.',
        ),
        tiers: Section(
          {
            warm: Section(
              {
                path: Type.String({ default: '', description: 'Directory of the warm tier, a second local volume (e.g. a large HDD). Empty: no warm tier.' }),
                after: Duration('10d', 'Data older than this moves from the hot tier to the warm one.'),
              },
              'Warm tier: a second local volume.',
            ),
            cold: Section(
              {
                endpoint: Type.String({ default: '', description: 'S3-compatible bucket URL with a prefix, e.g. https://my-bucket.s3.eu-west-1.amazonaws.com/luminate/cold/. Empty: no cold tier.' }),
                access_key_id: Type.String({ default: '', description: 'Access key of the cold tier\'s bucket.' }),
                secret_access_key: Type.String({ default: '', description: 'Secret key of the cold tier\'s bucket; use ${ENV_VAR} or LUMINATE_STORAGE_TIERS_COLD_SECRET_ACCESS_KEY.' }),
                region: Type.String({ default: '', description: 'Region of the bucket, when the endpoint does not imply it.' }),
                after: Duration('30d', 'Data older than this moves to the cold tier.'),
              },
              'Cold tier: S3-compatible object storage.',
            ),
          },
          'Storage tiers: the engine moves raw samples and rollups from hot (storage.data_dir) to warm and cold by age; queries read every tier through the same API (docs/config.md, "Storage tiers").',
        ),
      },
      'Where metrics are stored.',
    ),
    meta: Section(
      {
        sqlite_path: Type.String({ default: '', description: 'SQLite file for metadata (API keys, dashboards, metric metadata). Empty: luminate-meta.sqlite in storage.data_dir.' }),
        postgres_url: Type.String({ default: '', description: 'PostgreSQL URL for metadata in cluster mode (e.g. postgres://user@host:5432/luminate); overrides sqlite_path.' }),
      },
      'Metadata store.',
    ),
    batch_write: Section(
      {
        max_batch_size: Int(10_000, 1, 'Most metrics in one write request (400 BATCH_TOO_LARGE beyond).'),
        max_request_size_bytes: Int(10_485_760, 1024, 'Largest request body, checked before and after decompression (413 beyond).'),
        compression: Type.Boolean({ default: true, description: 'Accept Content-Encoding: gzip request bodies.' }),
        flush_interval: Duration('100ms', 'Group commit: most time between the starts of two flushes; a flush starts sooner the fuller its group (at half of flush_max_points after half of it).'),
        flush_max_points: Int(100_000, 1, 'Group commit: a flush starts as soon as this many points wait (and, with fewer waiting, proportionally before flush_interval ends).'),
        max_buffered_points: Int(2_000_000, 1, 'Points waiting or being flushed before writes get 503 with Retry-After; at least max_batch_size.'),
        flush_attempts: Int(4, 1, 'Insert attempts per flush (backoff 100ms, 400ms, 1.6s …) before waiting writes get 503.'),
        lane_workers: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 0, maximum: 64 })], {
          default: 'auto',
          description:
            'Worker threads that decode Prometheus remote-write requests in JavaScript (snappy, protobuf, validation, series hashes) beside the main thread, which keeps the series cache, the limits and the write queue. auto: none when the native lane is in use (native_lane) or below 4 cores (on 2 they measured no faster, docs/benchmarks.md), else cores − 2, at most 4; 0: decode on the main thread. A count above 0 takes precedence over the native lane.',
        }),
        native_lane: Type.Boolean({
          default: true,
          description:
            'Decode Prometheus remote-write requests with the native lane (C++, native/lane.cc, built by npm run build) when it is built: snappy, protobuf, validation, series ids and the sample block in one call per request. false, or an addon that is not built (logged at start): the JavaScript lane.',
        }),
      },
      'Write path.',
    ),
    cardinality_limits: Section(
      {
        max_dimensions_per_metric: Int(20, 1, 'Most dimensions on one point (DIMENSION_LIMIT_EXCEEDED beyond).', 64),
        max_dimension_key_length: Int(128, 1, 'Longest dimension key.', 1024),
        max_dimension_value_length: Int(256, 1, 'Longest dimension value.', 4096),
        max_unique_series_per_metric: Int(1_000_000, 1, 'Most series (dimension combinations) one metric of one tenant may have; new series beyond are rejected with CARDINALITY_EXCEEDED (or folded, see overflow). Counted exactly, ~9-18 bytes of memory per series.'),
        max_metrics_per_tenant: Int(1_000, 1, 'Most metric names one tenant may have; points of new metrics beyond are rejected with CARDINALITY_EXCEEDED.'),
        warning_threshold: Type.Number({ default: 0.8, exclusiveMinimum: 0, maximum: 1, description: 'Fraction of a limit at which warnings start (write response, log, luminate_cardinality_warnings_total).' }),
        overflow: Type.Array(
          Type.Object(
            {
              metric_pattern: Type.String({ minLength: 1, description: '* matches any characters' }),
              dimensions: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'The offending dimensions whose new values fold; empty: every dimension.' }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'Metrics that, at max_unique_series_per_metric, fold the values of new series into __overflow__ instead of rejecting them (no point is dropped), e.g. [{metric_pattern: "api_*", dimensions: [user_id]}]; first match wins.' },
        ),
        tenants: Type.Record(
          Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' }),
          Type.Object(
            {
              max_unique_series_per_metric: Type.Optional(Type.Integer({ minimum: 1 })),
              max_metrics_per_tenant: Type.Optional(Type.Integer({ minimum: 1 })),
            },
            { additionalProperties: false },
          ),
          { default: {}, description: 'Per-tenant overrides, e.g. {big_customer: {max_unique_series_per_metric: 5000000}}.' },
        ),
      },
      'Per-point dimension limits, series and metric limits, overflow.',
    ),
    otlp: Section(
      {
        resource_attributes: Type.Array(Type.String({ minLength: 1 }), {
          default: ['service.name', 'service.namespace', 'service.instance.id', 'deployment.environment', 'deployment.environment.name'],
          description: 'Resource attributes that become dimensions of every OTLP point (dots become underscores: service.name → service_name); * matches any characters, e.g. k8s.*. The default keeps the attributes that tell senders apart; others are dropped.',
        }),
        scope_attributes: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Instrumentation scope attributes that become dimensions, by the same rules.' }),
      },
      'OpenTelemetry (OTLP/HTTP) ingest: which resource and scope attributes become dimensions (point attributes always do).',
    ),
    query_limits: Section(
      {
        max_query_timeout: Duration('30s', 'Largest timeout a query may ask for.'),
        default_query_timeout: Duration('10s', 'Timeout of a query that sets none.'),
        max_query_time_range: Duration('90d', 'Longest time range of one query.'),
        max_result_points: Int(10_000, 1, 'Most points in one answer (400 RESULT_TOO_LARGE beyond; also the default range limit).'),
        max_group_by_cardinality: Int(1_000, 1, 'Most groups one answer returns (400 TOO_MANY_GROUPS beyond; also the default aggregate limit).'),
        share_window: Duration(
          '1s',
          'Identical queries (same tenant, same resolved time range) asked within this time share one engine execution, until new points of the metric are stored. What keeps many live pages from multiplying engine load; 0s turns it off.',
        ),
      },
      'Query guards.',
    ),
    live: Section(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve GET /api/v1/live: pushes "new points of metric M" to subscribed pages (Server-Sent Events).' }),
        coalesce_interval: Duration('250ms', 'At most one push per tenant and metric per this interval; the points of the flushes in between are announced together.'),
        heartbeat_interval: Duration('15s', 'A comment line on idle streams, so proxies keep them open.'),
        max_streams_per_tenant: Int(100, 1, 'Open live streams one tenant may hold (429 TOO_MANY_LIVE_STREAMS beyond).'),
      },
      'Live updates pushed to dashboards.',
    ),
    retention: Section(
      {
        default_retention: Duration('30d', 'Samples older than this are removed by the engine (table TTL); 0d keeps everything.'),
        cleanup_interval: Duration('1h', 'How often retention rules are recomputed (new metrics) and expired data is dropped by merges.'),
        rollup_1m_retention: Duration('90d', 'How long 1-minute rollups are kept (0d: forever).'),
        rollup_1h_retention: Duration('400d', 'How long 1-hour rollups are kept (0d: forever).'),
        policies: Type.Array(
          Type.Object(
            {
              metric_pattern: Type.String({ minLength: 1, description: '* matches any characters, e.g. debug_*' }),
              retention: Type.Optional(Type.String({ pattern: '^[0-9]+(ms|s|m|h|d|w)$' })),
              rollup_1m_retention: Type.Optional(Type.String({ pattern: '^[0-9]+(ms|s|m|h|d|w)$' })),
              rollup_1h_retention: Type.Optional(Type.String({ pattern: '^[0-9]+(ms|s|m|h|d|w)$' })),
            },
            { additionalProperties: false },
          ),
          {
            default: [],
            description:
              'Per-metric retention by name pattern, first match wins, all tenants: `retention` for raw samples, `rollup_1m_retention` and `rollup_1h_retention` for the rollups (a level left out keeps its default); an admin-set policy for a tenant\'s metric takes precedence for raw samples. 0d keeps forever.',
          },
        ),
      },
      'Data retention.',
    ),
    rollups: Section(
      {
        enabled: Type.Boolean({ default: true, description: 'Keep 1-minute and 1-hour rollups per series, and let aggregate and rate queries use them when the answer is the same (docs/api.md, "Rollups").' }),
        refresh_interval: Duration('30s', 'How often closed minutes are rolled up and hours with late points rewritten. Rollups cover buckets that ended at least 2 minutes ago; newer points are read raw.'),
        minute_level: Type.Boolean({
          default: true,
          description: 'Keep the 1-minute level. For series with a point a minute or fewer its rows are as many as the points (7× their storage, about as much CPU as ingest): turn it off there, and only hours are rolled up.',
        }),
        dimension_max_values: Type.Integer({
          default: 10_000,
          minimum: 0,
          description: 'A dimension key of a metric with at most this many values also gets hourly rows per value (and the metric a row per hour): queries grouped or filtered by that one key read those instead of a row per series, and answer percentiles at 1-hour steps exactly. A key that grows past it stops being rolled up. 0: none.',
        }),
      },
      'Rollups (continuous aggregates).',
    ),
    archive: Section(
      {
        enabled: Type.Boolean({ default: false, description: 'Archive closed days as Parquet files per tenant and day (docs/api.md, "Archive"). Archived days leave the engine\'s tables and stay queryable through the same API.' }),
        after: Duration('14d', 'A day is archived once it ended this long ago; at least 8d, since writes accept points up to 7 days old.'),
        interval: Duration('1h', 'How often the scheduled archive job runs; 0s: only on demand (luminate archive, POST /api/v1/admin/archive).'),
        dir: Type.String({ default: '', description: 'Local directory to archive to. Empty: archive.s3.endpoint.' }),
        s3: Section(
          {
            endpoint: Type.String({ default: '', description: 'S3-compatible bucket URL with a prefix, e.g. https://my-bucket.s3.eu-west-1.amazonaws.com/luminate/archive/.' }),
            access_key_id: Type.String({ default: '', description: 'Access key of the archive bucket.' }),
            secret_access_key: Type.String({ default: '', description: 'Secret key of the archive bucket; use ${ENV_VAR} or LUMINATE_ARCHIVE_S3_SECRET_ACCESS_KEY.' }),
            region: Type.String({ default: '', description: 'Region of the bucket, when the endpoint does not imply it.' }),
          },
          'Archive to S3-compatible object storage.',
        ),
      },
      'Open-format archive of closed days.',
    ),
    metrics: Section(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve Luminate\'s own metrics in Prometheus text format.' }),
        path: Type.String({ default: '/metrics', pattern: '^/[A-Za-z0-9/_.-]*$', description: 'Path of the Prometheus endpoint.' }),
        interval: Duration('10s', 'How long storage figures (size, series counts) are reused between scrapes.'),
        require_auth: Type.Boolean({ default: false, description: 'With auth on, make the metrics endpoint admin-only (it is open by default so Prometheus can scrape it).' }),
      },
      'Self-monitoring (luminate_* metrics).',
    ),
    logging: Section(
      {
        level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'info', description: 'Log level.' }),
        format: Type.Union([Type.Literal('json'), Type.Literal('text')], { default: 'json', description: 'json: one JSON object per line (pino); text: one readable line per entry.' }),
        output: Type.String({ default: 'stdout', description: 'stdout, stderr, or a file path (appended).' }),
      },
      'Logs.',
    ),
  },
  { additionalProperties: false, default: {} },
);

export type RawConfig = Static<typeof ConfigSchema>;
