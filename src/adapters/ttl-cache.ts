import type { Clock } from '../model';

/**
 * A small bounded cache with a time to live on an injected clock. Stores promises so concurrent callers of the same
 * key share one request; a rejected load is evicted at once (never cached). Eviction: expired first, then oldest
 * inserted (insertion order of a Map), so it never grows beyond `maxEntries`.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expiresAtMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached value for `key` or the result of `load()`, cached for `ttlMs`. */
  getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAtMs > now) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return load();
    const value = load();
    this.entries.set(key, { value, expiresAtMs: now + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    this.evict(now);
    return value;
  }

  /** Put a known value (e.g. items of a list answer) without a request. */
  set(key: string, value: V): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    const now = this.clock.now().getTime();
    this.entries.delete(key);
    this.entries.set(key, { value: Promise.resolve(value), expiresAtMs: now + this.ttlMs });
    this.evict(now);
  }

  /** Is a fresh value (or a load in flight) cached for `key`? */
  has(key: string): boolean {
    const hit = this.entries.get(key);
    return hit !== undefined && hit.expiresAtMs > this.clock.now().getTime();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(now: number): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [k, e] of this.entries) {
      if (e.expiresAtMs <= now) this.entries.delete(k);
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
