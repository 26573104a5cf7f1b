/**
 * Spans and metrics through the OpenTelemetry API only (no SDK here): when no provider is registered (telemetry not
 * configured) every call below is a no-op on the API's no-op tracer/meter, so the pipeline pays next to nothing.
 * Providers are registered by src/adapters/telemetry-sdk.ts (Azure Monitor distro, or in-memory exporters in tests).
 *
 * The recording API (`recordEvent`, `recordDiagnosis`, …) is the one way any module reports a metric: the instruments
 * are created here, once per registered meter provider.
 */
import {
  context,
  metrics,
  propagation,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Gauge,
  type Histogram,
  type MeterProvider,
  type Span,
} from '@opentelemetry/api';
import { describeErrorMessage } from '../errors';
import { redactSecrets } from '../logging';
import { ATTR, METRIC, SCOPE, type Door, type SpanName } from './names';

export { ATTR, METRIC, SPAN, SCOPE } from './names';
export type { Door, SpanName } from './names';

/** Attributes with every string value scrubbed of secrets (and undefined values dropped). */
export function toSafeAttributes(attributes: Record<string, string | number | boolean | undefined>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? redactSecrets(v) : v;
  }
  return out;
}

/**
 * Run `fn` inside a span named `name` (a child of the active span). Errors mark the span failed (message redacted)
 * and are rethrown unchanged.
 */
export async function withSpan<T>(
  name: SpanName,
  attributes: Record<string, string | number | boolean | undefined>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return trace
    .getTracer(SCOPE)
    .startActiveSpan(name, { attributes: toSafeAttributes(attributes) }, async (span): Promise<T> => {
      try {
        return await fn(span);
      } catch (err) {
        const message = redactSecrets(describeErrorMessage(err));
        span.recordException({ name: err instanceof Error ? err.name : 'Error', message });
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        throw err;
      } finally {
        span.end();
      }
    });
}

/** The W3C traceparent of the active span (to carry work to a later invocation), or undefined without telemetry. */
export function currentTraceParent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
}

/** Run `fn` as part of the trace a traceparent names (a heal step joins its event's trace). */
export function withTraceParent<T>(traceParent: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!traceParent) return fn();
  return context.with(propagation.extract(context.active(), { traceparent: traceParent }), fn);
}

/** Set attributes on a span (strings redacted). */
export function annotateSpan(span: Span, attributes: Record<string, string | number | boolean | undefined>): void {
  if (span.isRecording()) span.setAttributes(toSafeAttributes(attributes));
}

interface Instruments {
  events: Counter;
  diagnoses: Counter;
  actions: Counter;
  timeToDiagnose: Histogram;
  timeToHeal: Histogram;
  budgetUsed: Gauge;
  outboxDepth: Gauge;
  outboxDrops: Counter;
  healChecksAbandoned: Counter;
  activityLogLagged: Counter;
}

const DURATION_BOUNDARIES_MS = [
  250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
];

let cached: { provider: MeterProvider; instruments: Instruments } | undefined;

/** The instruments of the meter provider registered now (rebuilt when another one is registered). */
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const meter = provider.getMeter(SCOPE);
  const ms = (name: string, description: string): Histogram =>
    meter.createHistogram(name, {
      unit: 'ms',
      description,
      advice: { explicitBucketBoundaries: DURATION_BOUNDARIES_MS },
    });
  const made: Instruments = {
    events: meter.createCounter(METRIC.events, { description: 'Events received, by door and outcome status' }),
    diagnoses: meter.createCounter(METRIC.diagnoses, { description: 'Failures diagnosed, by kind' }),
    actions: meter.createCounter(METRIC.actions, { description: 'Remediation actions, by type and status' }),
    timeToDiagnose: ms(METRIC.timeToDiagnose, 'From the failure (event time) to its diagnosis'),
    timeToHeal: ms(METRIC.timeToHeal, 'From the failure (event time) to the heal check that saw it healed or not'),
    budgetUsed: meter.createGauge(METRIC.budgetUsed, { description: 'Fixes written this budget hour' }),
    outboxDepth: meter.createGauge(METRIC.outboxDepth, { description: 'Messages waiting in the notification outbox' }),
    outboxDrops: meter.createCounter(METRIC.outboxDrops, { description: 'Messages the outbox gave up on' }),
    healChecksAbandoned: meter.createCounter(METRIC.healChecksAbandoned, {
      description: 'Heal checks abandoned (the work state gave up on them)',
    }),
    activityLogLagged: meter.createCounter(METRIC.activityLogLagged, {
      description: 'Activity Log lookups that did not yet show the entry they looked for',
    }),
  };
  cached = { provider, instruments: made };
  return made;
}

/** An event handled: `status` is the Outcome status (diagnosed, duplicate, ignored, rejected, error). */
export function recordEvent(door: Door, status: string): void {
  instruments().events.add(1, { [ATTR.door]: door, [ATTR.status]: status });
}

export function recordDiagnosis(kind: string, mode: string): void {
  instruments().diagnoses.add(1, { [ATTR.kind]: kind, [ATTR.mode]: mode });
}

export function recordAction(type: string, status: string): void {
  instruments().actions.add(1, { [ATTR.actionType]: type, [ATTR.status]: status });
}

export function recordTimeToDiagnoseMs(ms: number, kind: string): void {
  if (Number.isFinite(ms) && ms >= 0) instruments().timeToDiagnose.record(ms, { [ATTR.kind]: kind });
}

/** `status`: the heal result (healed, still-failing, …). */
export function recordTimeToHealMs(ms: number, status: string): void {
  if (Number.isFinite(ms) && ms >= 0) instruments().timeToHeal.record(ms, { [ATTR.status]: status });
}

export function recordBudgetUsed(used: number, limit: number): void {
  instruments().budgetUsed.record(used, { 'remediator.budget.limit': limit });
}

export function recordOutboxDepth(depth: number): void {
  instruments().outboxDepth.record(depth);
}

export function recordOutboxDrop(channel: string, reason: string): void {
  instruments().outboxDrops.add(1, { [ATTR.channel]: channel, [ATTR.reason]: reason });
}

/** A heal check given up on (issue 13's work state calls this). */
export function recordHealCheckAbandoned(reason: string): void {
  instruments().healChecksAbandoned.add(1, { [ATTR.reason]: reason });
}

/** An Activity Log lookup that did not yet show the entry it needed (issue 15 calls this). */
export function recordActivityLogLagged(reason: string): void {
  instruments().activityLogLagged.add(1, { [ATTR.reason]: reason });
}
