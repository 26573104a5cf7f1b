/**
 * What the dashboard shows, read from the OpenTelemetry SDK's in-memory exporters after a run: one value per panel of
 * infra/workbook.json, computed the way the panel's KQL computes it from `customMetrics` / `dependencies`
 * (sums of counters by their attributes, histogram mean / max / count, the gauges' last value, one row per
 * `remediator.event` span). Used by docs/dashboard/generate.ts and its test.
 */
import type { DataPoint, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR, METRIC, SPAN } from '../../src/telemetry/names';

export interface Bar {
  label: string;
  value: number;
}

export interface DurationRow {
  metric: string;
  label: string;
  count: number;
  meanMs: number;
  maxMs: number;
}

export interface EventRow {
  eventId: string;
  door: string;
  mode: string;
  status: string;
  kind: string;
  spans: number;
  durationMs: number;
}

export interface DashboardData {
  eventsByDoorAndStatus: Bar[];
  diagnosesByKind: Bar[];
  actionsByTypeAndStatus: Bar[];
  durations: DurationRow[];
  budget: { used: number; limit: number } | undefined;
  outbox: { depth: number | undefined; drops: number };
  stuck: Bar[];
  failedEvents: number;
  latestEvents: EventRow[];
}

type Point = DataPoint<number | Histogram>;

function pointsOf(metrics: ResourceMetrics, name: string): Point[] {
  return metrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as Point[]);
}

const attr = (p: Point, key: string): string => String(p.attributes[key] ?? '');

/** Counter sums grouped by a label made of attributes, largest first. */
function sumBy(metrics: ResourceMetrics, name: string, label: (p: Point) => string): Bar[] {
  const sums = new Map<string, number>();
  for (const p of pointsOf(metrics, name)) {
    const k = label(p);
    sums.set(k, (sums.get(k) ?? 0) + (p.value as number));
  }
  return [...sums.entries()]
    .map(([l, value]) => ({ label: l, value }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

function durationRows(metrics: ResourceMetrics, name: string, labelKey: string): DurationRow[] {
  return pointsOf(metrics, name)
    .map((p) => {
      const h = p.value as Histogram;
      return {
        metric: name,
        label: attr(p, labelKey),
        count: h.count,
        meanMs: h.count > 0 ? (h.sum ?? 0) / h.count : 0,
        maxMs: h.max ?? 0,
      };
    })
    .filter((r) => r.count > 0);
}

export function collectDashboard(metrics: ResourceMetrics, spans: readonly ReadableSpan[]): DashboardData {
  const budgetPoints = pointsOf(metrics, METRIC.budgetUsed);
  const lastBudget = budgetPoints.at(-1);
  const depth = pointsOf(metrics, METRIC.outboxDepth).at(-1);
  const events = sumBy(metrics, METRIC.events, (p) => `${attr(p, ATTR.door)} / ${attr(p, ATTR.status)}`);
  const eventSpans = spans.filter((s) => s.name === SPAN.event);
  const inTrace = (traceId: string): number => spans.filter((s) => s.spanContext().traceId === traceId).length;
  const ms = (s: ReadableSpan): number => s.duration[0] * 1000 + s.duration[1] / 1e6;
  return {
    eventsByDoorAndStatus: events,
    diagnosesByKind: sumBy(metrics, METRIC.diagnoses, (p) => attr(p, ATTR.kind)),
    actionsByTypeAndStatus: sumBy(
      metrics,
      METRIC.actions,
      (p) => `${attr(p, ATTR.actionType)} / ${attr(p, ATTR.status)}`,
    ),
    durations: [
      ...durationRows(metrics, METRIC.timeToDiagnose, ATTR.kind),
      ...durationRows(metrics, METRIC.timeToHeal, ATTR.status),
    ],
    budget: lastBudget
      ? {
          used: Math.max(...budgetPoints.map((p) => p.value as number)),
          limit: Number(lastBudget.attributes['remediator.budget.limit'] ?? 0),
        }
      : undefined,
    outbox: {
      depth: depth ? (depth.value as number) : undefined,
      drops: sumBy(metrics, METRIC.outboxDrops, () => 'drops').reduce((a, b) => a + b.value, 0),
    },
    stuck: [
      ...sumBy(metrics, METRIC.healChecksAbandoned, (p) => `heal check abandoned: ${attr(p, ATTR.reason)}`),
      ...sumBy(metrics, METRIC.activityLogLagged, (p) => `Activity Log lagged: ${attr(p, ATTR.reason)}`),
    ],
    failedEvents: events.filter((b) => b.label.endsWith(' / error')).reduce((a, b) => a + b.value, 0),
    latestEvents: eventSpans
      .slice()
      .sort((a, b) => b.startTime[0] - a.startTime[0] || b.startTime[1] - a.startTime[1])
      .map((s) => ({
        eventId: String(s.attributes[ATTR.eventId] ?? ''),
        door: String(s.attributes[ATTR.door] ?? ''),
        mode: String(s.attributes[ATTR.mode] ?? ''),
        status: String(s.attributes[ATTR.status] ?? ''),
        kind: String(s.attributes[ATTR.kind] ?? ''),
        spans: inTrace(s.spanContext().traceId),
        durationMs: ms(s),
      })),
  };
}
