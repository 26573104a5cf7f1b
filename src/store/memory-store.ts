/**
 * In-memory StateStore: the fallback when no storage is configured. Single instance only (claims are not shared
 * between Function instances), which `createMemoryStore` logs as a warning.
 */
import type { AuditRecord, ClaimRecord, Json, OutboxItem, StateStore } from './port';
import { selectAudit } from './keys';

export interface MemoryStoreOptions {
  /** Where the single-instance warning goes (omit in unit tests that do not care). */
  log?: { warn(obj: object, msg?: string): void };
  /** Clock for `createdAt` (default: real time). */
  clock?: { now(): Date };
}

const k = (partition: string, key: string): string => `${partition}\u0000${key}`;
const clone = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements StateStore {
  readonly kind = 'memory' as const;
  private readonly records = new Map<string, ClaimRecord>();
  private readonly counters = new Map<string, number>();
  private readonly audit: AuditRecord[] = [];
  private readonly outbox = new Map<string, OutboxItem>();
  private etagSeq = 0;
  private readonly clock: { now(): Date };

  constructor(opts: MemoryStoreOptions = {}) {
    this.clock = opts.clock ?? { now: () => new Date() };
    opts.log?.warn(
      { store: 'memory' },
      'using the in-memory state store: claims, budget and audit are NOT shared between instances (single instance only)',
    );
  }

  async claim(partition: string, key: string, value: Record<string, Json>): Promise<boolean> {
    const id = k(partition, key);
    if (this.records.has(id)) return false;
    this.records.set(id, {
      partition,
      key,
      value: clone(value),
      createdAt: this.clock.now().toISOString(),
      etag: String(++this.etagSeq),
    });
    return true;
  }

  async get(partition: string, key: string): Promise<ClaimRecord | undefined> {
    const r = this.records.get(k(partition, key));
    return r === undefined ? undefined : clone(r);
  }

  async update(partition: string, key: string, value: Record<string, Json>): Promise<void> {
    const id = k(partition, key);
    const r = this.records.get(id);
    if (r === undefined) throw new Error(`no record ${partition}/${key} to update`);
    this.records.set(id, { ...r, value: clone(value), etag: String(++this.etagSeq) });
  }

  async release(partition: string, key: string): Promise<void> {
    this.records.delete(k(partition, key));
  }

  async create(partition: string, key: string, value: Record<string, Json>): Promise<string | undefined> {
    return (await this.claim(partition, key, value)) ? this.records.get(k(partition, key))?.etag : undefined;
  }

  async replaceIf(
    partition: string,
    key: string,
    value: Record<string, Json>,
    etag: string,
  ): Promise<string | undefined> {
    const id = k(partition, key);
    const r = this.records.get(id);
    if (r === undefined || r.etag !== etag) return undefined;
    const next = String(++this.etagSeq);
    this.records.set(id, { ...r, value: clone(value), etag: next });
    return next;
  }

  async removeIf(partition: string, key: string, etag: string): Promise<boolean> {
    const id = k(partition, key);
    if (this.records.get(id)?.etag !== etag) return false;
    this.records.delete(id);
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
    this.audit.push(clone(record));
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
