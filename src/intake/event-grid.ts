/**
 * Event Grid deliveries (EventGridSchema and CloudEvents 1.0, one event or a batch) → IntakeItem[].
 * Each event is validated on its own: one bad event never loses the good ones.
 */
import * as z from 'zod';
import type { FailureEvent, FailureSource, IntakeItem } from '../model';
import {
  claimsSchema,
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
import { findEventGridIgnoreReason, isHandledEventType, VALIDATION_EVENT_TYPE } from './relevance';

export interface HandshakeResult {
  kind: 'validation';
  validationCode: string;
  validationUrl?: string;
  /** The other events of a mixed batch: never dropped, processed before the handshake is answered. */
  others?: IntakeItem[];
}

export function isHandshake(v: IntakeItem[] | HandshakeResult): v is HandshakeResult {
  return !Array.isArray(v);
}

const eventGridEnvelope = z.object({
  id: text,
  eventType: text,
  subject: z.string(),
  eventTime: text,
  dataVersion: optional(z.string()),
  metadataVersion: optional(z.string()),
  topic: optional(z.string()),
  data: z.unknown().optional(),
});

const cloudEventEnvelope = z.object({
  specversion: z.literal('1.0'),
  id: text,
  type: text,
  source: text,
  subject: optional(z.string()),
  time: text,
  data: z.unknown().optional(),
});

/** `authorization.evidence`: an object, or (in real deliveries) an array of them, or `null`. The first one is read. */
const evidenceSchema = z.object({ principalType: optional(z.string()), principalId: optional(z.string()) }).loose();
const evidence = optional(z.union([evidenceSchema, z.array(z.unknown())])).transform((e) =>
  Array.isArray(e) ? e.map((x) => evidenceSchema.safeParse(x)).find((r) => r.success)?.data : e,
);

/** Strict about what the remediator uses (resourceUri, operationName, status); `null` elsewhere reads as absent. */
const resourceEventData = z.object({
  resourceUri: text,
  operationName: text,
  status: text,
  tenantId: optional(z.string()),
  subscriptionId: optional(z.string()),
  resourceGroup: optional(z.string()),
  resourceProvider: optional(z.string()),
  correlationId: optional(z.string()),
  authorization: optional(z.object({ scope: optional(z.string()), action: optional(z.string()), evidence }).loose()),
  claims: optional(claimsSchema),
  httpRequest: z.unknown().optional(),
});

const validationData = z.object({ validationCode: text, validationUrl: z.string().optional() });

interface Envelope {
  source: FailureSource;
  id: string;
  eventType: string;
  subject: string;
  time: string;
  data: unknown;
}

/** Parse one delivery. A SubscriptionValidationEvent anywhere in it answers the handshake instead. */
export function parseEventGridDelivery(body: unknown): IntakeItem[] | HandshakeResult {
  const events: unknown[] = Array.isArray(body) ? body : [body];
  if (events.length === 0) return [rejectItem('empty batch: the delivery holds no events')];
  const handshake = findHandshake(events);
  if (!handshake) return events.map((e, i) => parseOneEvent(e, events.length > 1 ? i : undefined));
  const others = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => !isValidationEvent(e))
    .map(({ e, i }) => parseOneEvent(e, i));
  return others.length ? { ...handshake, others } : handshake;
}

function isValidationEvent(e: unknown): e is Record<string, unknown> {
  if (!isPlainObject(e)) return false;
  const type = e['eventType'] ?? e['type'];
  return typeof type === 'string' && type.toLowerCase() === VALIDATION_EVENT_TYPE.toLowerCase();
}

function findHandshake(events: unknown[]): HandshakeResult | undefined {
  for (const e of events) {
    if (!isValidationEvent(e)) continue;
    const data = validationData.safeParse(e['data']);
    if (!data.success) continue; // reported as a rejected event below
    return data.data.validationUrl === undefined
      ? { kind: 'validation', validationCode: data.data.validationCode }
      : { kind: 'validation', validationCode: data.data.validationCode, validationUrl: data.data.validationUrl };
  }
  return undefined;
}

