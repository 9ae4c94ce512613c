import type { Dashboard, DashboardDocument, DashboardSummary, QueryRequest, QueryResponse } from './types.js';

/** An error answer of the API, with the seed's envelope: the UI shows `message` as the server wrote it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'luminate.token';

/** Fires `unauthorized` (a CustomEvent with the server's message) when a call answers 401: the shell asks for a token again. */
export const authEvents = new EventTarget();

export function savedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
export function saveToken(token: string | null): void {
  if (token === null) localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, token);
}

export interface MetricInfo {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | null;
  unit: string;
  description: string;
}

export interface CardinalityReport {
  tenant: string;
  limits: { max_unique_series_per_metric: number; max_metrics_per_tenant: number; warning_threshold: number };
  metrics: { count: number; limit: number; usage: number };
  series: number;
  top_metrics: { metric: string; series: number; limit: number; usage: number; status: 'ok' | 'warning' | 'limited'; overflow: boolean; rejected_points: number; overflow_points: number }[];
  top_dimensions: { metric: string; dimension: string; distinct_values: number; pattern?: string }[];
  warnings: { code: string; metric?: string; dimension?: string; message: string }[];
}

/** The browser's client of Luminate's HTTP API; sends the saved token when there is one. */
export class Api {
  constructor(private readonly token: () => string | null = savedToken) {}

  headers(json = false): Record<string, string> {
    const t = this.token();
    return { ...(t ? { authorization: `Bearer ${t}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  async #call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, { method, headers: this.headers(body !== undefined), ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK_ERROR', `Luminate is not reachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
      if (res.status === 401) authEvents.dispatchEvent(new CustomEvent('unauthorized', { detail: e?.message ?? 'The token was refused.' }));
      throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? (text || res.statusText), e?.details ?? {});
    }
    return parsed as T;
  }

  query(q: QueryRequest, signal?: AbortSignal): Promise<QueryResponse> {
    return this.#call('POST', '/api/v1/query', q, signal);
  }
  async metrics(): Promise<MetricInfo[]> {
    return this.#call<MetricInfo[]>('GET', '/api/v1/metrics?details=true');
  }
  dimensions(metric: string): Promise<string[]> {
    return this.#call('GET', `/api/v1/metrics/${encodeURIComponent(metric)}/dimensions`);
  }
  values(metric: string, key: string, prefix = '', limit = 50): Promise<string[]> {
    const qs = new URLSearchParams({ limit: String(limit), ...(prefix ? { prefix } : {}) });
    return this.#call('GET', `/api/v1/metrics/${encodeURIComponent(metric)}/dimensions/${encodeURIComponent(key)}/values?${qs}`);
  }
  async dashboards(): Promise<DashboardSummary[]> {
    return (await this.#call<{ dashboards: DashboardSummary[] }>('GET', '/api/v1/dashboards')).dashboards;
  }
  async dashboard(id: string): Promise<Dashboard> {
    return (await this.#call<DashboardDocument>('GET', `/api/v1/dashboards/${encodeURIComponent(id)}`)).dashboard;
  }
  async createDashboard(d: Omit<Dashboard, 'id'> & { id?: string }): Promise<Dashboard> {
    return (await this.#call<DashboardDocument>('POST', '/api/v1/dashboards', { dashboard: d })).dashboard;
  }
  /** Imports a document as given (the seed's `{"dashboard": …}`), unchanged. */
  async importDashboard(doc: unknown): Promise<Dashboard> {
    return (await this.#call<DashboardDocument>('POST', '/api/v1/dashboards', doc)).dashboard;
  }
  async saveDashboard(d: Dashboard): Promise<Dashboard> {
    return (await this.#call<DashboardDocument>('PUT', `/api/v1/dashboards/${encodeURIComponent(d.id)}`, { dashboard: d })).dashboard;
  }
  deleteDashboard(id: string): Promise<null> {
    return this.#call('DELETE', `/api/v1/dashboards/${encodeURIComponent(id)}`);
  }
  cardinality(limit = 20): Promise<CardinalityReport> {
    return this.#call('GET', `/api/v1/cardinality?limit=${limit}`);
  }
  /** Whether the API needs a token: an anonymous read answers 401 when auth is on. */
  async authRequired(): Promise<boolean> {
    const res = await fetch('/api/v1/metrics', { headers: this.headers() });
    return res.status === 401;
  }
}

export const api = new Api();
