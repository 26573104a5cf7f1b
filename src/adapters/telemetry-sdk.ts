/**
 * Telemetry providers: what turns the no-op OpenTelemetry API calls of src/telemetry/ into exported signals.
 *
 * - `startAzureMonitorTelemetry`: Microsoft's Azure Monitor OpenTelemetry distro (`@azure/monitor-opentelemetry`,
 *   loaded only here and only when APPLICATIONINSIGHTS_CONNECTION_STRING is set), exporting to Application Insights
 *   with Entra ID (the remediator's managed identity: the component has local auth disabled). Every trace is kept
 *   (sampling ratio 1, no per-second cap: the remediator's volume is small and every event matters).
 * - `startTelemetryWith`: the plain OpenTelemetry SDK with given exporters (tests: the in-memory exporters).
 *
 * Both install the same redaction processors (spans: attributes, event attributes and status message; log records:
 * body and attributes), the W3C propagator and an AsyncLocalStorage context manager, and route the Azure SDK's own
 * tracing (@azure/core-tracing) to OpenTelemetry explicitly, so ARM and Storage calls are spans in the bundle too
 * (the distro's require hook does not see modules inside an esbuild bundle).
 */
import * as coreTracing from '@azure/core-tracing';
import type { TokenCredential } from '@azure/identity';
import { createAzureSdkInstrumentation } from '@azure/opentelemetry-instrumentation-azure-sdk';
import { context, metrics, propagation, trace, type Attributes } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type LogRecordProcessor,
  type SdkLogRecord,
} from '@opentelemetry/sdk-logs';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { scrubString } from '../logging';

export interface TelemetryHandle {
  /** Flush and unregister everything (the API falls back to its no-ops). */
  shutdown(): Promise<void>;
}

function scrubAttributes(attributes: Attributes, secrets: readonly string[]): Attributes | undefined {
  let changed: Attributes | undefined;
  for (const [k, v] of Object.entries(attributes)) {
    if (typeof v !== 'string') continue;
    const s = scrubString(v, secrets);
    if (s !== v) (changed ??= {})[k] = s;
  }
  return changed;
}

/** Scrubs every string a span carries, just before it ends (before any exporter sees it). */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly secrets: readonly string[] = []) {}
  onStart(): void {}
  onEnding(span: Span): void {
    const changed = scrubAttributes(span.attributes, this.secrets);
    if (changed) span.setAttributes(changed);
    const name = scrubString(span.name, this.secrets);
    if (name !== span.name) span.updateName(name);
    for (const event of span.events) {
      if (!event.attributes) continue;
      const c = scrubAttributes(event.attributes, this.secrets);
      if (c) Object.assign(event.attributes, c);
    }
    if (span.status.message) span.status.message = scrubString(span.status.message, this.secrets);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Scrubs the body and attributes of every log record (the pino bridge sends scrubbed lines; other sources may not). */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  constructor(private readonly secrets: readonly string[] = []) {}
  onEmit(record: SdkLogRecord): void {
    if (typeof record.body === 'string') record.setBody(scrubString(record.body, this.secrets));
    for (const [k, v] of Object.entries(record.attributes)) {
      if (typeof v === 'string') record.setAttribute(k, scrubString(v, this.secrets));
    }
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Route @azure/core-tracing (every Azure SDK client's spans) to OpenTelemetry. Idempotent. */
export function enableAzureSdkTracing(): void {
  const definition = (
    createAzureSdkInstrumentation() as unknown as { init(): { patch?: (m: typeof coreTracing) => unknown } }
  ).init();
  definition.patch?.(coreTracing);
}

export interface AzureMonitorOptions {
  connectionString: string;
  /** Entra ID credential for ingestion (the component has local auth disabled). */
  credential?: TokenCredential;
  /** Exact secret values to scrub (webhook URLs, connection strings). */
  secrets?: readonly string[];
}

/** Start the Azure Monitor distro (loaded lazily: nothing of it is loaded when telemetry is not configured). */
export async function startAzureMonitorTelemetry(opts: AzureMonitorOptions): Promise<TelemetryHandle> {
  const { useAzureMonitor, shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  const secrets = opts.secrets ?? [];
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: opts.connectionString,
      ...(opts.credential ? { credential: opts.credential } : {}),
    },
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: false,
    // Pre-aggregated "standard metrics" and performance counters do per-span work on the hot path (dimension lookups
    // for every span: a third of the telemetry's CPU in bench/telemetry.bench.ts); the workbook and the alerts use the
    // remediator's own metrics and the host's requests instead.
    enableStandardMetrics: false,
    enablePerformanceCounters: false,
    instrumentationOptions: {
      azureSdk: { enabled: true },
      http: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
      console: { enabled: false },
    },
    spanProcessors: [new RedactingSpanProcessor(secrets)],
    logRecordProcessors: [new RedactingLogRecordProcessor(secrets)],
  });
  enableAzureSdkTracing();
  return { shutdown: () => shutdownAzureMonitor() };
}

export interface ExporterOptions {
  spanExporter: SpanExporter;
  metricReader: MetricReader;
  logExporter: LogRecordExporter;
  secrets?: readonly string[];
}

/** The plain SDK with given exporters (simple processors: every span and record is exported when it ends). */
export function startTelemetryWith(opts: ExporterOptions): TelemetryHandle {
  const secrets = opts.secrets ?? [];
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new RedactingSpanProcessor(secrets), new SimpleSpanProcessor(opts.spanExporter)],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const meterProvider = new MeterProvider({ readers: [opts.metricReader] });
  metrics.setGlobalMeterProvider(meterProvider);
  const loggerProvider = new LoggerProvider({
    processors: [
      new RedactingLogRecordProcessor(secrets),
      new SimpleLogRecordProcessor({ exporter: opts.logExporter }),
    ],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  enableAzureSdkTracing();
  return {
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      logs.disable();
      propagation.disable();
      context.disable();
    },
  };
}
