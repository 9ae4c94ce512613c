import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';

/** Where the engine is: embedded (chdb, one data directory per process) or a ClickHouse server. */
export type EngineTarget =
  | { type: 'embedded'; dataDir: string; /** Engine server configuration (storage policy, named collections): chdb's --config-file. */ configFile?: string | undefined }
  | { type: 'server'; url: string; username?: string | undefined; password?: string | undefined };

/** Blocks of the engine's Native format, inserted as one statement (one part). */
export interface BlockInsert {
  table: string;
  columns: readonly string[];
  /** The blocks' column names and types, as a table function's structure argument. */
  structure: string;
  blocks: readonly Buffer[];
  /** Setting names must be identifiers; values are quoted. */
  settings?: Record<string, string>;
}

/**
 * The one storage seam (DESIGN decision 1): the same `@clickhouse/client` API over the embedded
 * engine or a server — same SQL, same errors. Bulk inserts (samples, series) are Native blocks:
 * a server reads them from the request body (`Store`); embedded, `insertBlocks` hands them over.
 */
export interface Engine {
  client: ClickHouseClient;
  /**
   * Embedded: inserts Native blocks. The client's insert would turn the payload into a JS string
   * spliced into the SQL text, and chdb's own raw insert takes inline data as text only (it ends
   * the data at the first blank line, which binary data may hold), so the blocks go through a
   * spool file on a memory-backed file system and `INSERT … SELECT FROM file()`; the file lives
   * for one statement.
   */
  insertBlocks?: (insert: BlockInsert) => Promise<void>;
  /** Releases what the engine holds besides the client (called after the client closes). */
  release?: () => void;
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
/**
 * A private directory for insert spool files: in /dev/shm (memory) where there is one, else the
 * system's temporary directory.
 */
function spoolDir(): string {
  let base = tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    base = '/dev/shm';
  } catch {
    // no memory-backed file system: the temporary directory's page cache does the same job
  }
  return mkdtempSync(join(base, 'luminate-insert-'));
}

/** Text for inside a single-quoted engine string literal. */
function quoted(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

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
    // chdb implements the Connection contract of @clickhouse/client-common; the client bundles its
    // own copy of those types, so the compiler sees two nominally different declarations.
    const client = createClient({ connection: chdb as unknown as ClickHouseClientConfigOptions['connection'] });
    const spool = spoolDir();
    let spooled = 0;
    return {
      client,
      insertBlocks: async ({ table, columns, structure, blocks, settings }) => {
        const file = join(spool, `${++spooled}.native`);
        const fh = await open(file, 'w', 0o600);
        try {
          await fh.writev(blocks as Buffer[]);
        } finally {
          await fh.close();
        }
        const set = Object.entries(settings ?? {}).map(([k, v]) => `${k} = '${quoted(v)}'`);
        try {
          await client.command({
            query: `INSERT INTO ${table} (${columns.join(', ')})${set.length > 0 ? ` SETTINGS ${set.join(', ')}` : ''} SELECT * FROM file('${quoted(file)}', 'Native', '${quoted(structure)}')`,
          });
        } finally {
          await unlink(file).catch(() => undefined);
        }
      },
      release: () => {
        boot?.close();
        rmSync(spool, { recursive: true, force: true });
      },
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
