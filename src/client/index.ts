/**
 * Typed HTTP client for a Luminate server.
 *
 *   import { LuminateClient } from 'luminate/client';
 *   const lm = new LuminateClient({ url: 'http://localhost:8080' });
 *   await lm.write([{ name: 'api_latency', timestamp: Date.now(), value: 12, dimensions: { customer_id: 'c1' } }]);
 *   const r = await lm.query({ queryType: 'aggregate', metricName: 'api_latency', aggregation: 'p95' });
 *
 * Errors surface the server's envelope as a LuminateClientError with `code`, `status`, `details`.
 * For Node.js (it gzips large writes with node:zlib); it imports only types from the server code,
 * so using it loads nothing of the engine.
 */
import { gzipSync } from 'node:zlib';
import type { HealthReport } from '../luminate.js';
import type { MetricPoint, PointError } from '../ingest/index.js';
import type { QueryRequest, QueryResponse } from '../query/index.js';

export type { HealthReport, MetricPoint, PointError, QueryRequest, QueryResponse };

export interface LuminateClientOptions {
  /** Base URL, e.g. http://localhost:8080 */
  url: string;
  /** Bearer token (JWT or API key) when the server has auth on. */
  token?: string;
  /** Gzip write bodies larger than this many bytes. @default 16384 */
  gzipAbove?: number;
  /** Per-request timeout in ms. @default 35000 */
  timeoutMs?: number;
  /** A fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface WriteResponse {
  accepted: number;
  rejected: number;
  errors: PointError[];
}

export class LuminateClientError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;
  /** Seconds from Retry-After on 429/503, if given. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, details: Record<string, unknown>, retryAfter?: number) {
    super(`${code}: ${message}`);
    this.name = 'LuminateClientError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

export class LuminateClient {
  readonly #base: string;
  readonly #o: LuminateClientOptions;
  readonly #fetch: typeof fetch;

  constructor(options: LuminateClientOptions) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#o = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Writes a batch; resolves on 200 and 207 (check `rejected`), throws on any other status. */
  async write(metrics: readonly MetricPoint[]): Promise<WriteResponse> {
    const json = JSON.stringify({ metrics });
    const gzip = Buffer.byteLength(json) > (this.#o.gzipAbove ?? 16_384);
    const body = gzip ? gzipSync(json) : json;
    return this.#request<WriteResponse>('POST', '/api/v1/write', body, gzip ? { 'content-encoding': 'gzip' } : {});
  }

  query(query: QueryRequest): Promise<QueryResponse> {
    return this.#request<QueryResponse>('POST', '/api/v1/query', JSON.stringify(query));
  }

  listMetrics(): Promise<string[]> {
    return this.#request<string[]>('GET', '/api/v1/metrics');
  }

  listDimensions(metric: string): Promise<string[]> {
    return this.#request<string[]>('GET', `/api/v1/metrics/${encodeURIComponent(metric)}/dimensions`);
  }

  listDimensionValues(metric: string, dimension: string, opts: { limit?: number; prefix?: string } = {}): Promise<string[]> {
    const qs = new URLSearchParams();
    if (opts.limit !== undefined) qs.set('limit', String(opts.limit));
    if (opts.prefix !== undefined) qs.set('prefix', opts.prefix);
    const q = qs.size > 0 ? `?${qs.toString()}` : '';
    return this.#request<string[]>('GET', `/api/v1/metrics/${encodeURIComponent(metric)}/dimensions/${encodeURIComponent(dimension)}/values${q}`);
  }

  /** The health report; resolves for 503 too (status `unhealthy`) since that is an answer, not a failure. */
  health(): Promise<HealthReport> {
    return this.#request<HealthReport>('GET', '/api/v1/health', undefined, {}, [503]);
  }

  async #request<T>(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, okStatuses: number[] = []): Promise<T> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.#o.token) h.authorization = `Bearer ${this.#o.token}`;
    const res = await this.#fetch(this.#base + path, {
      method,
      headers: h,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(this.#o.timeoutMs ?? 35_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok || okStatuses.includes(res.status)) return parsed as T;
    const env = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
    const retry = res.headers.get('retry-after');
    throw new LuminateClientError(
      res.status,
      env?.code ?? `HTTP_${res.status}`,
      env?.message ?? (text.slice(0, 200) || res.statusText),
      env?.details ?? {},
      retry !== null ? Number(retry) : undefined,
    );
  }
}
