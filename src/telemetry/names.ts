/**
 * The names of every telemetry signal the remediator emits: span names, metric instruments and their attributes.
 * One place, so the workbook and alert queries in infra/ (held equal by test/infra/monitoring.test.ts), the README's
 * KQL and the code agree. Metric names are dotted OpenTelemetry names; Application Insights stores them in
 * `customMetrics` under the same name.
 */

/** The tracer, meter and logger scope name. */
export const SCOPE = 'acr-remediator';

/** One span per pipeline stage, children of the event's span (`remediator.event`). */
export const SPAN = {
  event: 'remediator.event',
  intake: 'intake',
  diagnose: 'diagnose',
  plan: 'plan',
  guard: 'guard',
  act: 'act',
  notify: 'notify',
  heal: 'heal',
} as const;
export type SpanName = (typeof SPAN)[keyof typeof SPAN];

/** Metric instruments (name → unit and meaning). */
export const METRIC = {
  events: 'remediator.events',
  diagnoses: 'remediator.diagnoses',
  actions: 'remediator.actions',
  timeToDiagnose: 'remediator.time_to_diagnose',
  timeToHeal: 'remediator.time_to_heal',
  budgetUsed: 'remediator.budget.used',
  outboxDepth: 'remediator.outbox.depth',
  outboxDrops: 'remediator.outbox.drops',
  healChecksAbandoned: 'remediator.heal_checks.abandoned',
  activityLogLagged: 'remediator.activity_log.lagged',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Attribute keys on spans, metrics and log records. */
export const ATTR = {
  eventId: 'remediator.event_id',
  correlationId: 'remediator.correlation_id',
  resourceId: 'remediator.resource_id',
  door: 'remediator.door',
  status: 'remediator.status',
  kind: 'remediator.kind',
  mode: 'remediator.mode',
  actionType: 'remediator.action_type',
  reason: 'remediator.reason',
  channel: 'remediator.channel',
  attempt: 'remediator.attempt',
  phase: 'remediator.phase',
} as const;

/** The doors an event comes in by. */
export type Door = 'event-grid' | 'event-grid-webhook' | 'activity-log-alert' | 'replay' | 'simulate';
