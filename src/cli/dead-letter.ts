/**
 * Event Grid dead-letter blobs (the infra dead-letters the failure subscription to a blob container). Each blob holds
 * one or more dead-lettered events: the event as it was delivered, plus what Event Grid adds —
 * `deadLetterReason` (e.g. `MaxDeliveryAttemptsExceeded`, `TimeToLiveExceeded`), `deliveryAttempts`,
 * `lastDeliveryOutcome`, `publishTime`, `lastDeliveryAttemptTime` (Event Grid schema; all lower-case under the
 * CloudEvents 1.0 schema). Pure: what a replayed event says about why it was dead-lettered.
 */
import type { Json } from '../store/port';

export interface DeadLetterInfo {
  reason: string;
  deliveryAttempts?: number;
  lastDeliveryOutcome?: string;
  publishTime?: string;
  lastDeliveryAttemptTime?: string;
}

type Bag = Record<string, unknown>;
const isBag = (v: unknown): v is Bag => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The field under its Event Grid schema name or its CloudEvents (lower-case) name. */
function field(e: Bag, name: string): unknown {
  return e[name] ?? e[name.toLowerCase()];
}

/** The dead-letter facts of one event (undefined: not a dead-lettered event). */
export function readDeadLetter(event: unknown): DeadLetterInfo | undefined {
  if (!isBag(event)) return undefined;
  const reason = field(event, 'deadLetterReason');
  if (typeof reason !== 'string' || reason === '') return undefined;
  const attempts = field(event, 'deliveryAttempts');
  const text = (name: string): string | undefined => {
    const v = field(event, name);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const outcome = text('lastDeliveryOutcome');
  const published = text('publishTime');
  const lastAttempt = text('lastDeliveryAttemptTime');
  return {
    reason,
    ...(typeof attempts === 'number' ? { deliveryAttempts: attempts } : {}),
    ...(outcome ? { lastDeliveryOutcome: outcome } : {}),
    ...(published ? { publishTime: published } : {}),
    ...(lastAttempt ? { lastDeliveryAttemptTime: lastAttempt } : {}),
  };
}

/** Every dead-lettered event of a delivery document (an event, an array of them), by event id. */
export function indexDeadLetters(doc: unknown): Map<string, DeadLetterInfo> {
  const byId = new Map<string, DeadLetterInfo>();
  for (const e of Array.isArray(doc) ? (doc as unknown[]) : [doc]) {
    const info = readDeadLetter(e);
    const id = isBag(e) ? e['id'] : undefined;
    if (info && typeof id === 'string') byId.set(id, info);
  }
  return byId;
}

/** In words, for the audit's WHAT column: `dead-lettered (MaxDeliveryAttemptsExceeded, 30 attempts, last Busy)`. */
export function describeDeadLetter(d: DeadLetterInfo): string {
  const parts = [
    d.reason,
    ...(d.deliveryAttempts !== undefined ? [`${d.deliveryAttempts} attempts`] : []),
    ...(d.lastDeliveryOutcome ? [`last ${d.lastDeliveryOutcome}`] : []),
  ];
  return `dead-lettered (${parts.join(', ')})`;
}

export function toDeadLetterJson(d: DeadLetterInfo): Record<string, Json> {
  return JSON.parse(JSON.stringify(d)) as Record<string, Json>;
}
