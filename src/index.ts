/**
 * Luminate as a library: the same API as the HTTP server, in-process, on a data directory.
 *
 *   import { openLuminate } from 'luminate';
 *   const lm = await openLuminate({ dataDir: './metrics' });
 *   await lm.write({ metrics: [{ name: 'api_latency', timestamp: Date.now(), value: 12, dimensions: { customer_id: 'c1' } }] });
 *   const r = await lm.query({ queryType: 'aggregate', metricName: 'api_latency', aggregation: 'p95', groupBy: ['customer_id'] });
 *   await lm.close();
 */
import { loadConfig, type Config } from './config/index.js';
import type { MetricPoint, WriteResult } from './ingest/index.js';
import { createLuminate, type HealthReport, type Luminate } from './luminate.js';
import type { QueryRequest, QueryResponse } from './query/index.js';

export interface OpenLuminateOptions {
  /** Data directory of the embedded engine. @default './data' */
  dataDir?: string;
  /** Any configuration keys (docs/config.md), e.g. `{ batch_write: { flush_interval: '20ms' } }`. */
  config?: Record<string, unknown>;
}

/** The embedded API: what `luminate/client` offers over HTTP, without the HTTP hop. */
export interface EmbeddedLuminate {
  write(batch: { metrics: MetricPoint[] }): Promise<WriteResult>;
  query(query: QueryRequest): Promise<QueryResponse>;
  listMetrics(): Promise<string[]>;
  listDimensions(metric: string): Promise<string[]>;
  listDimensionValues(metric: string, dimension: string, opts?: { limit?: number; prefix?: string }): Promise<string[]>;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/** Opens (creating if needed) a Luminate store in this process. One data directory per process. */
export async function openLuminate(options: OpenLuminateOptions = {}): Promise<EmbeddedLuminate> {
  const overrides: Record<string, unknown> = { ...(options.config ?? {}) };
  if (options.dataDir !== undefined) {
    overrides.storage = { ...((overrides.storage) ?? {}), data_dir: options.dataDir };
  }
  const config: Config = loadConfig({ overrides });
  const lm: Luminate = await createLuminate(config);
  return {
    write: (batch) => lm.write(batch),
    query: (query) => lm.query(query),
    listMetrics: () => lm.listMetrics(),
    listDimensions: (metric) => lm.listDimensions(metric),
    listDimensionValues: (metric, dimension, opts) => lm.listDimensionValues(metric, dimension, opts),
    health: () => lm.health(),
    close: () => lm.close(),
  };
}

export { LuminateError } from './errors.js';
export type { ErrorEnvelope } from './errors.js';
export type { Config } from './config/index.js';
export type { HealthReport } from './luminate.js';
export type { MetricPoint, PointError, WriteResult } from './ingest/index.js';
export type { AggregatePoint, QueryRequest, QueryResponse, RangePoint, RatePoint } from './query/index.js';
