/**
 * pino → OpenTelemetry logs. `forwardLogLine` receives each JSON line after the logger has scrubbed it (so no secret
 * reaches it) and emits it as a log record through the OpenTelemetry logs API, in the caller's active context: the
 * record carries the trace and span ids (Application Insights `traces`: operation_Id, operation_ParentId) and the
 * line's fields as attributes (eventId, correlationId, …: customDimensions). Without a registered logger provider
 * the API's logger is a no-op; the logger only calls this when telemetry is configured.
 */
import { logs, SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { SCOPE } from './names';

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** Log line fields that are not attributes (they are the record's own fields). */
const OWN = new Set(['level', 'time', 'msg']);

export function forwardLogLine(line: string): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const level = typeof parsed['level'] === 'string' ? parsed['level'] : 'info';
  const attributes: AnyValueMap = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (OWN.has(k) || v === undefined || v === null) continue;
    attributes[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
  }
  logs.getLogger(SCOPE).emit({
    severityNumber: SEVERITY[level] ?? SeverityNumber.INFO,
    severityText: level.toUpperCase(),
    body: typeof parsed['msg'] === 'string' ? parsed['msg'] : '',
    attributes,
    ...(typeof parsed['time'] === 'string' ? { timestamp: new Date(parsed['time']) } : {}),
  });
}
