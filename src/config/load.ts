import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { durationMs } from './duration.js';
import { ConfigSchema, type RawConfig } from './schema.js';

/** The validated configuration, with every default filled in. Keys are the YAML keys. */
export type Config = RawConfig;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** YAML file path. */
  file?: string | undefined;
  /** Environment (LUMINATE_* overrides and ${VAR} interpolation). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Last-word overrides (CLI flags), as a partial config object. */
  overrides?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function propsOf(schema: TSchema): Record<string, TSchema> | undefined {
  return (schema as { properties?: Record<string, TSchema> }).properties;
}

/** Environment variables with this prefix are test-harness settings, not config overrides. */
const IGNORED_ENV_PREFIXES = ['LUMINATE_TEST_'];

/**
 * Loads configuration: schema defaults < YAML file < LUMINATE_* environment < overrides.
 * Any unknown key or bad value throws a ConfigError naming every problem.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? {};
  const problems: string[] = [];
  let raw: Obj = {};
  if (opts.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError([`cannot read config file ${opts.file}: ${(err as Error).message}`]);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new ConfigError([`config file ${opts.file} is not valid YAML: ${(err as Error).message}`]);
    }
    if (doc !== null && doc !== undefined && !isObj(doc)) throw new ConfigError([`config file ${opts.file} must hold a mapping of sections`]);
    raw = interpolate((doc ?? {}), env, problems, '') as Obj;
  }
  applyEnv(raw, env, problems);
  if (opts.overrides) merge(raw, opts.overrides);
  checkUnknownKeys(raw, ConfigSchema, '', problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const config = Value.Default(ConfigSchema, raw) as Config;
  for (const e of Value.Errors(ConfigSchema, config)) {
    const path = e.path.replace(/^\//, '').replaceAll('/', '.');
    problems.push(`${path}: ${e.message} (got ${JSON.stringify(e.value)})`);
  }
  const a = config.auth;
  const sources = [a.jwt_secret, a.jwt_public_key_path, a.jwks_url].filter((x) => x !== '').length;
  if (problems.length === 0 && a.enabled && sources > 1) {
    problems.push(`auth takes at most one of auth.jwt_secret, auth.jwt_public_key_path, auth.jwks_url (${sources} set)`);
  }
  const bw = config.batch_write;
  if (problems.length === 0 && bw.max_buffered_points < bw.max_batch_size) {
    problems.push(`batch_write.max_buffered_points (${bw.max_buffered_points}) must be at least batch_write.max_batch_size (${bw.max_batch_size}), or a full batch could never be accepted`);
  }
  if (problems.length === 0) {
    const tiers = config.storage.tiers;
    if (tiers.cold.endpoint !== '' && !/^https?:\/\/[^/]+\/.+/.test(tiers.cold.endpoint)) problems.push(`storage.tiers.cold.endpoint must be an http(s) URL naming a bucket, e.g. https://my-bucket.s3.amazonaws.com/luminate/ (got ${JSON.stringify(tiers.cold.endpoint)})`);
    if (tiers.warm.path !== '' && tiers.cold.endpoint !== '' && durationMs(tiers.warm.after) >= durationMs(tiers.cold.after)) {
      problems.push(`storage.tiers.warm.after (${tiers.warm.after}) must be shorter than storage.tiers.cold.after (${tiers.cold.after})`);
    }
    const arc = config.archive;
    if (arc.enabled) {
      if ((arc.dir === '') === (arc.s3.endpoint === '')) problems.push('archive.enabled needs exactly one of archive.dir, archive.s3.endpoint');
      if (arc.s3.endpoint !== '' && !/^https?:\/\/[^/]+\/.+/.test(arc.s3.endpoint)) problems.push(`archive.s3.endpoint must be an http(s) URL naming a bucket (got ${JSON.stringify(arc.s3.endpoint)})`);
      if (durationMs(arc.after) < 8 * 86_400_000) problems.push(`archive.after (${arc.after}) must be at least 8d: writes accept points up to 7 days old, and an archived day must not get new points`);
      const keep = durationMs(config.retention.default_retention);
      if (keep > 0 && keep <= durationMs(arc.after)) problems.push(`archive.after (${arc.after}) must be shorter than retention.default_retention (${config.retention.default_retention}), or days are deleted before they are archived`);
    }
    config.retention.policies.forEach((p, i) => {
      if (p.retention === undefined && p.rollup_1m_retention === undefined && p.rollup_1h_retention === undefined) {
        problems.push(`retention.policies[${i}] (${p.metric_pattern}) sets none of retention, rollup_1m_retention, rollup_1h_retention`);
      }
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function interpolate(v: unknown, env: LoadConfigOptions['env'] & object, problems: string[], path: string): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined) {
        problems.push(`${path}: environment variable ${name} is not set`);
        return '';
      }
      return value;
    });
  }
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, env, problems, path ? `${path}.${k}` : k)]));
  return v;
}

function merge(target: Obj, src: Obj): void {
  for (const [k, v] of Object.entries(src)) {
    if (isObj(v)) {
      const t = isObj(target[k]) ? (target[k]) : (target[k] = {});
      merge(t, v);
    } else if (v !== undefined) {
      target[k] = v;
    }
  }
}

function checkUnknownKeys(v: unknown, schema: TSchema, path: string, problems: string[]): void {
  const props = propsOf(schema);
  if (!props || !isObj(v)) return;
  for (const [k, x] of Object.entries(v)) {
    const here = path ? `${path}.${k}` : k;
    const sub = props[k];
    if (sub === undefined) {
      const known = Object.keys(props);
      const near = known.find((n) => editDistance(n, k) <= Math.max(2, Math.floor(n.length / 3)));
      problems.push(`${here}: unknown key${near ? ` (did you mean ${path ? `${path}.` : ''}${near}?)` : ''}; known keys: ${known.join(', ')}`);
      continue;
    }
    checkUnknownKeys(x, sub, here, problems);
  }
}

/** LUMINATE_BATCH_WRITE_MAX_BATCH_SIZE=5000 → batch_write.max_batch_size = 5000 (matched against the schema). */
function applyEnv(raw: Obj, env: Readonly<Record<string, string | undefined>>, problems: string[]): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LUMINATE_') || value === undefined) continue;
    if (IGNORED_ENV_PREFIXES.some((p) => name.startsWith(p))) continue;
    const rest = name.slice('LUMINATE_'.length).toLowerCase();
    const path = resolveEnvPath(ConfigSchema, rest);
    if (path === null) {
      problems.push(`${name}: does not name a configuration key (see docs/config.md)`);
      continue;
    }
    const leaf = path.schema as { type?: string; anyOf?: { type?: string }[] };
    // A union (auto | boolean, auto | integer) takes the typed reading when the text is one.
    const types = new Set(leaf.anyOf ? leaf.anyOf.map((m) => m.type) : [leaf.type]);
    let coerced: unknown = value;
    if (types.has('integer') || types.has('number')) {
      const n = value.trim() === '' ? NaN : Number(value);
      coerced = leaf.anyOf && Number.isNaN(n) ? value : n;
    } else if (types.has('boolean')) {
      coerced = value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
    }
    let target = raw;
    for (const k of path.keys.slice(0, -1)) {
      if (!isObj(target[k])) target[k] = {};
      target = target[k] as Obj;
    }
    target[path.keys[path.keys.length - 1]!] = coerced;
  }
}

function resolveEnvPath(schema: TSchema, rest: string): { keys: string[]; schema: TSchema } | null {
  const props = propsOf(schema);
  if (!props) return rest === '' ? { keys: [], schema } : null;
  // Longest key first, so batch_write wins over a hypothetical batch.
  for (const key of Object.keys(props).sort((a, b) => b.length - a.length)) {
    const sub = props[key]!;
    if (rest === key && !propsOf(sub)) return { keys: [key], schema: sub };
    if (rest.startsWith(key + '_')) {
      const found = resolveEnvPath(sub, rest.slice(key.length + 1));
      if (found) return { keys: [key, ...found.keys], schema: found.schema };
    }
  }
  return null;
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
