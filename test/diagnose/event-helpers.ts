/**
 * Test helper: an EventGridSchema ARM event (as in test/worlds/*.event.json) → FailureEvent, the same shape intake
 * produces. Kept minimal and local so diagnosis tests do not depend on the intake module.
 */
import { readFileSync } from 'node:fs';
import type { FailureEvent } from '../../src/model';

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function failureEventFrom(raw: Json): FailureEvent {
  const data = (raw['data'] ?? {}) as Json;
  const claims = (data['claims'] ?? {}) as Json;
  const auth = (data['authorization'] ?? {}) as Json;
  const evidence = (auth['evidence'] ?? {}) as Json;
  const e: FailureEvent = {
    source: 'event-grid',
    id: str(raw['id']) ?? 'event',
    time: str(raw['eventTime']) ?? new Date(0).toISOString(),
    eventType: str(raw['eventType']) ?? '',
    subject: str(raw['subject']) ?? '',
    resourceId: str(data['resourceUri']) ?? str(raw['subject']) ?? '',
    operationName: str(data['operationName']) ?? '',
    status: str(data['status']) ?? 'Failed',
    raw,
  };
  const cid = str(data['correlationId']);
  if (cid) e.correlationId = cid;
  const sub = str(data['subscriptionId']);
  if (sub) e.subscriptionId = sub;
  const oid = str(claims['http://schemas.microsoft.com/identity/claims/objectidentifier']) ?? str(claims['oid']);
  const ptype = str(evidence['principalType']);
  if (oid) e.caller = { principalId: oid, ...(ptype ? { principalType: ptype } : {}) };
  const action = str(auth['action']);
  const scope = str(auth['scope']);
  if (action || scope) e.authorization = { ...(action ? { action } : {}), ...(scope ? { scope } : {}) };
  return e;
}

export function loadEvent(path: string): FailureEvent {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Json | Json[];
  return failureEventFrom(Array.isArray(raw) ? (raw[0] as Json) : raw);
}
