/**
 * In-memory StateStore: the fallback when no storage is configured. Single instance only (claims are not shared
 * between Function instances), which `createMemoryStore` logs as a warning.
 */
import type { AuditRecord, ClaimRecord, Json, OutboxItem, StateStore } from './port';
import { selectAudit } from './keys';
import { compactCopy, flatString, StringPool } from './compact-copy';

export interface MemoryStoreOptions {
  /** Where the single-instance warning goes (omit in unit tests that do not care). */
  log?: { warn(obj: object, msg?: string): void };
  /** Clock for `createdAt` (default: real time). */
  clock?: { now(): Date };
}

const k = (partition: string, key: string): string => `${partition}\u0000${key}`;
const clone = <T>(v: T): T => structuredClone(v);

/** What the store keeps per claim record (its partition and key are the maps' keys): compact, as it may live long. */
interface StoredClaim {
  value: Record<string, Json>;
  createdAtMs: number;
  etag: number;
}

export class MemoryStore implements StateStore {
  readonly kind = 'memory' as const;
  /** partition → key → record. */
  private readonly records = new Map<string, Map<string, StoredClaim>>();
  private readonly counters = new Map<string, number>();
  private readonly audit: AuditRecord[] = [];
  private readonly outbox = new Map<string, OutboxItem>();
  private etagSeq = 0;
  private readonly clock: { now(): Date };
  /** Strings repeated across stored records (resource ids, story keys, reasons, event ids) are kept once. */
  private readonly strings = new StringPool();
  /** A stored copy: deep, like structuredClone, sharing repeated strings. */
  private readonly keep = <T>(v: T): T => compactCopy(v, this.strings);

  constructor(opts: MemoryStoreOptions = {}) {
    this.clock = opts.clock ?? { now: () => new Date() };
    opts.log?.warn(
      { store: 'memory' },
      'using the in-memory state store: claims, budget and audit are NOT shared between instances (single instance only)',
    );
  }

  private find(partition: string, key: string): StoredClaim | undefined {
    return this.records.get(partition)?.get(key);
  }

  private put(partition: string, key: string, rec: StoredClaim): void {
    let keys = this.records.get(partition);
    if (keys === undefined) {
      keys = new Map();
      this.records.set(flatString(partition), keys);
    }
    // A Map keeps the key it was first given: a new key is stored flat.
    keys.set(keys.has(key) ? key : flatString(key), rec);
  }

  private remove(partition: string, key: string): void {
    const keys = this.records.get(partition);
    if (keys?.delete(key) && keys.size === 0) this.records.delete(partition);
  }

  /** Create the record unless one exists: its etag, or undefined. Synchronous (no other call runs in between). */
  private insert(partition: string, key: string, value: Record<string, Json>): number | undefined {
    if (this.find(partition, key)) return undefined;
    const etag = ++this.etagSeq;
    this.put(partition, key, { value: this.keep(value), createdAtMs: this.clock.now().getTime(), etag });
    return etag;
  }

  async claim(partition: string, key: string, value: Record<string, Json>): Promise<boolean> {
    return this.insert(partition, key, value) !== undefined;
  }

  async get(partition: string, key: string): Promise<ClaimRecord | undefined> {
    const r = this.find(partition, key);
    if (r === undefined) return undefined;
    return {
      partition,
      key,
      value: clone(r.value),
      createdAt: new Date(r.createdAtMs).toISOString(),
      etag: String(r.etag),
    };
  }

  async update(partition: string, key: string, value: Record<string, Json>): Promise<void> {
    const r = this.find(partition, key);
    if (r === undefined) throw new Error(`no record ${partition}/${key} to update`);
    this.put(partition, key, { ...r, value: this.keep(value), etag: ++this.etagSeq });
  }

  async release(partition: string, key: string): Promise<void> {
    this.remove(partition, key);
  }

  async create(partition: string, key: string, value: Record<string, Json>): Promise<string | undefined> {
    const etag = this.insert(partition, key, value);
    return etag === undefined ? undefined : String(etag);
  }

  async replaceIf(
    partition: string,
    key: string,
    value: Record<string, Json>,
    etag: string,
  ): Promise<string | undefined> {
    const r = this.find(partition, key);
    if (r === undefined || String(r.etag) !== etag) return undefined;
    const next = ++this.etagSeq;
    this.put(partition, key, { ...r, value: this.keep(value), etag: next });
    return String(next);
  }

  async removeIf(partition: string, key: string, etag: string): Promise<boolean> {
    const r = this.find(partition, key);
    if (r === undefined || String(r.etag) !== etag) return false;
    this.remove(partition, key);
    return true;
  }

  async increment(partition: string, key: string, by = 1): Promise<number> {
    const id = k(partition, key);
    const v = (this.counters.get(id) ?? 0) + by;
    this.counters.set(id, v);
    return v;
  }

  async readCounter(partition: string, key: string): Promise<number> {
    return this.counters.get(k(partition, key)) ?? 0;
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    this.audit.push(this.keep(record));
  }

  async listAudit(query?: {
    since?: Date;
    limit?: number;
    resourceId?: string;
    eventId?: string;
  }): Promise<AuditRecord[]> {
    return selectAudit(this.audit, query).map(clone);
  }

  async putOutbox(item: OutboxItem): Promise<void> {
    this.outbox.set(item.id, clone(item));
  }

  async listOutbox(dueBefore: Date, limit?: number): Promise<OutboxItem[]> {
    const due = [...this.outbox.values()]
      .filter((i) => Date.parse(i.dueAt) <= dueBefore.getTime())
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
    return (limit === undefined ? due : due.slice(0, limit)).map(clone);
  }

  async deleteOutbox(id: string): Promise<void> {
    this.outbox.delete(id);
  }
}

export function createMemoryStore(opts: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(opts);
}
