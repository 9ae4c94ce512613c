import { describe, expect, it } from 'vitest';
import { parseCommand } from './args.js';

describe('parseCommand', () => {
  it('parses serve with its flags', () => {
    expect(parseCommand(['serve', '--config', 'c.yaml', '--data-dir', '/d', '--port', '9000', '--host', '0.0.0.0'])).toEqual({
      type: 'serve', config: 'c.yaml', dataDir: '/d', port: 9000, host: '0.0.0.0',
    });
    expect(parseCommand(['serve'])).toEqual({ type: 'serve' });
  });

  it('handles help and version', () => {
    expect(parseCommand([])).toEqual({ type: 'help' });
    expect(parseCommand(['--help'])).toEqual({ type: 'help' });
    expect(parseCommand(['serve', '-h'])).toEqual({ type: 'help' });
    expect(parseCommand(['--version'])).toEqual({ type: 'version' });
    expect(parseCommand(['-v'])).toEqual({ type: 'version' });
  });

  it('reports mistakes', () => {
    expect(parseCommand(['serv'])).toMatchObject({ type: 'error', message: 'unknown command serv' });
    expect(parseCommand(['serve', '--port', 'x'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['serve', '--port', '70000'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['serve', '--bogus'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['serve', 'extra'])).toMatchObject({ type: 'error' });
  });
});
