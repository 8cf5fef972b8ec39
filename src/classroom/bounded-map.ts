// A Map with a size limit that forgets the least recently used entries first (Map keeps insertion order; a touch
// re-inserts). Entries the owner still needs can be kept from eviction. Pure, in memory.

export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;
  readonly #evictable: (value: V) => boolean;

  /** `evictable` says whether an entry may be forgotten; one that may not stays, even past `max`. */
  constructor(max: number, evictable: (value: V) => boolean = () => true) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`BoundedMap: max must be a positive integer, got ${max}`);
    this.#max = max;
    this.#evictable = evictable;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, marked as just used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** Looks without marking as used. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#evict(key);
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  /** Forgets oldest-first until within `max`, never the entry just set; visits each entry at most once. */
  #evict(keep: K): void {
    let over = this.#map.size - this.#max;
    if (over <= 0) return;
    for (const [k, v] of this.#map) {
      if (over <= 0) break;
      if (k !== keep && this.#evictable(v)) {
        this.#map.delete(k);
        over--;
      }
    }
  }
}
