/**
 * The trigger handlers over the process-wide runtime deps (src/runtime.ts): what src/functions/index.ts registers,
 * loaded by the first invocation (dist/handlers.js in the deployed bundle).
 */
import { getRuntimeDeps } from '../runtime';
import { makeAlertHandler } from './activity-log-alert';
import { makeApprovalHandler } from './approval';
import { makeEventGridHandler } from './event-grid-failures';
import { makeWebhookHandler } from './event-grid-webhook';
import { makeHealCheckHandler } from './heal-check';
import { makeHealPoisonHandler } from './heal-poison';
import { getRuntimeNotifier, makeOutboxTimerHandler } from './outbox-timer';

export const eventGridFailures = makeEventGridHandler(getRuntimeDeps);
export const eventGridWebhook = makeWebhookHandler(getRuntimeDeps);
export const activityLogAlert = makeAlertHandler(getRuntimeDeps);
export const outboxRetry = makeOutboxTimerHandler(getRuntimeNotifier);
export const healCheck = makeHealCheckHandler(getRuntimeDeps);
export const healPoison = makeHealPoisonHandler(getRuntimeDeps);
export const approval = makeApprovalHandler(getRuntimeDeps);
