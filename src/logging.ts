/**
 * pino JSON logging with secret scrubbing in two layers:
 * - `formatters.log` walks every logged object: values under secret-looking keys are replaced, every string is
 *   scrubbed by `redactSecrets`, Errors become plain scrubbed objects;
 * - `hooks.streamWrite` scrubs the final JSON line, so free text anywhere (messages, bindings, `err.message` used as
 *   the message) never carries a webhook URL, bearer token, AccountKey or `sig=` value out of the process.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { FailureEvent } from './model';
import { forwardLogLine } from './telemetry/log-bridge';

export type { Logger } from 'pino';

const R = '[REDACTED]';

/** Hosts whose URLs are webhook secrets (Teams Workflows / Power Automate, legacy O365 connectors, Slack). */
const WEBHOOK_URL =
  /\bhttps?:\/\/((?:[a-z0-9-]+\.)*(?:logic\.azure\.com|webhook\.office\.com|hooks\.slack\.com|api\.powerplatform\.com|powerautomate\.com|flow\.microsoft\.com))(?::\d+)?(?:[/?#][^\s"'<>\\`]*)?/gi;
const BEARER = /\b(Bearer|Basic|SharedKey|SharedAccessSignature)(\s+)[A-Za-z0-9\-._~+/:=%&]+/g;
const AUTH_HEADER =
  /\b((?:proxy-)?authorization|x-functions-key|ocp-apim-subscription-key|api-key)(\\?["']?\s*[:=]\s*\\?["']?)(?!\[REDACTED)(?!Bearer\s|Basic\s)[^\s"'\\,;{}[\]]+/gi;
const CONN_KEY = /\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|ClientSecret)=[^;\s"'\\]+/gi;
const QUERY_SECRET = /([?&](?:sig|code|access_token|client_secret|token|api-key|x-functions-key)=)[^&#\s"'\\]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/**
 * Matches every text any pattern above can match (a superset: one case-insensitive scan for the words those patterns
 * need), so the text that cannot hold a secret — most span attributes and log lines — skips the six replace passes.
 */
const MAYBE_SECRET =
  /logic\.azure\.com|webhook\.office\.com|hooks\.slack\.com|api\.powerplatform\.com|powerautomate\.com|flow\.microsoft\.com|eyJ|bearer|basic|sharedkey|sharedaccess|authorization|x-functions-key|ocp-apim-subscription-key|api-key|accountkey|password|clientsecret|[?&](?:sig|code|access_token|client_secret|token)=/i;

/** Scrub secrets out of free text: webhook URLs, bearer tokens, Authorization values, AccountKey, `sig=`, JWTs. */
export function redactSecrets(text: string): string {
  if (text.length === 0 || !MAYBE_SECRET.test(text)) return text;
  return redactSecretsEveryPass(text);
}

/** Every pattern's replace pass, without the pre-check (what `redactSecrets` does to text that may hold a secret). */
export function redactSecretsEveryPass(text: string): string {
  return text
    .replace(WEBHOOK_URL, (_m, host: string) => `https://${host}/${R}`)
    .replace(JWT, R)
    .replace(BEARER, (_m, scheme: string, sp: string) => `${scheme}${sp}${R}`)
    .replace(AUTH_HEADER, (_m, name: string, sep: string) => `${name}${sep}${R}`)
    .replace(CONN_KEY, (_m, name: string) => `${name}=${R}`)
    .replace(QUERY_SECRET, (_m, prefix: string) => `${prefix}${R}`);
}

/** Keys whose string values are always secrets, whatever they look like. */
const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-functions-key|password|secret|client_?secret|access_?token|refresh_?token|token|connection_?string|account_?key|sig|.*webhook_?url|teams_?webhook_?url|slack_?webhook_?url|remediator_storage_connection|azurewebjobsstorage)$/i;
const MAX_DEPTH = 8;

function scrubValue(value: unknown, extra: readonly string[], depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubString(value, extra);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value) || depth > MAX_DEPTH) return '[Circular or too deep]';
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & Record<string, unknown>;
    const out: Record<string, unknown> = { type: e.name, message: scrubString(e.message, extra) };
    if (e.stack) out['stack'] = scrubString(e.stack, extra);
    for (const k of ['code', 'statusCode', 'status', 'details']) {
      if (e[k] !== undefined) out[k] = scrubValue(e[k], extra, depth + 1, seen);
    }
    if (e.cause !== undefined) out['cause'] = scrubValue(e.cause, extra, depth + 1, seen);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, extra, depth + 1, seen));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = typeof v === 'string' && SECRET_KEY.test(k) && v !== '' ? R : scrubValue(v, extra, depth + 1, seen);
  }
  return out;
}

/** Scrub `extra` exact values (8+ characters) and every secret-looking pattern out of free text. */
export function scrubString(s: string, extra: readonly string[]): string {
  let out = s;
  for (const secret of extra) if (secret.length >= 8) out = out.split(secret).join(R);
  return redactSecrets(out);
}

export interface LoggerOptions {
  level: string;
  /** Where JSON lines go (default: stdout). Tests pass a stream that collects lines. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Exact values to scrub wherever they appear (e.g. configured webhook URLs, connection strings). */
  secrets?: readonly (string | undefined)[];
  /** Extra base bindings (default: none, so lines stay small). */
  base?: Record<string, unknown>;
  /** Also emit every (scrubbed) line as an OpenTelemetry log record (when telemetry is configured). */
  otelLogs?: boolean;
}

/** A pino JSON logger that never lets a secret out. */
export function createLogger(opts: LoggerOptions): Logger {
  const extra = (opts.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8);
  // JSON-escaped forms too (a secret with quotes or backslashes appears escaped in the line).
  const lineSecrets = [...new Set([...extra, ...extra.map((s) => JSON.stringify(s).slice(1, -1))])];
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: opts.base ?? null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => scrubValue(obj, extra, 0, new WeakSet()) as Record<string, unknown>,
      bindings: (b) => scrubValue(b, extra, 0, new WeakSet()) as Record<string, unknown>,
    },
    hooks: {
      streamWrite: opts.otelLogs
        ? (line) => {
            const scrubbed = scrubString(line, lineSecrets);
            forwardLogLine(scrubbed);
            return scrubbed;
          }
        : (line) => scrubString(line, lineSecrets),
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** One child logger per event, bound to what people search logs by. */
export function childForEvent(log: Logger, event: Pick<FailureEvent, 'id' | 'correlationId' | 'resourceId'>): Logger {
  return log.child({
    eventId: event.id,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    resourceId: event.resourceId,
  });
}
