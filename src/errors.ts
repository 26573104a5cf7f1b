/**
 * The ONE place that decides whether a failure is worth a retry (Event Grid redelivers when a trigger throws / an
 * HTTP door answers 5xx) or must be acknowledged (bad or irrelevant input, permanent ARM errors).
 *
 * Duck-typed on purpose: RestError instances may come from several copies of @azure/core-rest-pipeline, and Node's
 * fetch (undici) wraps network failures in `cause`.
 */
import { RemediatorError } from './model';
import { redactSecrets } from './logging';

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'REQUEST_SEND_ERROR',
]);
const MAX_CAUSE_DEPTH = 5;

type Bag = Record<string, unknown>;
const isBag = (v: unknown): v is Bag => typeof v === 'object' && v !== null;

/** The HTTP status carried by an error (RestError.statusCode, `status`, or `response.status`). */
export function getErrorStatus(err: unknown): number | undefined {
  if (!isBag(err)) return undefined;
  for (const v of [err['statusCode'], err['status'], isBag(err['response']) ? err['response']['status'] : undefined]) {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
  }
  return undefined;
}

function readCode(err: Bag): string | undefined {
  const c = err['code'];
  return typeof c === 'string' ? c : undefined;
}

/** True when retrying the same work later may succeed. Everything else is acknowledged. */
export function isTransientError(err: unknown): boolean {
  return checkTransient(err, 0);
}

function checkTransient(err: unknown, depth: number): boolean {
  if (!isBag(err) || depth > MAX_CAUSE_DEPTH) return false;
  // An explicit decision by our own code wins, whatever it wraps.
  if (err instanceof RemediatorError) return err.transient;
  // A brand-new identity not yet replicated to the directory: ARM answers 400 PrincipalNotFound for a while.
  if (readCode(err) === 'PrincipalNotFound') return true;
  const status = getErrorStatus(err);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  const code = readCode(err);
  if (code !== undefined && (TRANSIENT_CODES.has(code) || code.startsWith('UND_ERR_'))) return true;
  const name = typeof err['name'] === 'string' ? err['name'] : '';
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  if (code === 'ABORT_ERR' || code === 'ERR_STREAM_PREMATURE_CLOSE') return true;
  // fetch() failures: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }), RestError wrapping a socket error…
  return checkTransient(err['cause'], depth + 1);
}

export type RetryDecision =
  | { action: 'retry'; error: unknown; description: ErrorDescription }
  | { action: 'acknowledge'; description: ErrorDescription };

/** What a trigger does with an error: `retry` (throw / answer 500) or `acknowledge` (log and return). */
export function toRetryOrAcknowledge(err: unknown): RetryDecision {
  const description = describeError(err);
  return isTransientError(err) ? { action: 'retry', error: err, description } : { action: 'acknowledge', description };
}

/** Throws `err` again when it is transient; returns its description otherwise (for logging). */
export function rethrowIfTransient(err: unknown): ErrorDescription {
  const decision = toRetryOrAcknowledge(err);
  if (decision.action === 'retry') throw decision.error;
  return decision.description;
}

export interface ErrorDescription {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  transient: boolean;
  /** ARM's `x-ms-correlation-request-id`: what Azure support asks for. */
  correlationRequestId?: string;
  /** `x-ms-request-id`. */
  requestId?: string;
  cause?: ErrorDescription;
}

function readHeader(headers: unknown, name: string): string | undefined {
  if (!isBag(headers)) return undefined;
  const get = headers['get'];
  if (typeof get === 'function') {
    const v: unknown = (get as (n: string) => unknown).call(headers, name);
    if (typeof v === 'string' && v !== '') return v;
  }
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name && typeof v === 'string') return v;
  }
  return undefined;
}

/** The scrubbed message of any thrown value, for a reason or a line of output (`describeError(err).message`). */
export function describeErrorMessage(err: unknown): string {
  return describeError(err).message;
}

/** A log-safe, plain description of any thrown value (secrets scrubbed from the message). */
export function describeError(err: unknown): ErrorDescription {
  return describeAt(err, 0);
}

function describeAt(err: unknown, depth: number): ErrorDescription {
  if (!isBag(err)) return { name: typeof err, message: redactSecrets(String(err)), transient: false };
  const name = typeof err['name'] === 'string' ? err['name'] : (err.constructor?.name ?? 'Object');
  const message = typeof err['message'] === 'string' ? err['message'] : safeJson(err);
  const d: ErrorDescription = { name, message: redactSecrets(message), transient: isTransientError(err) };
  const code = readCode(err);
  if (code !== undefined) d.code = code;
  const status = getErrorStatus(err);
  if (status !== undefined) d.statusCode = status;
  const response = err['response'];
  const headers = isBag(response) ? response['headers'] : undefined;
  const corr = readHeader(headers, 'x-ms-correlation-request-id');
  if (corr) d.correlationRequestId = corr;
  const rid = readHeader(headers, 'x-ms-request-id');
  if (rid) d.requestId = rid;
  if (err['cause'] !== undefined && depth < MAX_CAUSE_DEPTH) d.cause = describeAt(err['cause'], depth + 1);
  return d;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
