import { parseArgs } from 'node:util';

export const USAGE = `Usage: luminate <command> [options]

Commands:
  serve                 Run every role (acceptor, writer, querier, router, web) in one process.
  apikey create --tenant T --scopes read,write[,admin] [--name N]
                        Create an API key; it is printed once, on stdout.
  apikey list [--tenant T]
                        List keys (never their secrets).
  apikey revoke ID      Revoke a key.
  archive [--server URL [--api-key KEY]]
                        Archive closed days to Parquet now (archive.*, docs/api.md "Archive").
                        Without --server it opens the data directory itself (stop the server
                        first); with it, a running server does the work.
  engine-config         Print the engine configuration for storage.tiers and archive.s3 (for a
                        ClickHouse server's config.d/).

Options for serve (--config and --data-dir also for apikey, archive and engine-config):
  --config FILE         YAML configuration file (docs/config.md). Default: none (built-in defaults).
  --data-dir DIR        Embedded engine data directory (storage.data_dir). Default: ./data
  --port N              HTTP port (server.port). Default: 8080
  --host ADDR           Listen address (server.host). Default: 127.0.0.1

  -h, --help            Show this help.
  -v, --version         Print the version.

Environment: LUMINATE_<SECTION>_<KEY> overrides any configuration key,
e.g. LUMINATE_SERVER_PORT=9090 or LUMINATE_BATCH_WRITE_FLUSH_INTERVAL=50ms.`;

export type ApiKeyScope = 'read' | 'write' | 'admin';

export type Command =
  | { type: 'help' }
  | { type: 'version' }
  | { type: 'serve'; config?: string; dataDir?: string; port?: number; host?: string }
  | { type: 'apikey-create'; config?: string; dataDir?: string; tenant: string; scopes: ApiKeyScope[]; name?: string }
  | { type: 'apikey-list'; config?: string; dataDir?: string; tenant?: string }
  | { type: 'apikey-revoke'; config?: string; dataDir?: string; id: string }
  | { type: 'archive'; config?: string; dataDir?: string; server?: string; apiKey?: string }
  | { type: 'engine-config'; config?: string; dataDir?: string }
  | { type: 'error'; message: string };

/** Parses the command line (without node and script). Pure, so it is unit tested. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        tenant: { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        server: { type: 'string' },
        'api-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    return { type: 'error', message: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { type: 'help' };
  if (values.version) return { type: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) return { type: 'help' };
  const where = { ...(values.config !== undefined ? { config: values.config } : {}), ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}) };
  if (command === 'apikey') {
    const [sub, ...args] = rest;
    if (sub === 'create') {
      if (values.tenant === undefined || !/^[A-Za-z0-9_.-]{1,128}$/.test(values.tenant)) return { type: 'error', message: 'apikey create needs --tenant matching ^[A-Za-z0-9_.-]{1,128}$' };
      const scopes = (values.scopes ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      if (scopes.length === 0 || !scopes.every((x) => x === 'read' || x === 'write' || x === 'admin')) return { type: 'error', message: 'apikey create needs --scopes, a comma list of read, write, admin' };
      return { type: 'apikey-create', ...where, tenant: values.tenant, scopes: scopes, ...(values.name !== undefined ? { name: values.name } : {}) };
    }
    if (sub === 'list') return { type: 'apikey-list', ...where, ...(values.tenant !== undefined ? { tenant: values.tenant } : {}) };
    if (sub === 'revoke' && args.length === 1) return { type: 'apikey-revoke', ...where, id: args[0]! };
    return { type: 'error', message: 'usage: luminate apikey create|list|revoke (see --help)' };
  }
  if (command === 'archive' || command === 'engine-config') {
    if (rest.length > 0) return { type: 'error', message: `unexpected argument ${rest[0]}` };
    if (command === 'engine-config') return { type: 'engine-config', ...where };
    if (values.server !== undefined && !/^https?:\/\/[^/]+/.test(values.server)) return { type: 'error', message: `--server must be an http(s) URL, got ${values.server}` };
    if (values['api-key'] !== undefined && values.server === undefined) return { type: 'error', message: '--api-key goes with --server' };
    return { type: 'archive', ...where, ...(values.server !== undefined ? { server: values.server.replace(/\/+$/, '') } : {}), ...(values['api-key'] !== undefined ? { apiKey: values['api-key'] } : {}) };
  }
  if (command !== 'serve') return { type: 'error', message: `unknown command ${command}` };
  if (rest.length > 0) return { type: 'error', message: `unexpected argument ${rest[0]}` };
  const out: Extract<Command, { type: 'serve' }> = { type: 'serve' };
  if (values.config !== undefined) out.config = values.config;
  if (values['data-dir'] !== undefined) out.dataDir = values['data-dir'];
  if (values.host !== undefined) out.host = values.host;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return { type: 'error', message: `--port must be an integer 0-65535, got ${values.port}` };
    out.port = port;
  }
  return out;
}
