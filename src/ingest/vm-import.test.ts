import { describe, expect, it } from 'vitest';
import type { SeriesSamples } from './resolve.js';
import { csvParser, parseCsvFormat, seedMetricLine, splitCsv, vmJsonLine } from './vm-import.js';

function run(parse: (l: string, o: SeriesSamples[]) => unknown, line: string) {
  const out: SeriesSamples[] = [];
  return { v: parse(line, out), out };
}

describe('VictoriaMetrics JSON line', () => {
  it('reads name, labels, values and timestamps; empty labels are absent', () => {
    const { v, out } = run(vmJsonLine, '{"metric":{"__name__":"up","job":"a","empty":""},"values":[1,0.5],"timestamps":[1000,2000]}');
    expect(v).toBeNull();
    expect(out).toEqual([{ name: 'up', dimensions: { job: 'a' }, timestamps: [1000, 2000], values: [1, 0.5] }]);
  });
  it('refuses what is not the format', () => {
    for (const [line, msg] of [
      ['nope', /not valid JSON/],
      ['[1]', /expected an object/],
      ['{"metric":{"job":"a"},"values":[],"timestamps":[]}', /__name__/],
      ['{"metric":{"__name__":"x"},"values":[1],"timestamps":[1,2]}', /1 items but "timestamps" has 2/],
      ['{"metric":{"__name__":"x","n":1},"values":[],"timestamps":[]}', /label n must be a string/],
      ['{"metric":{"__name__":"x"},"values":1,"timestamps":[]}', /must be arrays/],
    ] as const) {
      const { v } = run(vmJsonLine, line);
      expect((v as { message: string }).message, line).toMatch(msg);
    }
  });
});

describe('NDJSON seed metrics', () => {
  it('passes objects on and refuses non-objects as INVALID_METRIC', () => {
    expect(run(seedMetricLine, '{"name":"a","timestamp":1,"value":2,"dimensions":{"k":"v"}}').out).toEqual([{ name: 'a', dimensions: { k: 'v' }, timestamps: [1], values: [2] }]);
    expect(run(seedMetricLine, '[1,2]').v).toMatchObject({ code: 'INVALID_METRIC' });
    expect(run(seedMetricLine, '{"name":').v).toMatchObject({ code: 'INVALID_PAYLOAD' });
    // An object shaped like an error is data, not a parse failure.
    expect(run(seedMetricLine, '{"code":"x","message":"y"}').v).toBeNull();
  });
});

describe('CSV', () => {
  it('parses the format parameter', () => {
    expect(parseCsvFormat('1:time:unix_ms,2:label:host,3:metric:cpu')).toEqual([
      { col: 0, kind: 'time', format: 'unix_ms' },
      { col: 1, kind: 'label', name: 'host' },
      { col: 2, kind: 'metric', name: 'cpu' },
    ]);
    for (const bad of [undefined, '', '1:label:host', '0:metric:x', '1:metric:x,1:metric:y', '1:time:weird,2:metric:x', '1:time:unix_s,2:time:unix_s,3:metric:x', 'x:metric:y'])
      expect(typeof parseCsvFormat(bad), String(bad)).toBe('string');
  });
  it('splits quoted cells', () => {
    expect(splitCsv('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
    expect(splitCsv('"open')).toBeNull();
    expect(splitCsv('"a"x')).toBeNull();
  });
  it('turns each metric column of a row into a sample', () => {
    const cols = parseCsvFormat('1:label:host,2:metric:cpu,3:metric:mem,4:time:unix_s');
    if (typeof cols === 'string') throw new Error(cols);
    const p = csvParser(cols, 42);
    expect(run(p, 'h1,0.5,,1700000000').out).toEqual([{ name: 'cpu', dimensions: { host: 'h1' }, timestamps: [1_700_000_000_000], values: [0.5] }]);
    expect(run(p, 'h1,x,1,1700000000').v).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect(run(p, 'h1,1,1').v).toMatchObject({ message: /expected at least 4 columns/ });
    expect(run(p, 'h1,1,2,yesterday').v).toMatchObject({ message: /not a unix_s time/ });
    const rfc = parseCsvFormat('1:time:rfc3339,2:metric:m');
    if (typeof rfc === 'string') throw new Error(rfc);
    expect(run(csvParser(rfc, 0), '2026-01-02T03:04:05.5Z,7').out[0]!.timestamps).toEqual([Date.parse('2026-01-02T03:04:05.5Z')]);
  });
});
