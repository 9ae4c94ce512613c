import { describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../../test/helpers/remote-write.js';
import { LuminateError } from '../errors.js';
import { decodeWriteRequest } from './remote-write.js';

describe('decodeWriteRequest', () => {
  it('reads series, labels and samples, and skips stale markers, exemplars and unknown fields', () => {
    const body = encodeWriteRequest([
      { labels: { __name__: 'http_requests_total', code: '200', path: '/ä', gone: '' }, samples: [[1_700_000_000_000, 5], [1_700_000_001_000, 6.25]], exemplar: true },
      { labels: { __name__: 'neg', x: 'y' }, samples: [[-5, -1e300], [1, 'stale']] },
      { labels: { __name__: 'only_stale' }, samples: [[1, 'stale']] },
    ]);
    const d = decodeWriteRequest(body);
    expect(d.stale).toBe(2);
    expect(d.series).toEqual([
      { name: 'http_requests_total', dimensions: { code: '200', path: '/ä' }, timestamps: [1_700_000_000_000, 1_700_000_001_000], values: [5, 6.25] },
      { name: 'neg', dimensions: { x: 'y' }, timestamps: [-5], values: [-1e300] },
    ]);
  });

  it('refuses every truncation and random corruption with INVALID_PAYLOAD, never another error', () => {
    const body = encodeWriteRequest([{ labels: { __name__: 'm', a: 'b' }, samples: [[1_700_000_000_000, 1]] }, { labels: { __name__: 'n' }, samples: [[2, 2]] }]);
    let x = 7;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const inputs: Buffer[] = [];
    for (let cut = 1; cut < body.length; cut++) inputs.push(body.subarray(0, cut));
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(body);
      for (let k = 0; k <= rnd() % 4; k++) b[rnd() % b.length] = rnd() & 0xff;
      inputs.push(b);
    }
    let refused = 0;
    for (const input of inputs) {
      try {
        decodeWriteRequest(input);
      } catch (err) {
        expect(err).toBeInstanceOf(LuminateError);
        expect((err as LuminateError).code).toBe('INVALID_PAYLOAD');
        refused++;
      }
    }
    // Every truncation cuts a length-delimited field short.
    expect(refused).toBeGreaterThanOrEqual(body.length - 1);
  });
});
