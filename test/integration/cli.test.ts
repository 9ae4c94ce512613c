import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { spawnServer, tempDir } from '../helpers/server.js';

const MAIN = resolve(import.meta.dirname, '../../dist/src/main.js');
const run = async (args: string[], env: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('luminate CLI', () => {
  it('prints the version and help', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('luminate <command>');
    expect(help.stdout).toContain('--data-dir DIR');
  });

  it('stops start-up on an unknown config key or bad value, naming it', async () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, 'server:\n  prot: 80\nquery_limits:\n  max_result_points: -1\n');
    const r = await run(['serve', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.prot: unknown key (did you mean server.port?)');
    const env = await run(['serve', '--data-dir', tempDir()], { LUMINATE_QUERY_LIMITS_MAX_RESULT_POINTS: '-5' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/query_limits\.max_result_points: /);
  });

  it('prints the engine configuration for tiers and the archive bucket, and says when there is none', async () => {
    const file = join(tempDir(), 'tiers.yaml');
    writeFileSync(file, 'storage:\n  tiers:\n    warm: { path: /mnt/warm }\n    cold: { endpoint: "https://b.s3.amazonaws.com/lum/", access_key_id: K, secret_access_key: "S<&" }\narchive:\n  enabled: true\n  s3: { endpoint: "https://b.s3.amazonaws.com/arch/" }\n');
    const r = await run(['engine-config', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<luminate_tiered>');
    expect(r.stdout).toContain('<path>/mnt/warm/</path>');
    expect(r.stdout).toContain('<secret_access_key>S&lt;&amp;</secret_access_key>');
    expect(r.stdout).toContain('<url>https://b.s3.amazonaws.com/arch/</url>');
    const none = await run(['engine-config']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toContain('nothing to configure');
  });

  it('archive: refuses a data directory a server holds, and asks that server with --server', async () => {
    const dir = tempDir();
    const file = join(dir, 'archive.yaml');
    writeFileSync(file, `storage: { data_dir: ${JSON.stringify(join(dir, 'data'))} }\narchive: { enabled: true, dir: ${JSON.stringify(join(dir, 'archive'))}, interval: 0s }\n`);
    const off = await run(['archive', '--data-dir', join(dir, 'other')]);
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('the archive is off');
    const server = await spawnServer(['--config', file]);
    try {
      const busy = await run(['archive', '--config', file]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toMatch(/cannot open the embedded engine on .*If another process uses this data directory/);
      const remote = await run(['archive', '--server', server.url]);
      expect(remote.code).toBe(0);
      expect(JSON.parse(remote.stdout)).toMatchObject({ archived: [], recovered: [], waiting: [] });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);

  it('rejects an unknown command', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command frobnicate');
  });
});
