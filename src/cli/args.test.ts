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

  it('parses apikey create, list and revoke', () => {
    expect(parseCommand(['apikey', 'create', '--tenant', 'acme', '--scopes', 'read, write', '--name', 'ci', '--data-dir', '/d'])).toEqual({
      type: 'apikey-create', tenant: 'acme', scopes: ['read', 'write'], name: 'ci', dataDir: '/d',
    });
    expect(parseCommand(['apikey', 'list', '--tenant', 'acme'])).toEqual({ type: 'apikey-list', tenant: 'acme' });
    expect(parseCommand(['apikey', 'revoke', 'abc', '--config', 'c.yaml'])).toEqual({ type: 'apikey-revoke', id: 'abc', config: 'c.yaml' });
    expect(parseCommand(['apikey', 'create', '--tenant', 'acme', '--scopes', 'root'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['apikey', 'create', '--scopes', 'read'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['apikey', 'revoke'])).toMatchObject({ type: 'error' });
  });

  it('parses archive and engine-config', () => {
    expect(parseCommand(['archive', '--config', 'l.yaml'])).toEqual({ type: 'archive', config: 'l.yaml' });
    expect(parseCommand(['archive', '--server', 'http://h:8080/', '--api-key', 'k'])).toEqual({ type: 'archive', server: 'http://h:8080', apiKey: 'k' });
    expect(parseCommand(['archive', '--server', 'h:8080'])).toEqual({ type: 'error', message: '--server must be an http(s) URL, got h:8080' });
    expect(parseCommand(['archive', '--api-key', 'k'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['engine-config', '--data-dir', 'd'])).toEqual({ type: 'engine-config', dataDir: 'd' });
  });

  it('reports mistakes', () => {
    expect(parseCommand(['serv'])).toMatchObject({ type: 'error', message: 'unknown command serv' });
    expect(parseCommand(['serve', '--port', 'x'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['serve', '--port', '70000'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['serve', '--bogus'])).toMatchObject({ type: 'error' });
    expect(parseCommand(['serve', 'extra'])).toMatchObject({ type: 'error' });
  });
});
