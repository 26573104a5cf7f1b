/**
 * Azure Monitor common alert schema (Activity Log - Administrative) → IntakeItem[].
 * The dependable door for ARM `AuthorizationFailed` (DOMAIN.md): Event Grid may not report a 403.
 */
import * as z from 'zod';
import type { FailureEvent, IntakeItem } from '../model';
import {
  formatZodError,
  isPlainObject,
  optional,
  readCaller,
  readClaims,
  readIdParts,
  readTenantFromClaims,
  rejectItem,
  setDefined,
  text,
} from './common';
import { findAlertIgnoreReason } from './relevance';

export const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';
const ACTIVITY_LOG_SERVICE = 'activity log - administrative';

/** `{ "value": "Failed", "localizedValue": "Failed" }` (Activity Log REST) or a plain string (alert context). */
const localisable = z.union([
  z.string(),
  z
    .object({ value: z.string() })
    .loose()
    .transform((o) => o.value),
]);

/** Only what is used is checked; `alertRule`, `signalType`, … may be `null` or anything else (real samples do). */
const essentials = z
  .object({
    alertId: text,
    monitoringService: text,
    alertTargetIDs: optional(z.array(z.unknown())),
    firedDateTime: optional(z.string()),
  })
  .loose();

const activityLogContext = z
  .object({
    operationName: localisable,
    status: localisable,
    subStatus: optional(localisable),
    correlationId: optional(z.string()),
    eventTimestamp: optional(z.string()),
    caller: optional(z.string()),
    claims: z.unknown().optional(),
    authorization: optional(z.object({ action: optional(z.string()), scope: optional(z.string()) }).loose()),
    properties: optional(z.record(z.string(), z.unknown())),
  })
  .loose();

/** `data.essentials.monitoringService`, read before anything else: alerts of other services are not ours. */
function monitoringServiceOf(body: Record<string, unknown>): string | undefined {
  const data = body['data'];
  const ess = isPlainObject(data) ? data['essentials'] : undefined;
  const s = isPlainObject(ess) ? ess['monitoringService'] : undefined;
  return typeof s === 'string' && s.trim() !== '' ? s : undefined;
}

const alertEnvelope = z.object({
  schemaId: z.string(),
  data: z.object({ essentials, alertContext: z.unknown() }).loose(),
});

const stringOf = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number') return String(v);
  if (isPlainObject(v) && typeof v['value'] === 'string') return v['value'];
  return undefined;
};

/** Parse one common-alert-schema POST body. Always exactly one item. */
export function parseAlert(body: unknown): IntakeItem[] {
  return [parseOneAlert(body)];
}

function parseOneAlert(body: unknown): IntakeItem {
  if (!isPlainObject(body))
    return rejectItem(
      `expected an alert object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`,
    );
  const service = monitoringServiceOf(body);
  if (body['schemaId'] === COMMON_ALERT_SCHEMA_ID && service && service.toLowerCase() !== ACTIVITY_LOG_SERVICE) {
    const alertId = alertIdOf(body);
    const reason = `alerts from ${service} are not handled (only Activity Log - Administrative)`;
    return alertId ? { status: 'ignored', eventId: alertId, reason } : rejectItem(`data.essentials.alertId: ${reason}`);
  }
  const env = alertEnvelope.safeParse(body);
  if (!env.success) return rejectItem(`common alert schema: ${formatZodError(env.error)}`, alertIdOf(body));
  const { schemaId, data } = env.data;
  if (schemaId !== COMMON_ALERT_SCHEMA_ID)
    return rejectItem(
      `unknown schema: schemaId ${JSON.stringify(schemaId)}, expected ${COMMON_ALERT_SCHEMA_ID}`,
      data.essentials.alertId,
    );
  const ess = data.essentials;
  if (ess.monitoringService.toLowerCase() !== ACTIVITY_LOG_SERVICE) {
    return {
      status: 'ignored',
      eventId: ess.alertId,
      reason: `alerts from ${ess.monitoringService} are not handled (only Activity Log - Administrative)`,
    };
  }
  const ctx = activityLogContext.safeParse(data.alertContext);
  if (!ctx.success) return rejectItem(formatZodError(ctx.error, 'data.alertContext'), ess.alertId);
  const c = ctx.data;
  const eventId = c.correlationId ? `${ess.alertId}|${c.correlationId}` : ess.alertId;

  const claimsResult = readClaims(c.claims);
  if ('error' in claimsResult) return rejectItem(`data.alertContext.claims: ${claimsResult.error}`, eventId);
  const claims = claimsResult.claims;

  const statusDetail: NonNullable<FailureEvent['statusDetail']> = {};
  setDefined(statusDetail, 'subStatus', c.subStatus === undefined || c.subStatus === '' ? undefined : c.subStatus);
  setDefined(statusDetail, 'statusCode', stringOf(c.properties?.['statusCode']));
  setDefined(statusDetail, 'statusMessage', stringOf(c.properties?.['statusMessage']));

  const reason = findAlertIgnoreReason({
    monitoringService: ess.monitoringService,
    operationName: c.operationName,
    status: c.status,
    statusDetail,
  });
  if (reason) return { status: 'ignored', eventId, reason };

  const scope = c.authorization?.scope?.trim() || undefined;
  const resourceId = ess.alertTargetIDs?.find((t): t is string => typeof t === 'string' && t.trim() !== '') ?? scope;
  if (resourceId === undefined)
    return rejectItem(
      'data.essentials.alertTargetIDs: expected at least one id (or data.alertContext.authorization.scope)',
      eventId,
    );
  const time = c.eventTimestamp ?? ess.firedDateTime;
  if (time === undefined)
    return rejectItem('data.alertContext.eventTimestamp: expected string, but it is missing', eventId);

  const idParts = readIdParts(resourceId);
  const event: FailureEvent = {
    source: 'activity-log-alert',
    id: eventId,
    time,
    eventType: COMMON_ALERT_SCHEMA_ID,
    subject: resourceId,
    resourceId,
    operationName: c.operationName,
    status: c.status,
    raw: body,
  };
  setDefined(event, 'correlationId', c.correlationId || undefined);
  setDefined(event, 'subscriptionId', idParts.subscriptionId);
  setDefined(event, 'tenantId', readTenantFromClaims(claims));
  setDefined(event, 'resourceGroup', idParts.resourceGroup);
  setDefined(event, 'caller', readCaller(claims, undefined, c.caller));
  const action = c.authorization?.action?.trim() || undefined;
  if (action !== undefined || scope !== undefined) {
    event.authorization = {};
    setDefined(event.authorization, 'action', action);
    setDefined(event.authorization, 'scope', scope);
  }
  if (Object.keys(statusDetail).length > 0) event.statusDetail = statusDetail;
  setDefined(event, 'requestBody', stringOf(c.properties?.['requestbody'] ?? c.properties?.['requestBody']));
  return { status: 'accepted', event };
}

function alertIdOf(body: Record<string, unknown>): string | undefined {
  const data = body['data'];
  const ess = isPlainObject(data) ? data['essentials'] : undefined;
  const id = isPlainObject(ess) ? ess['alertId'] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** True when a document looks like a common-alert-schema alert (has a `schemaId`). */
export function isAlertDocument(body: unknown): boolean {
  return isPlainObject(body) && 'schemaId' in body;
}
