import { spawn, type ChildProcess } from 'node:child_process';
import { tempDir } from './server.js';

export interface LocalS3 {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Where the server keeps the objects (bucket/key as directories). */
  directory: string;
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  close(): Promise<void>;
}

/**
 * A local S3-compatible endpoint (s3rver, from npm) on a free port, with the named buckets. It runs
 * in a child process: the embedded engine talks to S3 while it opens its data directory, which
 * blocks this process's event loop, so an in-process server could not answer.
 */
export async function startLocalS3(buckets: readonly string[]): Promise<LocalS3> {
  const directory = tempDir('lm-s3-');
  const script = `
    const S3rver = require('s3rver');
    const s = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[1], configureBuckets: JSON.parse(process.argv[2]).map((name) => ({ name })) });
    s.run().then((a) => process.stdout.write('listening ' + a.port + '\\n'), (e) => { console.error(e); process.exit(1); });
    process.on('SIGTERM', () => s.close().then(() => process.exit(0)));`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script, directory, JSON.stringify(buckets)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`s3rver did not start within 15s: ${out}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    });
    child.once('exit', (code) => rej(new Error(`s3rver exited (${code}): ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    directory,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    close: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}
