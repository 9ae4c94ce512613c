/**
 * A bounded set of series this process knows are stored, keyed by canonical series key and
 * remembering the id (so a hit skips both the hash and the series write). When full, the oldest
 * tenth is dropped: a dropped series costs one redundant series-row write the next time it is seen
 * (the series table is a ReplacingMergeTree, so that is harmless).
 */
export class SeriesCache {
  readonly #ids = new Map<string, string>();
  readonly #capacity: number;

  /** @param capacity maximum entries; @default 2_000_000 (storage.series_cache_size) */
  constructor(capacity = 2_000_000) {
    this.#capacity = Math.max(1, capacity);
  }

  get(key: string): string | undefined {
    return this.#ids.get(key);
  }

  /** Records series that are now durably stored. */
  markStored(entries: Iterable<{ key: string; seriesId: string }>): void {
    for (const { key, seriesId } of entries) {
      if (this.#ids.size >= this.#capacity) this.#evict();
      this.#ids.set(key, seriesId);
    }
  }

  get size(): number {
    return this.#ids.size;
  }

  #evict(): void {
    let drop = Math.max(1, Math.floor(this.#capacity / 10));
    for (const key of this.#ids.keys()) {
      this.#ids.delete(key);
      if (--drop === 0) break;
    }
  }
}
