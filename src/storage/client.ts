import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';

/** Where the engine is: embedded (chdb, one data directory per process) or a ClickHouse server. */
export type EngineTarget =
  | { type: 'embedded'; dataDir: string }
  | { type: 'server'; url: string; username?: string | undefined; password?: string | undefined };

/**
 * The one storage seam (DESIGN decision 1): the same `@clickhouse/client` API over the embedded
 * engine or a server — same SQL, same errors.
 */
export async function createEngineClient(target: EngineTarget): Promise<ClickHouseClient> {
  if (target.type === 'embedded') {
    const path = resolve(target.dataDir);
    mkdirSync(path, { recursive: true });
    // Loaded on demand: the native engine is large, must not load into worker threads, and a
    // server deployment never needs it.
    const { createChdbConnection } = await import('chdb/connection');
    // chdb implements the Connection contract of @clickhouse/client-common; the client bundles its
    // own copy of those types, so the compiler sees two nominally different declarations.
    const connection = createChdbConnection({ path }) as unknown as ClickHouseClientConfigOptions['connection'];
    return createClient({ connection });
  }
  return createClient({
    url: target.url,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
}
