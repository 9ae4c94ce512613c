/**
 * `npm run bench -- --compare victoria-metrics`: the same workload and the same four queries
 * against Debian's `victoria-metrics` (single-node), started here on a fresh data directory.
 *
 * Fairness rules (docs/benchmarks.md): the same snappy remote-write bodies as Luminate gets, sent
 * by the same client code to VictoriaMetrics' own remote-write endpoint; its result cache is off
 * (`-search.disableCache`, as Luminate's query sharing is off in the benchmark) and freshly written
 * data is searchable at once (`-search.latencyOffset=0s`); its in-memory buffers are flushed
 * (`/internal/force_flush`) before the settle pause, as Luminate acknowledges only stored points.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const VM_BINARY = 'victoria-metrics';

export interface VictoriaServer {
  url: string;
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts victoria-metrics on a free port and waits until /health answers OK. */
export async function startVictoria(dataDir: string): Promise<VictoriaServer> {
  const port = await freePort();
  const child = spawn(
    VM_BINARY,
    [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-search.latencyOffset=0s', '-search.disableCache', '-loggerLevel=ERROR'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`cannot start ${VM_BINARY}: ${err.message} (apt-get install victoria-metrics)`))));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${VM_BINARY} exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await Promise.race([fetch(`${url}/health`), spawnError]);
      if (res.ok) break;
    } catch (err) {
      if ((err as Error).message.startsWith('cannot start')) throw err;
    }
    if (Date.now() > deadline) throw new Error(`${VM_BINARY} did not become healthy in 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Makes every ingested sample searchable and moves in-memory parts to disk. */
export async function forceFlush(url: string): Promise<void> {
  const res = await fetch(`${url}/internal/force_flush`);
  if (!res.ok) throw new Error(`force_flush answered ${res.status}`);
}

/** Bytes of every file under a directory. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

export interface PromQuery {
  /** /api/v1/query (instant) or /api/v1/query_range. */
  path: '/api/v1/query' | '/api/v1/query_range';
  query: string;
  /** query_range only. */
  stepSeconds?: number;
}

/**
 * The benchmark's four queries in PromQL/MetricsQL, as close to Luminate's as the languages allow
 * (each notes where it differs):
 *  (a) every raw sample of one series over the last hour;
 *  (b) p95 over every raw sample per customer, top 10 — MetricsQL's histogram_over_time keeps the
 *      samples in log buckets (VictoriaMetrics' own way to take a quantile across series);
 *  (c) per-series rate over 1-minute windows for one customer, 1-minute steps over the hour;
 *  (d) average of every sample per region: sum / count, so series weigh by their sample count as
 *      in Luminate's avg.
 */
export function promQueries(one: Record<string, string>): Record<string, PromQuery> {
  const sel = Object.entries(one)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return {
    '(a) one series, raw range, 1h': { path: '/api/v1/query', query: `api_latency{${sel}}[1h]` },
    '(b) p95 by customer_id, 1h, top 10': {
      path: '/api/v1/query',
      query: 'topk(10, histogram_quantile(0.95, sum(histogram_over_time(api_latency[1h])) by (vmrange, customer_id)))',
    },
    '(c) rate for one customer, 1m, 1h': { path: '/api/v1/query_range', query: `rate(api_latency{customer_id=${JSON.stringify(one.customer_id)}}[1m])`, stepSeconds: 60 },
    '(d) avg by region, 1h': { path: '/api/v1/query', query: 'sum by (region) (sum_over_time(api_latency[1h])) / sum by (region) (count_over_time(api_latency[1h]))' },
  };
}

/** Runs one PromQL query; returns how many series answered. */
export async function runPromQuery(url: string, q: PromQuery): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const params = new URLSearchParams({ query: q.query, time: String(now) });
  if (q.path === '/api/v1/query_range') {
    params.delete('time');
    params.set('start', String(now - 3600));
    params.set('end', String(now));
    params.set('step', String(q.stepSeconds ?? 60));
  }
  const res = await fetch(`${url}${q.path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
  const body = (await res.json()) as { status: string; data?: { result?: unknown[] }; error?: string };
  if (!res.ok || body.status !== 'success') throw new Error(`VictoriaMetrics answered ${res.status}: ${body.error ?? JSON.stringify(body).slice(0, 300)}`);
  return body.data?.result?.length ?? 0;
}
