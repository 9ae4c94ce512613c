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

// Debian packages the integration tests drive as real clients: Prometheus and vmagent (from
// victoria-metrics) remote-write into Luminate; the browser tests drive Chromium. Installed with
// apt-get when running as root.
const packages = { prometheus: 'prometheus', vmagent: 'victoria-metrics', chromium: 'chromium' };
const onPath = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};
const missing = Object.entries(packages).filter(([cmd]) => !onPath(cmd));
if (missing.length > 0) {
  const names = [...new Set(missing.map(([, pkg]) => pkg))];
  if (process.getuid?.() !== 0) {
    console.error(`ensure-deps: the tests need ${missing.map(([c]) => c).join(', ')}; install the Debian packages: sudo apt-get install -y ${names.join(' ')}`);
    process.exit(1);
  }
  console.log(`ensure-deps: installing Debian packages ${names.join(', ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execSync('apt-get update -q', { stdio: 'inherit', env });
  execSync(`apt-get install -y -q --no-install-recommends ${names.join(' ')}`, { stdio: 'inherit', env });
}
