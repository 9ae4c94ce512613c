#!/usr/bin/env node
/**
 * The composition root: the only module that reads the environment, opens the engine and listens.
 */
import { buildApp } from './app.js';
import { USAGE, parseCommand } from './cli/args.js';
import { createLogger } from './cli/logger.js';
import { ConfigError, durationMs, loadConfig } from './config/index.js';
import { archiveS3Of, createLuminate, metaTargetOf, tiersOf } from './luminate.js';
import { DataDirInUseError, engineConfigXml } from './storage/index.js';
import { ApiKeys, openMetaDb } from './meta/index.js';
import { VERSION } from './version.js';

async function serve(cmd: Extract<ReturnType<typeof parseCommand>, { type: 'serve' }>): Promise<void> {
  const overrides: Record<string, Record<string, unknown>> = { server: {}, storage: {} };
  if (cmd.port !== undefined) overrides.server!.port = cmd.port;
  if (cmd.host !== undefined) overrides.server!.host = cmd.host;
  if (cmd.dataDir !== undefined) overrides.storage!.data_dir = cmd.dataDir;
  const config = loadConfig({ file: cmd.config, env: process.env, overrides });
  const logger = createLogger(config);
  const where = config.storage.clickhouse.url || `embedded engine in ${config.storage.data_dir}`;
  logger.info({ version: VERSION, storage: where }, 'starting luminate');
  const luminate = await createLuminate(config, { logger });
  const app = await buildApp(config, { luminate, logger });
  await app.listen({ host: config.server.host, port: config.server.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.server.port;
  logger.info({ url: `http://${config.server.host}:${port}` }, 'luminate is ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests and flushing buffered writes');
    const timer = setTimeout(() => {
      logger.error({ shutdown_timeout: config.server.shutdown_timeout }, 'shutdown timed out; exiting');
      logger.flush();
      process.exit(1);
    }, durationMs(config.server.shutdown_timeout));
    timer.unref();
    void (async () => {
      try {
        // Stop taking connections and flush the buffer at once: requests already waiting on a
        // flush get their answer instead of waiting for the flush interval. Keep-alive sockets
        // that went idle after their answer are then closed so the server can finish closing.
        const closing = app.close();
        await luminate.queue.close();
        const idle = setInterval(() => app.server.closeIdleConnections(), 50);
        try {
          await closing;
        } finally {
          clearInterval(idle);
        }
        await luminate.close();
        logger.info('stopped cleanly');
        logger.flush();
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'error during shutdown');
        logger.flush();
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** `luminate apikey …`: works on the metadata store directly (a running server may share it). */
async function apikey(cmd: Extract<ReturnType<typeof parseCommand>, { type: 'apikey-create' | 'apikey-list' | 'apikey-revoke' }>): Promise<void> {
  const config = loadConfig({ file: cmd.config, env: process.env, overrides: cmd.dataDir !== undefined ? { storage: { data_dir: cmd.dataDir } } : {} });
  const meta = await openMetaDb(metaTargetOf(config));
  try {
    const keys = new ApiKeys(meta);
    if (cmd.type === 'apikey-create') {
      const k = await keys.create({ tenant: cmd.tenant, scopes: cmd.scopes, ...(cmd.name !== undefined ? { name: cmd.name } : {}) });
      process.stdout.write(`${k.key}\n`);
      process.stderr.write(`API key ${k.id} for tenant ${k.tenant} (scopes ${k.scopes.join(',')}). Store it now: it is not shown again.\n`);
    } else if (cmd.type === 'apikey-list') {
      const rows = await keys.list(cmd.tenant);
      process.stdout.write(['id\ttenant\tname\tscopes\tcreated_at\trevoked_at', ...rows.map((k) => [k.id, k.tenant, k.name, k.scopes.join(','), k.created_at, k.revoked_at ?? ''].join('\t'))].join('\n') + '\n');
    } else if (await keys.revoke(cmd.id)) {
      process.stdout.write(`revoked ${cmd.id}\n`);
    } else {
      process.stderr.write(`luminate: no live API key ${cmd.id}\n`);
      process.exitCode = 1;
    }
  } finally {
    await meta.close();
  }
}

/** `luminate engine-config`: the storage policy and archive bucket a ClickHouse server needs in config.d/. */
function engineConfig(cmd: Extract<ReturnType<typeof parseCommand>, { type: 'engine-config' }>): void {
  const config = loadConfig({ file: cmd.config, env: process.env, overrides: cmd.dataDir !== undefined ? { storage: { data_dir: cmd.dataDir } } : {} });
  const text = engineConfigXml(tiersOf(config), archiveS3Of(config));
  if (text === null) {
    process.stderr.write('luminate: nothing to configure: neither storage.tiers nor archive.s3 is set\n');
    return;
  }
  process.stdout.write(text);
}

/**
 * `luminate archive`: one archive run now. With --server, a running server does it; without, this
 * process opens the data directory (the server must be stopped: one process per data directory).
 * Progress goes to stderr, the report to stdout as JSON.
 */
async function archive(cmd: Extract<ReturnType<typeof parseCommand>, { type: 'archive' }>): Promise<void> {
  if (cmd.server !== undefined) {
    const headers: Record<string, string> = cmd.apiKey !== undefined ? { authorization: `Bearer ${cmd.apiKey}` } : {};
    const res = await fetch(`${cmd.server}/api/v1/admin/archive`, { method: 'POST', headers });
    let body = (await res.json()) as { status?: string; last?: unknown; running?: boolean; error?: { message: string } };
    if (res.status === 202) {
      process.stderr.write('luminate: the archive run goes on; waiting for it\n');
      do {
        await new Promise((r) => setTimeout(r, 2000));
        const st = await fetch(`${cmd.server}/api/v1/admin/archive`, { headers });
        body = (await st.json()) as typeof body;
      } while (body.running === true);
      body = (body.last ?? {});
    } else if (res.status !== 200) {
      throw new Error(`${cmd.server} answered ${res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
    }
    process.stdout.write(JSON.stringify(body, null, 2) + '\n');
    return;
  }
  const config = loadConfig({
    file: cmd.config,
    env: process.env,
    // No scheduled jobs of its own: this process runs one archive and exits.
    overrides: { archive: { interval: '0s' }, rollups: { refresh_interval: '24h' }, logging: { output: 'stderr' }, ...(cmd.dataDir !== undefined ? { storage: { data_dir: cmd.dataDir } } : {}) },
  });
  if (!config.archive.enabled) throw new Error('the archive is off: set archive.enabled and archive.dir or archive.s3.endpoint (docs/config.md)');
  const logger = createLogger(config);
  const luminate = await createLuminate(config, { logger });
  try {
    // A day is archived once rolled up: bring the rollups up to date first.
    if (config.rollups.enabled) await luminate.refreshRollups();
    const report = await luminate.runArchive();
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    await luminate.close();
    logger.flush();
  }
}

async function main(): Promise<void> {
  const cmd = parseCommand(process.argv.slice(2));
  switch (cmd.type) {
    case 'help':
      process.stdout.write(USAGE + '\n');
      return;
    case 'version':
      process.stdout.write(VERSION + '\n');
      return;
    case 'error':
      process.stderr.write(`luminate: ${cmd.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    case 'serve':
      await serve(cmd);
      return;
    case 'apikey-create':
    case 'apikey-list':
    case 'apikey-revoke':
      await apikey(cmd);
      return;
    case 'engine-config':
      engineConfig(cmd);
      return;
    case 'archive':
      await archive(cmd);
      return;
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirInUseError) {
    process.stderr.write(`luminate: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`luminate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
