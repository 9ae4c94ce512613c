import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';

function file(yaml: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'lm-config-')), 'config.yaml');
  writeFileSync(p, yaml);
  return p;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('needs no file: every key has a default (the seed values)', () => {
    const c = loadConfig();
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8080, read_timeout: '30s', write_timeout: '30s', shutdown_timeout: '10s' });
    expect(c.batch_write.max_batch_size).toBe(10_000);
    expect(c.batch_write.max_request_size_bytes).toBe(10_485_760);
    expect(c.query_limits).toEqual({ max_query_timeout: '30s', default_query_timeout: '10s', max_query_time_range: '90d', max_result_points: 10_000, max_group_by_cardinality: 1000, share_window: '1s' });
    expect(c.live).toEqual({ enabled: true, coalesce_interval: '250ms', heartbeat_interval: '15s', max_streams_per_tenant: 100 });
    expect(c.cardinality_limits).toEqual({
      max_dimensions_per_metric: 20,
      max_dimension_key_length: 128,
      max_dimension_value_length: 256,
      max_unique_series_per_metric: 1_000_000,
      max_metrics_per_tenant: 1000,
      warning_threshold: 0.8,
      overflow: [],
      tenants: {},
    });
    expect(c.storage.data_dir).toBe('./data');
    expect(c.retention.default_retention).toBe('30d');
  });

  it('reads YAML, then LUMINATE_* environment, then overrides', () => {
    const p = file('server:\n  port: 9000\nbatch_write:\n  flush_interval: 20ms\nstorage:\n  clickhouse:\n    password: ${CH_PASS}\n');
    const c = loadConfig({
      file: p,
      env: { CH_PASS: 's3cret', LUMINATE_SERVER_PORT: '9090', LUMINATE_BATCH_WRITE_MAX_BATCH_SIZE: '500', LUMINATE_BATCH_WRITE_COMPRESSION: 'false', LUMINATE_STORAGE_CLICKHOUSE_URL: 'http://ch:8123', LUMINATE_TEST_CLICKHOUSE_URL: 'ignored' },
      overrides: { storage: { data_dir: '/tmp/x' } },
    });
    expect(c.server.port).toBe(9090);
    expect(c.batch_write).toMatchObject({ flush_interval: '20ms', max_batch_size: 500, compression: false });
    expect(c.storage).toMatchObject({ data_dir: '/tmp/x', clickhouse: { url: 'http://ch:8123', password: 's3cret' } });
  });

  it('stops on unknown keys, naming them and the likely intended key', () => {
    const problems = problemsOf(() => loadConfig({ file: file('batch_write:\n  max_batch_sze: 5\nauth_x: {}\n') }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^batch_write\.max_batch_sze: unknown key \(did you mean batch_write\.max_batch_size\?\)/);
    expect(problems[1]).toMatch(/^auth_x: unknown key/);
  });

  it('stops on bad values, naming the key', () => {
    const problems = problemsOf(() => loadConfig({ file: file('server:\n  port: 99999\nquery_limits:\n  default_query_timeout: 10 seconds\nlogging:\n  level: loud\n') }));
    expect(problems.some((p) => p.startsWith('server.port:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('query_limits.default_query_timeout:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('logging.level:'))).toBe(true);
  });

  it('stops when the write buffer could never hold a full batch', () => {
    expect(problemsOf(() => loadConfig({ overrides: { batch_write: { max_buffered_points: 5000 } } }))[0]).toMatch(/max_buffered_points \(5000\) must be at least batch_write\.max_batch_size \(10000\)/);
  });

  it('stops on a retention policy that sets nothing, and takes one that sets only a rollup level', () => {
    expect(problemsOf(() => loadConfig({ overrides: { retention: { policies: [{ metric_pattern: 'debug_*' }] } } }))[0]).toMatch(/retention\.policies\[0\] \(debug_\*\) sets none of/);
    expect(loadConfig({ overrides: { retention: { policies: [{ metric_pattern: 'x_*', rollup_1h_retention: '30d' }] } } }).retention.policies).toEqual([{ metric_pattern: 'x_*', rollup_1h_retention: '30d' }]);
  });

  it('checks storage tiers and the archive target', () => {
    expect(problemsOf(() => loadConfig({ overrides: { storage: { tiers: { cold: { endpoint: 'my-bucket' } } } } }))[0]).toMatch(/storage\.tiers\.cold\.endpoint must be an http\(s\) URL/);
    expect(problemsOf(() => loadConfig({ overrides: { storage: { tiers: { warm: { path: '/w', after: '30d' }, cold: { endpoint: 'http://s3/b/', after: '20d' } } } } }))[0]).toMatch(/warm\.after \(30d\) must be shorter than storage\.tiers\.cold\.after \(20d\)/);
    expect(problemsOf(() => loadConfig({ overrides: { archive: { enabled: true } } }))[0]).toMatch(/exactly one of archive\.dir, archive\.s3\.endpoint/);
    expect(problemsOf(() => loadConfig({ overrides: { archive: { enabled: true, dir: '/a', after: '7d' } } }))[0]).toMatch(/archive\.after \(7d\) must be at least 8d/);
    expect(problemsOf(() => loadConfig({ overrides: { archive: { enabled: true, dir: '/a', after: '30d' } } }))[0]).toMatch(/archive\.after \(30d\) must be shorter than retention\.default_retention \(30d\)/);
    const c = loadConfig({ env: { LUMINATE_STORAGE_TIERS_COLD_SECRET_ACCESS_KEY: 'k' }, overrides: { archive: { enabled: true, dir: '/a' } } });
    expect(c.storage.tiers.cold.secret_access_key).toBe('k');
    expect(c.archive.after).toBe('14d');
  });

  it('reads either member of an auto | boolean or auto | integer key from the environment', () => {
    expect(loadConfig({ env: { LUMINATE_RATE_LIMITS_ENABLED: 'true' } }).rate_limits.enabled).toBe(true);
    expect(loadConfig({ env: { LUMINATE_RATE_LIMITS_ENABLED: 'auto' } }).rate_limits.enabled).toBe('auto');
    expect(loadConfig({ env: { LUMINATE_BATCH_WRITE_LANE_WORKERS: '0' } }).batch_write.lane_workers).toBe(0);
    expect(loadConfig({ env: { LUMINATE_BATCH_WRITE_LANE_WORKERS: 'auto' } }).batch_write.lane_workers).toBe('auto');
    expect(problemsOf(() => loadConfig({ env: { LUMINATE_BATCH_WRITE_LANE_WORKERS: 'many' } }))[0]).toMatch(/^batch_write\.lane_workers:/);
    expect(problemsOf(() => loadConfig({ env: { LUMINATE_BATCH_WRITE_LANE_WORKERS: '65' } }))[0]).toMatch(/^batch_write\.lane_workers:/);
  });

  it('stops on unknown or malformed environment overrides', () => {
    expect(problemsOf(() => loadConfig({ env: { LUMINATE_SERVER_PORTT: '1' } }))[0]).toMatch(/LUMINATE_SERVER_PORTT: does not name a configuration key/);
    expect(problemsOf(() => loadConfig({ env: { LUMINATE_SERVER_PORT: 'eighty' } }))[0]).toMatch(/^server\.port:/);
  });

  it('stops on an unset ${VAR}, a missing file and invalid YAML', () => {
    expect(problemsOf(() => loadConfig({ file: file('storage:\n  data_dir: ${NOPE_NOT_SET}\n'), env: {} }))[0]).toMatch(/NOPE_NOT_SET is not set/);
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/luminate.yaml' }))[0]).toMatch(/cannot read config file/);
    expect(problemsOf(() => loadConfig({ file: file('server: [unclosed\n') }))[0]).toMatch(/not valid YAML/);
  });
});
