/**
 * Incremental MurmurHash3 x86_128 over UTF-16 code units: the series id of (tenant, metric,
 * dimensions) computed from the parts, without building the canonical key string. Gives exactly
 * `murmur3x86_128(canonicalSeriesKey(...))` (pinned by series-hasher.test.ts), at a fraction of the
 * cost: no string concatenation, no flattening, no Map hashing of an 80-character key on the
 * per-point path (bench/ingest/resolve.bench.ts).
 */
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class SeriesHasher {
  #h1 = 0;
  #h2 = 0;
  #h3 = 0;
  #h4 = 0;
  /** Pending code units of the current 16-byte block (0-7 of them). */
  readonly #block = new Uint16Array(8);
  #fill = 0;
  #length = 0;
  /** Results of the last `finish()`: the first 64 bits of the hash. */
  hi = 0;
  lo = 0;

  reset(): void {
    this.#h1 = this.#h2 = this.#h3 = this.#h4 = 0;
    this.#fill = 0;
    this.#length = 0;
  }

  /** Feeds one code unit. */
  unit(c: number): void {
    const b = this.#block;
    b[this.#fill++] = c;
    if (this.#fill === 8) {
      this.#mixBlock((b[0]! | (b[1]! << 16)) >>> 0, (b[2]! | (b[3]! << 16)) >>> 0, (b[4]! | (b[5]! << 16)) >>> 0, (b[6]! | (b[7]! << 16)) >>> 0);
      this.#fill = 0;
    }
    this.#length++;
  }

  /** Feeds every code unit of `s`. */
  string(s: string): void {
    const n = s.length;
    let i = 0;
    // Fill the pending block first, then take whole blocks straight from the string.
    while (i < n && this.#fill !== 0) this.unit(s.charCodeAt(i++));
    while (n - i >= 8) {
      this.#mixBlock(
        (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) >>> 0,
        (s.charCodeAt(i + 2) | (s.charCodeAt(i + 3) << 16)) >>> 0,
        (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 16)) >>> 0,
        (s.charCodeAt(i + 6) | (s.charCodeAt(i + 7) << 16)) >>> 0,
      );
      i += 8;
      this.#length += 8;
    }
    while (i < n) this.unit(s.charCodeAt(i++));
  }

  /** Feeds bytes [start, end) of `buf` as code units (for ASCII text, one byte is one code unit). */
  bytes(buf: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end && this.#fill !== 0) this.unit(buf[i++]!);
    while (end - i >= 8) {
      this.#mixBlock((buf[i]! | (buf[i + 1]! << 16)) >>> 0, (buf[i + 2]! | (buf[i + 3]! << 16)) >>> 0, (buf[i + 4]! | (buf[i + 5]! << 16)) >>> 0, (buf[i + 6]! | (buf[i + 7]! << 16)) >>> 0);
      i += 8;
      this.#length += 8;
    }
    while (i < end) this.unit(buf[i++]!);
  }

  #mixBlock(k1: number, k2: number, k3: number, k4: number): void {
    let h1 = this.#h1;
    let h2 = this.#h2;
    let h3 = this.#h3;
    let h4 = this.#h4;
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
    h1 = rotl(h1, 19); h1 = (h1 + h2) | 0; h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2;
    h2 = rotl(h2, 17); h2 = (h2 + h3) | 0; h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3;
    h3 = rotl(h3, 15); h3 = (h3 + h4) | 0; h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4;
    h4 = rotl(h4, 13); h4 = (h4 + h1) | 0; h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
    this.#h1 = h1;
    this.#h2 = h2;
    this.#h3 = h3;
    this.#h4 = h4;
  }

  /** Completes the hash; the first 64 bits land in `hi` and `lo`. */
  finish(): void {
    let h1 = this.#h1;
    let h2 = this.#h2;
    let h3 = this.#h3;
    let h4 = this.#h4;
    const rem = this.#fill;
    if (rem > 0) {
      const b = this.#block;
      const w = (j: number) => ((j < rem ? b[j]! : 0) | ((j + 1 < rem ? b[j + 1]! : 0) << 16)) >>> 0;
      if (rem > 6) { let k4 = w(6); k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4; }
      if (rem > 4) { let k3 = w(4); k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3; }
      if (rem > 2) { let k2 = w(2); k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2; }
      let k1 = w(0); k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
    }
    const byteLen = this.#length * 2;
    h1 ^= byteLen; h2 ^= byteLen; h3 ^= byteLen; h4 ^= byteLen;
    h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
    h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
    h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
    h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
    h2 = (h2 + h1) | 0;
    this.hi = h1 >>> 0;
    this.lo = h2 >>> 0;
  }

  /**
   * The series id of (tenant, metric, dimensions) — identical to
   * `seriesIdOf(canonicalSeriesKey(tenant, metric, dimensions))` — into `hi`/`lo`.
   * `keys` is scratch space for sorting dimension keys; it is overwritten.
   */
  series(tenant: string, metric: string, dimensions: Readonly<Record<string, string>> | undefined, keys: string[]): void {
    this.reset();
    this.string(tenant);
    this.unit(0);
    this.string(metric);
    if (dimensions !== undefined && dimensions !== null) {
      keys.length = 0;
      let sorted = true;
      for (const k in dimensions) {
        if (sorted && keys.length > 0 && keys[keys.length - 1]! > k) sorted = false;
        keys.push(k);
      }
      if (!sorted) keys.sort();
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        this.unit(0);
        this.string(k);
        this.unit(0);
        this.string(dimensions[k]!);
      }
    }
    this.finish();
  }
}

/** The unsigned decimal text of the 64-bit id (hi, lo). */
export function idText(hi: number, lo: number): string {
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}
