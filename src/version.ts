import { readFileSync } from 'node:fs';

function readVersion(): string {
  // src/version.ts (tests) and dist/src/version.js (built) sit at different depths.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'luminate' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

/** The package version, as reported by `luminate --version` and the health endpoint. */
export const VERSION = readVersion();
