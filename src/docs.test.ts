import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from './config/index.js';
import { ERROR_CODES } from './error-codes.js';

const read = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

describe('docs stay true', () => {
  it('docs/errors.md lists every error code with its status, and no other', () => {
    const rows = [...read('errors.md').matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    const documented = new Map(rows);
    expect(documented.size).toBe(rows.length); // no code listed twice
    const registered = new Map(Object.values(ERROR_CODES).flatMap((specs) => Object.entries(specs).map(([code, spec]) => [code, spec.status] as const)));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered));
  });

  it('docs/config.md lists every configuration key with its default', () => {
    const doc = read('config.md');
    const leaves: [string, unknown][] = [];
    const walk = (schema: TSchema, path: string) => {
      const props = (schema as { properties?: Record<string, TSchema> }).properties;
      if (!props) return leaves.push([path, (schema as { default?: unknown }).default]);
      for (const [k, sub] of Object.entries(props)) walk(sub, path ? `${path}.${k}` : k);
    };
    walk(ConfigSchema, '');
    const rows = new Map([...doc.matchAll(/^\| `([a-z0-9_.]+)` \|(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const [key, def] of leaves) {
      const shown = typeof def === 'string' ? (def === '' ? '""' : def) : JSON.stringify(def);
      expect(rows.get(key), `docs/config.md needs a row for ${key}`).toBeDefined();
      expect(rows.get(key), `docs/config.md row for ${key} shows default ${shown}`).toContain(`\`${shown}\``);
    }
    expect([...rows.keys()].sort()).toEqual(leaves.map(([k]) => k).sort());
  });
});
