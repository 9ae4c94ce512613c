import snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { SnappyBlockError, declaredLength, snappyDecoder, uncompressBlock } from './snappy-block.js';

const text = Buffer.from('remote write '.repeat(5_000) + 'ünïcødé');
const block = Buffer.from(snappyjs.compress(text));

describe('uncompressBlock', () => {
  it('uses the native decoder on this platform', () => {
    expect(snappyDecoder).toBe('native');
  });

  it.each(['native', 'js'] as const)('%s: decodes a block, refuses an oversized or corrupt one', (decoder) => {
    expect(uncompressBlock(block, 1 << 20, decoder).equals(text)).toBe(true);
    expect(uncompressBlock(block, text.length, decoder).equals(text)).toBe(true);
    const big = (() => {
      try {
        uncompressBlock(block, text.length - 1, decoder);
      } catch (err) {
        return err;
      }
    })();
    expect(big).toBeInstanceOf(SnappyBlockError);
    expect((big as SnappyBlockError).tooBig).toBe(true);
    for (const bad of [Buffer.from('not snappy at all'), block.subarray(0, block.length - 7), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), Buffer.from([0x05, 0xff, 0xff])]) {
      let caught: unknown;
      try {
        uncompressBlock(bad, 1 << 20, decoder);
      } catch (err) {
        caught = err;
      }
      expect(caught, bad.toString('hex')).toBeInstanceOf(SnappyBlockError);
      expect((caught as SnappyBlockError).tooBig).toBe(false);
    }
  });

  it('reads the declared length varint, at most 32 bits', () => {
    expect(declaredLength(Buffer.from([0x00]))).toBe(0);
    expect(declaredLength(Buffer.from([0xac, 0x02]))).toBe(300);
    expect(declaredLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe(2 ** 32 - 1);
    expect(declaredLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10]))).toBeNull();
    expect(declaredLength(Buffer.from([0x80]))).toBeNull();
    expect(declaredLength(Buffer.alloc(0))).toBeNull();
  });
});
