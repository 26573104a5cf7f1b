/**
 * The state store port: state shared between Function instances (claims, counters, audit, notification outbox).
 * Implementations: Azure Table Storage (Azurite in tests/demo) and an in-memory fallback (single instance only).
 * Keys are free text; implementations must encode them for Table keys (no / \ # ? or control chars allowed there).
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ClaimRecord {
  partition: string;
  key: string;
  value: Record<string, Json>;
  /** ISO time the claim was made. */
  createdAt: string;
  /** Opaque concurrency token (Table ETag). */
  etag?: string;
}

export interface AuditRecord {
  /** Time-ordered unique id (the implementation may derive the row key from it). */
  id: string;
  at: string; // ISO
  eventId: string;
  correlationId?: string;
  resourceId?: string;
  mode: string;
  /** What was seen / decided / done, e.g. 'intake', 'diagnosed', 'action', 'heal', 'notify'. */
  stage: string;
  status: string;
  kind?: string;
  detail: Record<string, Json>;
}

export interface OutboxItem {
  id: string;
  channel: 'teams' | 'slack';
  /** The rendered message body (JSON). */
  body: Json;
  attempts: number;
  /** ISO time it may next be tried. */
  dueAt: string;
  lastError?: string;
  createdAt: string;
}

export interface StateStore {
  readonly kind: 'table' | 'memory';
  /** Insert-if-absent: resolves true when this caller now owns (partition,key), false when someone else had it. */
  claim(partition: string, key: string, value: Record<string, Json>): Promise<boolean>;
  get(partition: string, key: string): Promise<ClaimRecord | undefined>;
  /** Replace the value of an existing record (the owner recording progress). */
  update(partition: string, key: string, value: Record<string, Json>): Promise<void>;
  /** Remove a claim (e.g. a failed unit of work that may be retried). */
  release(partition: string, key: string): Promise<void>;
  /** Insert if absent: the new record's ETag, or undefined when the key exists (work records, src/work/). */
  create(partition: string, key: string, value: Record<string, Json>): Promise<string | undefined>;
  /** Replace only if the record still has `etag`: the new ETag, or undefined when it changed or is gone. */
  replaceIf(partition: string, key: string, value: Record<string, Json>, etag: string): Promise<string | undefined>;
  /** Delete only if the record still has `etag`: false when it changed (someone else owns it now). */
  removeIf(partition: string, key: string, etag: string): Promise<boolean>;
  /** Atomically add `by` (default 1) to a counter and return the new value (optimistic concurrency, retried). */
  increment(partition: string, key: string, by?: number): Promise<number>;
  /** Read a counter (0 when absent). */
  readCounter(partition: string, key: string): Promise<number>;

  appendAudit(record: AuditRecord): Promise<void>;
  listAudit(query?: { since?: Date; limit?: number; resourceId?: string; eventId?: string }): Promise<AuditRecord[]>;

  putOutbox(item: OutboxItem): Promise<void>;
  listOutbox(dueBefore: Date, limit?: number): Promise<OutboxItem[]>;
  deleteOutbox(id: string): Promise<void>;
}
