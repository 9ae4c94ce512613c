import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { tempDir } from '../helpers/server.js';

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

  it('rejects an unknown command', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command frobnicate');
  });
});
