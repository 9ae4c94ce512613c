import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';

/** Where the engine is: embedded (chdb, one data directory per process) or a ClickHouse server. */
export type EngineTarget =
  | { type: 'embedded'; dataDir: string; /** Engine server configuration (storage policy, named collections): chdb's --config-file. */ configFile?: string | undefined }
  | { type: 'server'; url: string; username?: string | undefined; password?: string | undefined };

export interface RawInsert {
  table: string;
  columns: readonly string[];
  values: Buffer;
  format: 'TSV' | 'JSONEachRow';
  settings?: Record<string, string>;
}

/**
 * The one storage seam (DESIGN decision 1): the same `@clickhouse/client` API over the embedded
 * engine or a server — same SQL, same errors. `rawInsert` is chdb's zero-copy path for the same
 * INSERT statement: the client's insert turns the payload into a JS string and splices it into
 * the SQL text, which measured 0.5-0.6 M rows/s against 1.0 M rows/s for handing chdb the Buffer
 * (100,000 TSV rows into `samples`, docs/benchmarks.md).
 */
export interface Engine {
  client: ClickHouseClient;
  rawInsert?: (insert: RawInsert) => Promise<void>;
  /** Releases what the engine holds besides the client (called after the client closes). */
  release?: () => void;
}

interface ChdbExtensionLike {
  rawInsert(p: RawInsert): Promise<unknown>;
}

/**
 * The embedded engine would not open its data directory. Most often another process holds it (the
 * engine allows one and prints "Cannot lock file …/status" itself, on stderr; chdb's error does
 * not carry that text).
 */
export class DataDirInUseError extends Error {
  constructor(dir: string, cause: unknown) {
    super(
      `cannot open the embedded engine on ${dir} (${cause instanceof Error ? cause.message : String(cause)}). If another process uses this data directory (a running luminate serve), stop it first or ask the running server instead (e.g. luminate archive --server URL); the engine's own message, if any, is printed above`,
      { cause },
    );
    this.name = 'DataDirInUseError';
  }
}

export async function createEngine(target: EngineTarget): Promise<Engine> {
  try {
    return await openEngine(target);
  } catch (err) {
    if (target.type === 'embedded' && isLockError(err)) throw new DataDirInUseError(resolve(target.dataDir), err);
    throw err;
  }
}

/** The engine refused the data directory (chdb's connection error, or the lock message), anywhere in the cause chain. */
function isLockError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/Cannot lock file|Another server instance|Failed to create connection for path/.test(e.message)) return true;
  }
  return false;
}

async function openEngine(target: EngineTarget): Promise<Engine> {
  if (target.type === 'embedded') {
    const path = resolve(target.dataDir);
    mkdirSync(path, { recursive: true });
    // Loaded on demand: the native engine is large, must not load into worker threads, and a
    // server deployment never needs it.
    const { createChdbConnection } = await import('chdb/connection');
    // The engine starts with the first session on a path and takes its arguments from it; the
    // connection below joins that engine. chdb's connection factory takes no arguments, so a
    // configuration file needs this session first, held for the engine's lifetime.
    let boot: { close(): void } | undefined;
    if (target.configFile !== undefined) {
      const { Session } = await import('chdb');
      boot = new Session(path, { connectionArgs: [`--config-file=${resolve(target.configFile)}`] });
    }
    const chdb = createChdbConnection({ path });
    const ext = chdb.chdb as unknown as ChdbExtensionLike;
    // chdb implements the Connection contract of @clickhouse/client-common; the client bundles its
    // own copy of those types, so the compiler sees two nominally different declarations.
    const client = createClient({ connection: chdb as unknown as ClickHouseClientConfigOptions['connection'] });
    return {
      client,
      rawInsert: async (insert) => {
        await ext.rawInsert(insert);
      },
      ...(boot ? { release: () => boot.close() } : {}),
    };
  }
  const client = createClient({
    url: target.url,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return { client };
}
