/**
 * In-memory OpenTelemetry for tests: the SDK's in-memory span and log exporters and a pull metric reader, installed
 * through src/adapters/telemetry-sdk.ts `startTelemetryWith` (the same redaction processors as in Azure).
 */
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { MetricReader, type DataPoint, type Histogram, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetryWith, type TelemetryHandle } from '../../src/adapters/telemetry-sdk';

export class PullMetricReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface InMemoryTelemetry {
  spans: InMemorySpanExporter;
  logs: InMemoryLogRecordExporter;
  reader: PullMetricReader;
  handle: TelemetryHandle;
  /** Every data point of one instrument, with its attributes. */
  points(name: string): Promise<DataPoint<number | Histogram>[]>;
  collect(): Promise<ResourceMetrics>;
}

export function startInMemoryTelemetry(secrets: string[] = []): InMemoryTelemetry {
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const reader = new PullMetricReader();
  const handle = startTelemetryWith({ spanExporter: spans, logExporter: logs, metricReader: reader, secrets });
  const collect = async (): Promise<ResourceMetrics> => (await reader.collect()).resourceMetrics;
  return {
    spans,
    logs,
    reader,
    handle,
    collect,
    points: async (name) =>
      (await collect()).scopeMetrics
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[]),
  };
}
