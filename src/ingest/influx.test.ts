import { describe, expect, it } from 'vitest';
import { influxParser, influxPrecision, sanitizeName } from './influx.js';
import type { SeriesSamples } from './resolve.js';

const NOW = 1_700_000_000_000;
function parse(line: string, precision: Parameters<typeof influxParser>[0] = 'ns') {
  const out: SeriesSamples[] = [];
  const v = influxParser(precision, NOW)(line, out);
  return { v, out };
}

describe('Influx line protocol', () => {
  it('maps measurement_field, tags and every numeric field type', () => {
    const { v, out } = parse('cpu,host=a,region=eu usage=1.5,count=3i,big=18446744073709551615u,up=true,down=F,neg=-2e3 1700000000123456789');
    expect(v).toBeNull();
    expect(out.map((s) => [s.name, s.values[0], s.timestamps[0]])).toEqual([
      ['cpu_usage', 1.5, 1_700_000_000_123],
      ['cpu_count', 3, 1_700_000_000_123],
      ['cpu_big', 2 ** 64, 1_700_000_000_123],
      ['cpu_up', 1, 1_700_000_000_123],
      ['cpu_down', 0, 1_700_000_000_123],
      ['cpu_neg', -2000, 1_700_000_000_123],
    ]);
    expect(out[0]!.dimensions).toEqual({ host: 'a', region: 'eu' });
  });

  it('honours the escaping rules of each part', () => {
    // measurement: \, and \space; tag keys/values and field keys: also \=; a backslash before anything else is literal.
    const { v, out } = parse('my\\ meas\\,x,tag\\ key=val\\=ue\\,1\\ x,path=C:\\dir f\\=ld=1,s="a \\"q\\" \\\\ , = x" 1');
    expect(v).toBeNull();
    expect(out).toHaveLength(1);
    expect(out[0]!.name).toBe('my_meas_x_f_ld');
    expect(out[0]!.dimensions).toEqual({ tag_key: 'val=ue,1 x', path: 'C:\\dir' });
  });

  it('skips string fields without refusing the line', () => {
    expect(parse('sys uptime_format="1 day, 2:00" 1').out).toEqual([]);
    expect(parse('sys uptime_format="x",load=0.5 1').out.map((s) => s.name)).toEqual(['sys_load']);
  });

  it('converts each precision to milliseconds, and stamps lines without a timestamp', () => {
    expect(parse('m v=1 1700000000123999999', 'ns').out[0]!.timestamps[0]).toBe(1_700_000_000_123);
    expect(parse('m v=1 1700000000123999', 'us').out[0]!.timestamps[0]).toBe(1_700_000_000_123);
    expect(parse('m v=1 1700000000123', 'ms').out[0]!.timestamps[0]).toBe(1_700_000_000_123);
    expect(parse('m v=1 1700000000', 's').out[0]!.timestamps[0]).toBe(1_700_000_000_000);
    expect(parse('m v=1 28333333', 'm').out[0]!.timestamps[0]).toBe(28_333_333 * 60_000);
    expect(parse('m v=1').out[0]!.timestamps[0]).toBe(NOW);
    expect(parse('m v=1 -1500000', 'ns').out[0]!.timestamps[0]).toBe(-2);
    expect([undefined, 'n', 'u', 'µ', 'h'].map(influxPrecision)).toEqual(['ns', 'ns', 'us', 'us', 'h']);
    expect(influxPrecision('x')).toBeNull();
  });

  it('refuses malformed lines with a message', () => {
    for (const [line, msg] of [
      ['cpu', /expected a space/],
      ['cpu ', /has no value/],
      ['cpu,host usage=1', /tag host has no value/],
      ['cpu,host= usage=1', /must not be empty/],
      ['cpu usage=', /missing value/],
      ['cpu usage=abc', /invalid value abc/],
      ['cpu usage=1x', /invalid value 1x/],
      ['cpu usage=1.5i', /invalid value/],
      ['cpu usage=-1u', /invalid value/],
      ['cpu usage="open', /unterminated string/],
      ['cpu usage=1 12ab', /invalid timestamp/],
      ['cpu usage=1 1.5', /invalid timestamp/],
      ['cpu usage=1 123456789012345678901', /invalid timestamp/],
      [',host=a v=1', /missing measurement/],
      ['cpu,a=b=c v=1', /unescaped =/],
    ] as const) {
      const { v } = parse(line);
      expect(v, line).not.toBeNull();
      expect(v!.code).toBe('INVALID_PAYLOAD');
      expect(v!.message, line).toMatch(msg);
    }
  });

  it('makes names valid identifiers', () => {
    expect(sanitizeName('disk.io')).toBe('disk_io');
    expect(sanitizeName('1m-load')).toBe('_1m_load');
    expect(sanitizeName('ok_name')).toBe('ok_name');
  });
});
