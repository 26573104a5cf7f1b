/**
 * Table Storage key encoding and shared store helpers. Pure.
 * PartitionKey/RowKey may not contain / \ # ? or control characters: keys are percent-encoded with `$` in place of `%`
 * (injective: encodeURIComponent never leaves a literal `$`, so a `$` in the output only ever stands for `%`).
 */
import type { AuditRecord } from './port';

export function encodeTableKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%/g, '$');
}

export function decodeTableKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\$/g, '%'));
}

/** The day partition of an audit record (`YYYY-MM-DD` of its ISO time). */
export function auditDayOf(at: string): string {
  return new Date(at).toISOString().slice(0, 10);
}

export interface AuditQuery {
  since?: Date;
  limit?: number;
  resourceId?: string;
  eventId?: string;
}

/**
 * The one definition of an audit query, shared by every store: records at/after `since`, matching `eventId` exactly and
 * `resourceId` case-insensitively (the record's resource or anything under it), ordered oldest → newest; `limit` keeps
 * the NEWEST `limit` records (still oldest → newest).
 */
export function selectAudit(records: Iterable<AuditRecord>, q: AuditQuery = {}): AuditRecord[] {
  const sinceMs = q.since?.getTime();
  const res = q.resourceId?.toLowerCase().replace(/\/+$/, '');
  const out: AuditRecord[] = [];
  for (const r of records) {
    if (sinceMs !== undefined && Date.parse(r.at) < sinceMs) continue;
    if (q.eventId !== undefined && r.eventId !== q.eventId) continue;
    if (res !== undefined) {
      const rid = r.resourceId?.toLowerCase();
      if (rid === undefined || (rid !== res && !rid.startsWith(`${res}/`))) continue;
    }
    out.push(r);
  }
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return q.limit !== undefined && q.limit >= 0 && out.length > q.limit ? out.slice(out.length - q.limit) : out;
}