/** One event of a delivery → one item. `index` prefixes errors inside a batch. */
export function parseOneEvent(raw: unknown, index?: number): IntakeItem {
  const where = index === undefined ? '' : `event[${index}]`;
  const at = (msg: string): string => (where ? `${where}: ${msg}` : msg);
  if (!isPlainObject(raw))
    return rejectItem(
      at(`expected an event object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`),
    );
  const rawId = typeof raw['id'] === 'string' ? raw['id'] : undefined;

  const envelope = readEnvelope(raw);
  if ('error' in envelope) return rejectItem(at(envelope.error), rawId);
  const env = envelope.envelope;

  if (env.eventType.toLowerCase() === VALIDATION_EVENT_TYPE.toLowerCase()) {
    return rejectItem(at('subscription validation event without a data.validationCode'), env.id);
  }
  // Not one of ours: acknowledged without looking at `data` (other topics carry other shapes).
  if (!isHandledEventType(env.eventType)) {
    return {
      status: 'ignored',
      eventId: env.id,
      reason: `event type ${env.eventType} is not a failure the remediator handles`,
    };
  }
  if (env.data === undefined || env.data === null)
    return rejectItem(at('data: expected object, but it is missing'), env.id);
  const parsed = resourceEventData.safeParse(env.data);
  if (!parsed.success) return rejectItem(at(formatZodError(parsed.error, 'data')), env.id);
  const d = parsed.data;

  const claimsResult = readClaims(d.claims);
  if ('error' in claimsResult) return rejectItem(at(`data.claims: ${claimsResult.error}`), env.id);
  const claims = claimsResult.claims;

  const reason = findEventGridIgnoreReason({
    eventType: env.eventType,
    operationName: d.operationName,
    status: d.status,
  });
  if (reason) return { status: 'ignored', eventId: env.id, reason };

  const idParts = readIdParts(d.resourceUri);
  const event: FailureEvent = {
    source: env.source,
    id: env.id,
    time: env.time,
    eventType: env.eventType,
    subject: env.subject || d.resourceUri,
    resourceId: d.resourceUri,
    operationName: d.operationName,
    status: d.status,
    raw,
  };
  setDefined(event, 'correlationId', nonEmpty(d.correlationId));
  setDefined(event, 'subscriptionId', nonEmpty(d.subscriptionId) ?? idParts.subscriptionId);
  setDefined(event, 'tenantId', nonEmpty(d.tenantId) ?? readTenantFromClaims(claims));
  setDefined(event, 'resourceGroup', nonEmpty(d.resourceGroup) ?? idParts.resourceGroup);
  setDefined(event, 'caller', readCaller(claims, nonEmpty(d.authorization?.evidence?.principalType)));
  const action = nonEmpty(d.authorization?.action);
  const scope = nonEmpty(d.authorization?.scope);
  if (action !== undefined || scope !== undefined) {
    event.authorization = {};
    setDefined(event.authorization, 'action', action);
    setDefined(event.authorization, 'scope', scope);
  }
  return { status: 'accepted', event };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s.trim() : undefined;
}

function readEnvelope(raw: Record<string, unknown>): { envelope: Envelope } | { error: string } {
  if ('specversion' in raw) {
    const ce = cloudEventEnvelope.safeParse(raw);
    if (!ce.success) return { error: `CloudEvents envelope: ${formatZodError(ce.error)}` };
    const v = ce.data;
    return {
      envelope: {
        source: 'cloud-events',
        id: v.id,
        eventType: v.type,
        subject: v.subject ?? '',
        time: v.time,
        data: v.data,
      },
    };
  }
  if ('eventType' in raw) {
    const eg = eventGridEnvelope.safeParse(raw);
    if (!eg.success) return { error: `Event Grid envelope: ${formatZodError(eg.error)}` };
    const v = eg.data;
    return {
      envelope: {
        source: 'event-grid',
        id: v.id,
        eventType: v.eventType,
        subject: v.subject,
        time: v.eventTime,
        data: v.data,
      },
    };
  }
  return { error: 'unknown schema: neither an Event Grid event (eventType) nor a CloudEvents 1.0 event (specversion)' };
}
