import { parseArgs } from 'node:util';

export const USAGE = `Usage: luminate <command> [options]

Commands:
  serve                 Run every role (acceptor, writer, querier, router, web) in one process.

Options for serve:
  --config FILE         YAML configuration file (docs/config.md). Default: none (built-in defaults).
  --data-dir DIR        Embedded engine data directory (storage.data_dir). Default: ./data
  --port N              HTTP port (server.port). Default: 8080
  --host ADDR           Listen address (server.host). Default: 127.0.0.1

  -h, --help            Show this help.
  -v, --version         Print the version.

Environment: LUMINATE_<SECTION>_<KEY> overrides any configuration key,
e.g. LUMINATE_SERVER_PORT=9090 or LUMINATE_BATCH_WRITE_FLUSH_INTERVAL=50ms.`;

export type Command =
  | { type: 'help' }
  | { type: 'version' }
  | { type: 'serve'; config?: string; dataDir?: string; port?: number; host?: string }
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
