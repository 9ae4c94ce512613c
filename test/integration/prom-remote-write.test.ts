import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/query/index.js';
import { postJson, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { encodeWriteRequest, type EncodedSeries } from '../helpers/remote-write.js';

/**
 * Prometheus remote write from the real senders (Debian's `prometheus` and `vmagent`, installed by
 * the test bootstrap), plus hand-built payloads for the protocol's edge cases.
 *
 * Each sender scrapes a target that serves one counter whose value is the scrape's ordinal and
 * stops answering after SCRAPES scrapes; the exact values 1..SCRAPES must arrive, once each.
 */
const SCRAPES = 4;
let s: TestServer;
beforeAll(async () => {
  // Two lane workers, so the real senders' requests are decoded off the main thread (the default on fewer than 4 cores is none).
  s = await startTestServer({ batch_write: { flush_interval: '5ms', lane_workers: 2 } });
});
afterAll(async () => {
  await s.close();
});

async function rangeOf(metric: string, filters: Record<string, string> = {}) {
  const r = await postJson(`${s.url}/api/v1/query`, { queryType: 'range', metricName: metric, filters, timeRange: { relative: '1h' } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  // Points grouped into series (ordered by time within each).
  const series = new Map<string, { dimensions: Record<string, string>; dataPoints: { timestamp: number; value: number }[] }>();
  for (const p of (r.body as Extract<QueryResponse, { queryType: 'range' }>).results) {
    const key = JSON.stringify(Object.entries(p.dimensions).sort());
    let s = series.get(key);
    if (s === undefined) series.set(key, (s = { dimensions: p.dimensions, dataPoints: [] }));
    s.dataPoints.push({ timestamp: p.timestamp, value: p.value });
  }
  for (const s of series.values()) s.dataPoints.sort((a, b) => a.timestamp - b.timestamp);
  return [...series.values()];
}

/** A scrape target: `name{sender=…} N` on the Nth scrape, then 503. */
async function target(name: string, sender: string): Promise<{ server: Server; url: string; served: () => number }> {
  let n = 0;
  const server = createServer((_req, res) => {
    if (n >= SCRAPES) {
      res.writeHead(503).end();
      return;
    }
    n++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE ${name} counter\n${name}{sender="${sender}",path="/a b"} ${n}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `127.0.0.1:${(server.address() as AddressInfo).port}`, served: () => n };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function run(cmd: string, args: string[]): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until the series carries exactly the values 1..SCRAPES and checks none arrives twice. */
async function expectExactSamples(metric: string, sender: string, output: () => string) {
  const values = await waitFor(
    `${SCRAPES} samples of ${metric}\n${output().slice(-3000)}`,
    async () => {
      const series = await rangeOf(metric, { sender });
      const v = series.flatMap((x) => x.dataPoints.map((p) => p.value));
      return v.length >= SCRAPES ? v : undefined;
    },
    40_000,
  );
  // A moment more: a duplicate or extra sample would show now.
  await new Promise((r) => setTimeout(r, 1500));
  const series = await rangeOf(metric, { sender });
  expect(series).toHaveLength(1);
  expect(series[0]!.dimensions).toMatchObject({ sender, path: '/a b' });
  expect(series[0]!.dataPoints.map((p) => p.value)).toEqual([1, 2, 3, 4]);
  expect(values).toHaveLength(SCRAPES);
}

describe('real senders', () => {
  it('Prometheus scrapes a target and remote-writes exactly its samples', async () => {
    const t = await target('lm_prom_scrapes_total', 'prometheus');
    const dir = tempDir('lm-prom-');
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: lmtest
    static_configs:
      - targets: ['${t.url}']
remote_write:
  - url: ${s.url}/api/v1/prom/write
    queue_config:
      batch_send_deadline: 500ms
      min_backoff: 100ms
      max_backoff: 1s
`,
    );
    const prom = run('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0', '--log.level=warn']);
    try {
      await expectExactSamples('lm_prom_scrapes_total', 'prometheus', prom.output);
      // Labels Prometheus adds become dimensions; `up` arrives as a metric of its own.
      const [series] = await rangeOf('lm_prom_scrapes_total', { sender: 'prometheus' });
      expect(series!.dimensions).toEqual({ sender: 'prometheus', path: '/a b', job: 'lmtest', instance: t.url });
      const up = await rangeOf('up', { job: 'lmtest' });
      expect(up[0]!.dataPoints.some((p) => p.value === 1)).toBe(true);
    } finally {
      await prom.stop();
      t.server.close();
    }
  }, 60_000);

  it('vmagent scrapes a target and remote-writes exactly its samples', async () => {
    const t = await target('lm_vmagent_scrapes_total', 'vmagent');
    const dir = tempDir('lm-vmagent-');
    const config = join(dir, 'scrape.yml');
    writeFileSync(config, `scrape_configs:\n  - job_name: lmvm\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['${t.url}']\n`);
    const vm = run('vmagent', [
      `-promscrape.config=${config}`,
      `-remoteWrite.url=${s.url}/api/v1/prom/write`,
      `-remoteWrite.tmpDataPath=${join(dir, 'buffer')}`,
      '-remoteWrite.flushInterval=500ms',
      '-httpListenAddr=127.0.0.1:0',
      '-loggerLevel=WARN',
    ]);
    try {
      await expectExactSamples('lm_vmagent_scrapes_total', 'vmagent', vm.output);
    } finally {
      await vm.stop();
      t.server.close();
    }
  }, 60_000);
});

async function send(body: Uint8Array | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/api/v1/prom/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers },
    body,
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}
const compressed = (series: EncodedSeries[], extra?: Buffer) => Buffer.from(snappy.compress(Buffer.concat([encodeWriteRequest(series), extra ?? Buffer.alloc(0)])));

describe('payloads', () => {
  it('stores every sample of every series, skips staleness markers, metadata and exemplars', async () => {
    const now = Date.now();
    const r = await send(
      compressed(
        [
          { labels: { __name__: 'rw_a', host: 'h1', empty: '' }, samples: [[now - 2000, 1.5], [now - 1000, 2.5]], exemplar: true },
          { labels: { __name__: 'rw_a', host: 'h2' }, samples: [[now - 1000, -3], [now, 'stale']] },
        ],
        Buffer.from([0x1a, 0x03, 0x08, 0x01, 0x00]), // metadata field 3, skipped
      ),
    );
    expect(r).toMatchObject({ status: 204, text: '' });
    const series = await rangeOf('rw_a');
    const byHost: Record<string, number[][]> = Object.fromEntries(series.map((x) => [x.dimensions.host ?? '', x.dataPoints.map((p) => [p.timestamp, p.value])]));
    expect(byHost).toEqual({ h1: [[now - 2000, 1.5], [now - 1000, 2.5]], h2: [[now - 1000, -3]] });
    expect(series.find((x) => x.dimensions.host === 'h1')!.dimensions).toEqual({ host: 'h1' });
  });

  it('drops invalid samples and keeps the rest; all invalid is a 400 with a text reason', async () => {
    const now = Date.now();
    const partial = await send(compressed([{ labels: { __name__: 'rw_b' }, samples: [[now, 1]] }, { labels: { __name__: 'job:rw_b:rate5m' }, samples: [[now, 2]] }]));
    expect(partial.status).toBe(204);
    expect((await rangeOf('rw_b'))[0]!.dataPoints.map((p) => p.value)).toEqual([1]);
    const bad = await send(compressed([{ labels: { __name__: 'rw_c' }, samples: [[now - 30 * 86_400_000, 1]] }]));
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/^text\/plain/);
    expect(bad.text).toMatch(/^INVALID_TIMESTAMP: .*too old/);
  });

  it('answers truncated, corrupt, empty and oversized payloads with a clear 4xx and stays up', async () => {
    const good = Buffer.from(encodeWriteRequest([{ labels: { __name__: 'rw_d', k: 'v' }, samples: [[Date.now(), 1]] }]));
    for (let cut = 1; cut < good.length; cut++) {
      const r = await send(Buffer.from(snappy.compress(good.subarray(0, cut))));
      expect([r.status, r.text.slice(0, 16)], `cut at ${cut}`).toEqual([400, 'INVALID_PAYLOAD:']);
    }
    const notSnappy = await send(Buffer.from('this is not snappy at all'));
    expect(notSnappy.status).toBe(400);
    expect(notSnappy.text).toMatch(/^INVALID_PAYLOAD: remote write: not a valid snappy block/);
    expect((await send(Buffer.alloc(0))).status).toBe(400);
    // A snappy header claiming 100 MB: refused before anything is allocated.
    const bomb = await send(Buffer.from([0x80, 0x80, 0x80, 0x32, 0x00]));
    expect(bomb.status).toBe(413);
    expect((await send(good, { 'content-type': 'application/json' })).status).toBe(400);
    expect((await send(compressed([]), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await fetch(`${s.url}/api/v1/health`)).status).toBe(200);
  });
});
