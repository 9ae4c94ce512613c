import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLuminate, type Luminate } from '../../src/luminate.js';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  luminate: Luminate;
  dataDir: string;
  close(): Promise<void>;
}

const made: string[] = [];

/** Removes the directories tempDir made (test/helpers/cleanup.ts calls it after each test file). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: a directory a crashed child still holds stays behind
    }
  }
}

/** A fresh directory under the system's temp dir, removed after the test file. */
export function tempDir(prefix = 'lm-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * Starts Luminate in this process on a fresh data directory and a free port. The embedded engine
 * allows one data directory per process, so a test file starts at most one of these.
 */
export async function startTestServer(overrides: Record<string, unknown> = {}): Promise<TestServer> {
  const dataDir = tempDir();
  const storage = { data_dir: dataDir, ...((overrides.storage as object | undefined) ?? {}) };
  const config = loadConfig({ overrides: { logging: { level: 'silent' }, ...overrides, storage } });
  const luminate = await createLuminate(config);
  const app = await buildApp(config, { luminate });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('server has no TCP address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    app,
    luminate,
    dataDir,
    async close() {
      await app.close();
      await luminate.close();
    },
  };
}

export interface SpawnedServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// npm scripts run from the package root; compiled benches live elsewhere, so resolve from there.
const MAIN = resolve(process.cwd(), 'dist/src/main.js');

/** Starts the built CLI (`luminate serve`) as a child process and waits until it listens. */
export async function spawnServer(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<SpawnedServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [...nodeArgs, MAIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, LUMINATE_LOGGING_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start within 30s:\n${out}`)), 30_000);
    const onData = () => {
      const m = /"url":"(http:\/\/[^"]+)","msg":"luminate is ready"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        res(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
