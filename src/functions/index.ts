/**
 * Entry point of the Function app (esbuild bundles this file into dist/main.js): registers every trigger and loads
 * nothing else, so the host indexes the functions after importing @azure/functions and this file alone. The handlers
 * and everything they use (pipeline, SDK clients, storage, notifier: dist/handlers.js) are loaded by the first
 * invocation. Settings are checked right after the import (dist/startup-check.js: config and logger only), every
 * problem logged; invocations then answer with the same error.
 */
import { app, type HttpRequest, type InvocationContext, type Timer } from '@azure/functions';
import type * as DoctorFunction from './doctor';
import type * as Handlers from './handlers';
import { registerInvocationTracing } from './invocation-trace';
import { DOCTOR_TIMER_SCHEDULE, OUTBOX_TIMER_SCHEDULE } from './outbox-schedule';
import type * as StartupCheck from './startup-check';

/**
 * A module loaded once, by the first invocation that needs it: a separate file of the deployed bundle (require, not
 * import(): this package compiles to CommonJS; scripts/build.mjs keeps each path external).
 */
function loadOnce<T>(load: () => T): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= Promise.resolve().then(load));
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadHandlers = loadOnce(() => require('./handlers') as typeof Handlers);
/** The doctor (dist/doctor.js): its read-only probes are not on any event's path. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadDoctor = loadOnce(() => require('./doctor') as typeof DoctorFunction);

app.eventGrid('eventGridFailures', {
  handler: async (event: unknown, context: InvocationContext) =>
    (await loadHandlers()).eventGridFailures(event, context),
});

app.http('eventGridWebhook', {
  methods: ['POST', 'OPTIONS'],
  authLevel: 'function',
  route: 'eventgrid',
  handler: async (request: HttpRequest, context: InvocationContext) =>
    (await loadHandlers()).eventGridWebhook(request, context),
});

app.http('activityLogAlert', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'alerts/activity-log',
  handler: async (request: HttpRequest, context: InvocationContext) =>
    (await loadHandlers()).activityLogAlert(request, context),
});

app.timer('outboxRetry', {
  schedule: OUTBOX_TIMER_SCHEDULE,
  runOnStartup: false,
  handler: async (timer: Timer, context: InvocationContext) => (await loadHandlers()).outboxRetry(timer, context),
});

app.storageQueue('healCheck', {
  queueName: '%REMEDIATOR_HEAL_QUEUE%', // resolved by the host from the app setting (infra sets it)
  connection: 'AzureWebJobsStorage',
  handler: async (message: unknown, context: InvocationContext) => (await loadHandlers()).healCheck(message, context),
});

// A heal step the host gave up on (maxDequeueCount): closed, audited `abandoned`, told (src/functions/heal-poison.ts).
app.storageQueue('healPoison', {
  queueName: '%REMEDIATOR_HEAL_QUEUE%-poison',
  connection: 'AzureWebJobsStorage',
  handler: async (message: unknown, context: InvocationContext) => (await loadHandlers()).healPoison(message, context),
});

// authLevel anonymous: the signed token and the signed-in principal decide (src/functions/approval.ts).
app.http('approval', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: 'approval/{channel?}',
  handler: async (request: HttpRequest, context: InvocationContext) =>
    (await loadHandlers()).approval(request, context),
});

// The deployment's smoke check and preflight, with the app's own identity and settings (src/functions/doctor.ts).
app.http('doctor', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'doctor',
  handler: async (request: HttpRequest, context: InvocationContext) => (await loadDoctor()).doctor(request, context),
});

// The same checks on a schedule: wiring that breaks after the deployment raises the doctorFailed alert.
app.timer('doctorSchedule', {
  schedule: DOCTOR_TIMER_SCHEDULE,
  runOnStartup: false,
  handler: async (timer: Timer, context: InvocationContext) => (await loadDoctor()).doctorSchedule(timer, context),
});

registerInvocationTracing();
// Off the import: the settings check loads the config module and the logger only.
setImmediate(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./startup-check') as typeof StartupCheck).checkConfigAtStartup();
});
