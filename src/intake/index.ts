/**
 * Intake: every door → IntakeItem[] (src/model.ts). Pure: no I/O, no clock, no ARM.
 */
import type { IntakeItem } from '../model';
import { isAlertDocument, parseAlert } from './alert';
import { isHandshake, parseEventGridDelivery } from './event-grid';

export { parseAlert, isAlertDocument, COMMON_ALERT_SCHEMA_ID } from './alert';
export { parseEventGridDelivery, parseOneEvent, isHandshake, type HandshakeResult } from './event-grid';
export { parseBody, type BodyResult } from './body';
export { formatZodError, type RejectedItem } from './common';
export * from './relevance';

/**
 * Any one document a sender delivers (CLI, replay, simulate): a common-alert-schema alert, or an Event Grid delivery
 * in either schema. A subscription validation handshake has nothing to process: one `ignored` item.
 */
export function parseIncoming(doc: unknown): IntakeItem[] {
  if (isAlertDocument(doc)) return parseAlert(doc);
  const result = parseEventGridDelivery(doc);
  if (isHandshake(result))
    return [
      {
        status: 'ignored',
        eventId: 'subscription-validation',
        reason: 'Event Grid subscription validation handshake (answered by the webhook door)',
      },
    ];
  return result;
}
