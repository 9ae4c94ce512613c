/**
 * Series id → dimensions, for range answers. A series' dimensions never change (its id is their
 * hash), so entries never go stale; the cache only bounds memory. Two generations: when the
 * current one fills it becomes the previous one and the older is dropped (recently used entries
 * are promoted). Ids come from the caller's own samples query, which is scoped to its tenant by
 * metric id, so sharing entries across tenants cannot leak anything.
 */
export class DimensionsCache {
  readonly #perGeneration: number;
  #current = new Map<string, Record<string, string>>();
  #previous = new Map<string, Record<string, string>>();

  /** @param capacity series remembered; @default 100_000 */
  constructor(capacity = 100_000) {
    this.#perGeneration = Math.max(1, Math.ceil(capacity / 2));
  }

  get(id: string): Record<string, string> | undefined {
    const hit = this.#current.get(id);
    if (hit !== undefined) return hit;
    const old = this.#previous.get(id);
    if (old !== undefined) this.set(id, old);
    return old;
  }

  set(id: string, dims: Record<string, string>): void {
    if (this.#current.size >= this.#perGeneration) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(id, dims);
  }
}
