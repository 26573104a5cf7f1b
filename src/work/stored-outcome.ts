/**
 * What a completed event or story record keeps of its Outcome (enough for a duplicate to answer with it), and the
 * mode separation of work keys: nothing a dry-run records may block an auto-fix run.
 */
import type { Outcome } from '../model';
import type { Json } from '../store/port';

/** Nothing a dry-run records may block an auto-fix run: dry-run keys live apart. */
export const modeKey = (mode: string, key: string): string => (mode === 'dry-run' ? `dry-run|${key}` : key);

/** What a completed event or story record keeps: enough for a duplicate to answer with it. */
export function toStoredOutcome(o: Outcome): Record<string, Json> {
  return {
    status: o.status,
    ...(o.diagnosis ? { kind: o.diagnosis.kind, summary: o.diagnosis.summary } : {}),
    ...(o.actions ? { actions: o.actions.map((a) => `${a.type}:${a.status}`) } : {}),
    ...(o.heal ? { heal: o.heal.status } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
  };
}

/** A stored outcome in words: `diagnosed (kind): assign-role:applied, …`, or a duplicate's own reason. */
export function describeStoredOutcome(o: Record<string, Json>): string {
  const list = o['actions'];
  const actions = Array.isArray(list) ? list.filter((a) => typeof a === 'string').join(', ') : '';
  const kind = typeof o['kind'] === 'string' ? ` (${o['kind']})` : '';
  const status = typeof o['status'] === 'string' ? o['status'] : 'done';
  if (status === 'duplicate' && typeof o['reason'] === 'string') return o['reason'];
  return `${status}${kind}${actions ? `: ${actions}` : ''}`;
}
