/**
 * The bounded set of series this process knows are stored (DESIGN decision 2), keyed by the 64-bit
 * series id and remembering its decimal text, so a known series costs one hash and one probe —
 * no key string, no series write. Two generations of open-addressing tables in typed arrays: when
 * the current one fills, it becomes the previous one and the old previous is dropped, so recently
 * seen series survive (LRU-like) and memory stays fixed (~35 bytes per entry plus the id text).
 * A dropped series costs one redundant series-row write when it is seen again (the series table
 * is a ReplacingMergeTree, so that is harmless).
 */
class IdTable {
  readonly keys: Uint32Array;
  /** Per slot: 1 + index into `texts`, or 0 when empty. */
  readonly index: Int32Array;
  /** Append-only, so V8 keeps it a packed array (a `new Array(n)` this large is a slow dictionary). */
  readonly texts: string[] = [];
  readonly mask: number;

  constructor(slots: number) {
    this.keys = new Uint32Array(slots * 2);
    this.index = new Int32Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.texts.length;
  }

  get(hi: number, lo: number): string | undefined {
    const { keys, index, mask } = this;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const t = index[i]!;
      if (t === 0) return undefined;
      if (keys[2 * i] === hi && keys[2 * i + 1] === lo) return this.texts[t - 1];
    }
  }

  /** Adds (hi, lo) unless present. */
  set(hi: number, lo: number, text: string): void {
    const { keys, index, mask } = this;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      if (index[i] === 0) {
        keys[2 * i] = hi;
        keys[2 * i + 1] = lo;
        this.texts.push(text);
        index[i] = this.texts.length;
        return;
      }
      if (keys[2 * i] === hi && keys[2 * i + 1] === lo) return;
    }
  }
}

/** A generation's slots: (hi, lo) words per slot in `keys`, and `index` 0 where a slot is empty. */
export interface CacheTables {
  currentKeys: Uint32Array;
  currentIndex: Int32Array;
  previousKeys: Uint32Array | null;
  previousIndex: Int32Array | null;
}

export class SeriesCache {
  readonly #perGeneration: number;
  readonly #slots: number;
  #current: IdTable;
  #previous: IdTable | null = null;

  /** @param capacity series remembered; @default 2_000_000 (storage.series_cache_size) */
  constructor(capacity = 2_000_000) {
    this.#perGeneration = Math.max(1, Math.ceil(capacity / 2));
    // Load factor ≤ 0.5 keeps probes short.
    let slots = 2;
    while (slots < this.#perGeneration * 2) slots *= 2;
    this.#slots = slots;
    this.#current = new IdTable(slots);
  }

  /** The id text of a stored series, or undefined. */
  get(hi: number, lo: number): string | undefined {
    const t = this.#current.get(hi, lo);
    if (t !== undefined) return t;
    const p = this.#previous?.get(hi, lo);
    // Promote, so series in steady use survive the next generation change.
    if (p !== undefined) this.#add(hi, lo, p);
    return p;
  }

  /** Records series that are now durably stored. */
  markStored(entries: Iterable<{ seriesId: string; hi: number; lo: number }>): void {
    for (const { seriesId, hi, lo } of entries) this.#add(hi, lo, seriesId);
  }

  get size(): number {
    return this.#current.size + (this.#previous?.size ?? 0);
  }

  /**
   * The generations' probe arrays, current first, for the native lane (src/ingest/native-lane.ts),
   * which probes them in place during one synchronous call and never writes them.
   */
  tables(): CacheTables {
    const c = this.#current;
    const p = this.#previous;
    return { currentKeys: c.keys, currentIndex: c.index, previousKeys: p?.keys ?? null, previousIndex: p?.index ?? null };
  }

  #add(hi: number, lo: number, text: string): void {
    if (this.#current.size >= this.#perGeneration) {
      this.#previous = this.#current;
      this.#current = new IdTable(this.#slots);
    }
    this.#current.set(hi, lo, text);
  }
}
