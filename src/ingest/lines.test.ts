import { describe, expect, it } from 'vitest';
import type { WriteResult } from './acceptor.js';
import { ingestLines } from './lines.js';
import type { SeriesSamples } from './resolve.js';
import { seedMetricLine } from './vm-import.js';

/** A write that refuses names starting with "bad" the way the write path does (by sample ordinal). */
function recorder() {
  const writes: SeriesSamples[][] = [];
  const write = async (series: SeriesSamples[]): Promise<WriteResult> => {
    writes.push(series);
    const errors = series.flatMap((s, i) => (s.name.startsWith('bad') ? [{ index: i, metric: s.name, code: 'INVALID_METRIC_NAME', error: 'bad' }] : []));
    return { status: errors.length > 0 ? 207 : 200, accepted: series.length - errors.length, rejected: errors.length, errors };
  };
  return { writes, write };
}

const line = (name: string, v = 1) => JSON.stringify({ name, timestamp: 1, value: v });

describe('ingestLines', () => {
  it('reports bad lines by number, keeps good ones, and writes in bounded chunks', async () => {
    const { writes, write } = recorder();
    const body = [line('a'), 'garbage', '', line('bad_x'), line('b'), '  ', line('c')].join('\n');
    // Split at awkward places, including inside a multi-byte character.
    const bytes = Buffer.from(body.replace('"a"', '"ä"'), 'utf8');
    const pieces = [bytes.subarray(0, 11), bytes.subarray(11, 12), bytes.subarray(12, 40), bytes.subarray(40)];
    const r = await ingestLines(pieces, seedMetricLine, write, { maxLineLength: 1000, chunkSamples: 2 });
    expect(r.lines).toBe(5);
    expect(r.accepted).toBe(3);
    expect(r.errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'INVALID_PAYLOAD'],
      [4, 'INVALID_METRIC_NAME'],
    ]);
    expect(writes.map((w) => w.map((s) => s.name))).toEqual([['ä', 'bad_x'], ['b', 'c']]);
  });

  it('refuses an over-long line without holding it, and goes on after it', async () => {
    const { write } = recorder();
    const long = 'x'.repeat(5000);
    const pieces = [line('a') + '\n' + long.slice(0, 2000), long.slice(2000), '\n' + line('b') + '\r\n'];
    const r = await ingestLines(pieces, seedMetricLine, write, { maxLineLength: 1000, chunkSamples: 100 });
    expect(r.accepted).toBe(2);
    expect(r.errors).toEqual([{ line: 2, metric: null, code: 'INVALID_PAYLOAD', error: 'line is longer than 1000 characters' }]);
  });

  it('goes on after a chunk with nothing valid, listing every one of its lines', async () => {
    const writes: string[][] = [];
    const write = async (series: SeriesSamples[]): Promise<WriteResult> => {
      writes.push(series.map((s) => s.name));
      // As Acceptor#writeSeries answers it: accepted 0 and every sample's error.
      const errors = series.flatMap((s, i) => (s.name.startsWith('old') ? [{ index: i, metric: s.name, code: 'INVALID_TIMESTAMP', error: 'too old' }] : []));
      return { status: errors.length > 0 ? 207 : 200, accepted: series.length - errors.length, rejected: errors.length, errors };
    };
    const body = [...Array.from({ length: 150 }, () => line('old')), line('a'), line('b')].join('\n');
    const r = await ingestLines([body], seedMetricLine, write, { maxLineLength: 1000, chunkSamples: 150 });
    expect(r.accepted).toBe(2);
    expect(r.rejected).toBe(150);
    expect(r.errors.map((e) => e.line)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(writes.map((w) => w.length)).toEqual([150, 2]);
  });

  it('keeps at most maxErrors errors but counts them all, and skips comments', async () => {
    const { write } = recorder();
    const body = ['# c', ...Array.from({ length: 50 }, () => 'junk'), line('ok')].join('\n');
    const r = await ingestLines([body], seedMetricLine, write, { maxLineLength: 1000, chunkSamples: 10, maxErrors: 5, comment: '#' });
    expect(r.rejected).toBe(50);
    expect(r.errors).toHaveLength(5);
    expect(r.accepted).toBe(1);
  });
});
