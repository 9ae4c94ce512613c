import { createRequire } from 'node:module';
import snappyjs from 'snappyjs';

/** A remote-write body that is not a snappy block, or would decompress past the size limit. */
export class SnappyBlockError extends Error {
  constructor(
    message: string,
    /** The block declares more decompressed bytes than allowed (a 413, not a 400). */
    readonly tooBig: boolean,
  ) {
    super(message);
    this.name = 'SnappyBlockError';
  }
}

interface NativeSnappy {
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer;
}

/**
 * The `snappy` package (Rust, prebuilt per platform): 0.03 µs per sample of a 10,000-sample
 * remote-write body against 0.25-0.45 µs for pure-JS `snappyjs` in a tight loop (bench workload,
 * 1.3 MiB per request); the whole remote-write ingest +3.5%, ahead in six of six alternating runs
 * (docs/benchmarks.md, "Native snappy"). Where no prebuilt binary exists it does not load and
 * `snappyjs` decodes instead: same answers, same errors.
 */
const native: NativeSnappy | null = (() => {
  try {
    return createRequire(import.meta.url)('snappy') as NativeSnappy;
  } catch {
    return null;
  }
})();

/** Which decoder this process uses (for the log at start). */
export const snappyDecoder: 'native' | 'js' = native !== null ? 'native' : 'js';

/**
 * The decompressed length a snappy block declares (its leading varint, at most 32 bits), or null
 * when the header is not a valid varint.
 */
export function declaredLength(body: Uint8Array): number | null {
  let n = 0;
  for (let i = 0; i < 5 && i < body.length; i++) {
    const b = body[i]!;
    n += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return i === 4 && b > 0x0f ? null : n;
  }
  return null;
}

/**
 * Decompresses a snappy block (Prometheus remote write's body encoding), bounded: the length it
 * declares is checked before anything is allocated. Runs on the main thread or in a lane worker.
 */
export function uncompressBlock(body: Uint8Array, max: number, decoder: 'native' | 'js' = snappyDecoder): Buffer {
  const length = declaredLength(body);
  if (length === null) throw new SnappyBlockError('invalid length header', false);
  if (length > max) throw new SnappyBlockError(`declared length ${length} is too big (max ${max})`, true);
  try {
    if (decoder === 'native' && native !== null) return native.uncompressSync(body, { asBuffer: true });
    const out = snappyjs.uncompress(body, max);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new SnappyBlockError((err as Error).message, false);
  }
}
