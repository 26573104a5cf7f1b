/**
 * What the two HTTP doors share: deps (or the config error), the size guard, running the pipeline, and turning
 * outcomes into an answer the sender understands (Event Grid: no retry on 400/413; retry on 5xx).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ConfigError } from '../config';
import { describeError, toRetryOrAcknowledge } from '../errors';
import { parseBody } from '../intake';
import { redactSecrets } from '../logging';
import type { IntakeItem, Outcome } from '../model';
import { processItems, type PipelineDeps } from '../pipeline';

export type GetDeps = () => Promise<PipelineDeps>;

/** One line per event in an HTTP answer (no raw payloads, no secrets). */
export interface EventResult {
  eventId: string;
  status: Outcome['status'];
  kind?: string;
  reason?: string;
  error?: string;
  actions?: Array<{ type: string; status: string }>;
}

export function summariseOutcome(o: Outcome): EventResult {
  const r: EventResult = { eventId: o.eventId, status: o.status };
  if (o.diagnosis) r.kind = o.diagnosis.kind;
  if (o.reason !== undefined) r.reason = redactSecrets(o.reason);
  if (o.error !== undefined) r.error = redactSecrets(o.error);
  if (o.actions) r.actions = o.actions.map((a) => ({ type: a.type, status: a.status }));
  return r;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  jsonBody: body,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
});

/** Deps, or the 500 answer every invocation gets while the configuration is invalid. */
export async function resolveDeps(
  getDeps: GetDeps,
  context: InvocationContext,
): Promise<{ deps: PipelineDeps } | { response: HttpResponseInit }> {
  try {
    return { deps: await getDeps() };
  } catch (err) {
    if (err instanceof ConfigError) {
      context.error(`configuration invalid, nothing runs: ${err.problems.join('; ')}`);
      return { response: json(500, { error: 'invalid configuration', problems: err.problems }) };
    }
    const d = describeError(err);
    context.error(`dependencies could not be built: ${d.message}`);
    return { response: json(500, { error: 'the remediator could not start', detail: d.message }) };
  }
}

/** Read the body under the size limit: JSON, or the 413/400 answer. */
export async function readJsonBody(
  request: HttpRequest,
  maxBytes: number,
  context: InvocationContext,
): Promise<{ body: unknown } | { response: HttpResponseInit; item: IntakeItem }> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    const error = `payload too large: ${declared} bytes, the limit is ${maxBytes} bytes`;
    context.warn(`rejected: ${error}`);
    return { response: json(413, { error }), item: { status: 'rejected', error } };
  }
  const parsed = parseBody(await request.text(), maxBytes);
  if (!parsed.ok) {
    context.warn(`rejected: ${parsed.item.error}`);
    return { response: json(parsed.tooLarge ? 413 : 400, { error: parsed.item.error }), item: parsed.item };
  }
  return { body: parsed.value };
}

/**
 * Run the pipeline over a delivery's items and answer: 200 with per-event results when anything was usable,
 * 400 when every event was rejected, 500 only for transient faults (the sender retries).
 */
export async function answerItems(
  items: IntakeItem[],
  deps: PipelineDeps,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  for (const item of items) {
    if (item.status === 'rejected')
      context.warn(`rejected${item.eventId ? ` ${item.eventId}` : ''}: ${redactSecrets(item.error)}`);
  }
  let outcomes: Outcome[];
  try {
    const door = context.functionName === 'activityLogAlert' ? 'activity-log-alert' : 'event-grid-webhook';
    outcomes = await processItems(items, { ...deps, door });
  } catch (err) {
    const decision = toRetryOrAcknowledge(err);
    if (decision.action === 'retry') {
      deps.log.warn({ err: decision.description }, 'transient fault: answering 500 so the sender retries');
      context.warn(`transient fault, the sender will retry: ${decision.description.message}`);
      return json(500, { error: 'transient fault, retry later', detail: decision.description.message });
    }
    deps.log.error({ err: decision.description }, 'delivery could not be processed; acknowledged');
    context.error(`delivery failed and is acknowledged (not retryable): ${decision.description.message}`);
    return json(200, {
      error: 'processing failed (not retryable); delivery acknowledged',
      detail: decision.description.message,
      results: [],
    });
  }
  const results = outcomes.map(summariseOutcome);
  context.log(
    `processed ${results.length} event(s): ${results.map((r) => `${r.eventId}=${r.status}${r.kind ? `(${r.kind})` : ''}`).join(', ')}`,
  );
  const allRejected = results.length > 0 && results.every((r) => r.status === 'rejected');
  if (allRejected) {
    const first = results[0]?.error ?? 'malformed input';
    return json(400, { error: results.length === 1 ? first : `all ${results.length} events were rejected`, results });
  }
  return json(200, { results });
}
