// Makes `npm test` work on a clean clone: installs the npm dependencies when they are missing or
// older than package-lock.json. Plain Node (no dependencies), run by the `pretest` script.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const lock = readFileSync('package-lock.json');
const want = createHash('sha256').update(lock).digest('hex');
const stamp = 'node_modules/.luminate-deps';
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (have !== want || !existsSync('node_modules/.bin/vitest')) {
  console.log('ensure-deps: installing npm dependencies (npm install)…');
  // Not `npm ci`: chdb's optional engine packages for other platforms are absent from some
  // registries, so the lockfile cannot list them and `npm ci` would refuse it.
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
  writeFileSync(stamp, want + '\n');
}
