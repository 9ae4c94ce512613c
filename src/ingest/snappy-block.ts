import snappy from 'snappyjs';

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

/**
 * Decompresses a snappy block (Prometheus remote write's body encoding), bounded: the length it
 * declares is checked before anything is allocated. Runs on the main thread or in a lane worker.
 */
export function uncompressBlock(body: Uint8Array, max: number): Buffer {
  let out: Uint8Array;
  try {
    out = snappy.uncompress(body, max);
  } catch (err) {
    const message = (err as Error).message;
    throw new SnappyBlockError(message, /too big/.test(message));
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
