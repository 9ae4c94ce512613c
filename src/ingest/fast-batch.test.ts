import { describe, expect, it } from 'vitest';
import { batches, prng } from '../../bench/workload.js';
import { fastResolve } from './fast-batch.js';
import { resolveWriteBody } from './resolve.js';
import { decodeSampleBlocks } from './sample-block.js';
import { SeriesCache } from './series-cache.js';
import type { WriteBatch } from './types.js';
import { DEFAULT_VALIDATION_LIMITS as limits } from './validate.js';

const now = 1_800_000_000_000;
const opts = () => ({ tenant: 'default', limits, maxBatchSize: 50, now, cache: new SeriesCache(1000) });

const rows = (b: WriteBatch) => decodeSampleBlocks(b.samples);

/** The general path's answer, or null when it would not give a clean, fully valid batch. */
function general(text: string): WriteBatch | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  try {
    const r = resolveWriteBody(parsed, opts());
    return r.errors.length === 0 ? r.batch : null;
  } catch {
    return null;
  }
}

function expectSame(text: string): WriteBatch | null {
  const fast = fastResolve(Buffer.from(text), opts());
  const slow = general(text);
  if (fast === null) return null;
  expect(slow, `fast lane accepted what the general path rejects: ${text.slice(0, 200)}`).not.toBeNull();
  expect(fast.points).toBe(slow!.points);
  expect(rows(fast)).toEqual(rows(slow!));
  expect(fast.samples.equals(slow!.samples)).toBe(true);
  expect(fast.newSeries).toEqual(slow!.newSeries);
  expect(fast.spans).toEqual(slow!.spans);
  return fast;
}

describe('fast write lane', () => {
  it('takes ordinary bodies and agrees with the general path', () => {
    const bodies = [...batches({ series: 200, points: 400, batchSize: 50, seed: 3, start: now - 3_000_000 })];
    for (const { body } of bodies) expect(expectSame(body)).not.toBeNull();
  });

  it('agrees on 3,000 randomized bodies (whitespace, key order, numbers, odd and invalid input)', () => {
    const rnd = prng(11);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const ws = () => pick(['', '', ' ', '\n', '\t ', '\r\n  ']);
    const values = ['1', '0', '-0', '145.5', '145.50', '-3.25', '0.1', '1e3', '2E-7', '1.5e+2', '123456789012345678901234567890', '1e400', '01', '.5', '"5"', 'null', 'true', '-', '1.', '0.000001'];
    const names = ['api_latency', 'cpu', '_x', 'a'.repeat(256), 'a'.repeat(257), '1bad', 'bad-name', '', 'caf\u00e9', 'e\\u0073c'];
    const keys = ['customer_id', 'region', 'status', '_tenant_id', 'bad key', 'k'.repeat(129), '__proto__', 'a', 'b'];
    const dimValues = ['cust_1', 'us-west-2', '200', '', 'v'.repeat(257), 'tab\\there', 'quote\\"d', '\u6771\u4eac', 'x\u007f', 'plain value'];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(rnd() * 4);
      const metrics: string[] = [];
      for (let m = 0; m < n; m++) {
        const fields: string[] = [];
        const ts = pick([String(now - Math.floor(rnd() * 1e6)), String(now - 8 * 86_400_000), String(now + 7_200_000), `${now}.0`, `${now}.5`, String(Math.floor(now / 1000)), `"${now}"`]);
        fields.push(`"name"${ws()}:${ws()}"${pick(names)}"`, `"timestamp":${ts}`, `"value":${ws()}${pick(values)}`);
        if (rnd() < 0.8) {
          const d = Math.floor(rnd() * 4);
          const dims = Array.from({ length: d }, () => `"${pick(keys)}":${ws()}"${pick(dimValues)}"`);
          fields.push(`"dimensions":${ws()}{${dims.join(',' + ws())}}`);
        }
        if (rnd() < 0.05) fields.push('"extra":1');
        if (rnd() < 0.03) fields.push(`"name":"dup"`);
        fields.sort(() => rnd() - 0.5);
        metrics.push(`${ws()}{${ws()}${fields.join(`${ws()},${ws()}`)}${ws()}}`);
      }
      const body = rnd() < 0.03 ? `{"metrics":[${metrics.join(',')}],"other":true}` : `${ws()}{"metrics":${ws()}[${metrics.join(',')}${ws()}]${ws()}}${ws()}`;
      if (expectSame(body) !== null) accepted++;
    }
    expect(accepted).toBeGreaterThan(300); // the lane really is exercised
  });

  it.each([
    ['an escape', `{"metrics":[{"name":"m","timestamp":${now},"value":1,"dimensions":{"k":"a\\"b"}}]}`],
    ['non-ASCII', `{"metrics":[{"name":"m","timestamp":${now},"value":1,"dimensions":{"k":"\u6771"}}]}`],
    ['an exponent', `{"metrics":[{"name":"m","timestamp":${now},"value":1e3}]}`],
    ['an invalid point', `{"metrics":[{"name":"1m","timestamp":${now},"value":1}]}`],
    ['a repeated dimension key', `{"metrics":[{"name":"m","timestamp":${now},"value":1,"dimensions":{"k":"a","k":"b"}}]}`],
    ['too many metrics', `{"metrics":[${Array.from({ length: 51 }, () => `{"name":"m","timestamp":${now},"value":1}`).join(',')}]}`],
    ['trailing garbage', `{"metrics":[]}x`],
    ['truncated JSON', `{"metrics":[{"name":"m"`],
  ])('leaves %s to the general path', (_label, body) => {
    expect(fastResolve(Buffer.from(body), opts())).toBeNull();
  });

  it('keeps a __proto__ dimension as data', () => {
    const b = expectSame(`{"metrics":[{"name":"m","timestamp":${now},"value":1,"dimensions":{"__proto__":"x","a":"b"}}]}`);
    expect(b).not.toBeNull();
    expect(Object.getPrototypeOf(b!.newSeries[0]!.dimensions)).toBe(Object.prototype);
    expect(Object.keys(b!.newSeries[0]!.dimensions).sort()).toEqual(['__proto__', 'a']);
  });
});
