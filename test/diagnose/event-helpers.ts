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

/** A common-alert-schema Activity Log alert → FailureEvent (resource = first alert target, as intake does). */
export function failureEventFromAlert(raw: Json): FailureEvent {
  const data = (raw['data'] ?? {}) as Json;
  const ess = (data['essentials'] ?? {}) as Json;
  const c = (data['alertContext'] ?? {}) as Json;
  const auth = (c['authorization'] ?? {}) as Json;
  const props = (c['properties'] ?? {}) as Json;
  const claimsText = str(c['claims']);
  const claims = (claimsText ? JSON.parse(claimsText) : {}) as Json;
  const targets = Array.isArray(ess['alertTargetIDs']) ? (ess['alertTargetIDs'] as unknown[]) : [];
  const resourceId = str(targets[0]) ?? str(auth['scope']) ?? '';
  const e: FailureEvent = {
    source: 'activity-log-alert',
    id: str(ess['alertId']) ?? 'alert',
    time: str(c['eventTimestamp']) ?? str(ess['firedDateTime']) ?? new Date(0).toISOString(),
    eventType: 'azureMonitorCommonAlertSchema',
    subject: resourceId,
    resourceId,
    operationName: str(c['operationName']) ?? '',
    status: str(c['status']) ?? 'Failed',
    raw,
  };
  const cid = str(c['correlationId']);
  if (cid) e.correlationId = cid;
  const sub = /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1];
  if (sub) e.subscriptionId = sub;
  const oid = str(claims['http://schemas.microsoft.com/identity/claims/objectidentifier']) ?? str(c['caller']);
  if (oid)
    e.caller = { principalId: oid, ...(str(claims['idtyp']) === 'app' ? { principalType: 'ServicePrincipal' } : {}) };
  const action = str(auth['action']);
  const scope = str(auth['scope']);
  if (action || scope) e.authorization = { ...(action ? { action } : {}), ...(scope ? { scope } : {}) };
  const statusDetail: NonNullable<FailureEvent['statusDetail']> = {};
  const subStatus = str(c['subStatus']);
  if (subStatus) statusDetail.subStatus = subStatus;
  const code = str(props['statusCode']);
  if (code) statusDetail.statusCode = code;
  const msg = str(props['statusMessage']);
  if (msg) statusDetail.statusMessage = msg;
  if (Object.keys(statusDetail).length) e.statusDetail = statusDetail;
  return e;
}

export function loadEvent(path: string): FailureEvent {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Json | Json[];
  const first = (Array.isArray(raw) ? raw[0] : raw) as Json;
  return first['schemaId'] === 'azureMonitorCommonAlertSchema' ? failureEventFromAlert(first) : failureEventFrom(first);
}
