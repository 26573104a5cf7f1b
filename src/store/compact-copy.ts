/**
 * Copies of JSON values for a long-lived in-memory store, sharing repeated long strings.
 *
 * The in-memory store keeps a record per failure event for the life of the process (claims, audit). Records of one
 * failure repeat the same long strings (the resource id, the story key, the duplicate's reason, the diagnosis
 * summary): a fresh copy of each would keep one string instance per record. `compactCopy` copies a value like
 * `structuredClone` (a deep copy: nothing the caller mutates later reaches the stored record) but takes long strings
 * from a small pool of recently seen ones, so records of one failure share them. The pool is bounded (least recently
 * used strings leave it), so unique strings (event ids, timestamps) are never kept by the pool itself.
 */
import type { Json } from './port';

/** Strings shorter than this are not worth a pool entry. */
const MIN_POOLED_LENGTH = 4;

export class StringPool {
  private readonly recent = new Map<string, string>();

  constructor(private readonly capacity = 1024) {}

  /**
   * The pooled instance equal to `s` (or `s`, now pooled). First in, first out: a string still in use after it left
   * the pool is pooled again by its next use (two instances for a while, never more).
   */
  share(s: string): string {
    if (s.length < MIN_POOLED_LENGTH) return s;
    const hit = this.recent.get(s);
    if (hit !== undefined) return hit;
    this.recent.set(s, s);
    if (this.recent.size > this.capacity) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
    return s;
  }

  get size(): number {
    return this.recent.size;
  }
}

/**
 * A deep copy of a JSON value (through JSON text, as a real store keeps it: flat strings — a string built by
 * concatenation is a chain of parts until flattened —, objects of the exact size, no part shared with the caller's
 * objects) whose strings are then replaced by their pooled instances.
 */
export function compactCopy<T>(value: T, pool: StringPool): T {
  return shareStrings(JSON.parse(JSON.stringify(value)) as T, pool);
}

/** Replace the long strings of `v` (owned by the caller: changed in place) by their pooled instances. */
function shareStrings<T>(v: T, pool: StringPool): T {
  if (typeof v === 'string') return pool.share(v) as T;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = shareStrings(v[i] as unknown, pool);
    return v;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) o[k] = shareStrings(o[k], pool);
  return v;
}

export type { Json };

/** A flat copy of a string (one built by concatenation is a chain of its parts until flattened). */
export function flatString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
