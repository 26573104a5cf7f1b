/**
 * Webhook senders: one HTTP attempt per call, never throwing (`PostFn`). Teams Workflows webhooks through fetch;
 * Slack incoming webhooks through @slack/webhook. Retries, rate limits and the outbox are the notifier's
 * (src/notify/send.ts); errors come back redacted (no webhook URL in any text).
 */
import { IncomingWebhook, type FetchFunction, type IncomingWebhookSendArguments } from '@slack/webhook';
import { describeError } from '../errors';
import { redactText } from '../notify/redact';
import type { Channel } from '../notify/channels';
import type { PostFactory, PostFn, PostResult } from '../notify/channels/channel';

/** Parse `Retry-After` (delta-seconds or an HTTP date) into ms. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export interface WebhookPostOptions {
  timeoutMs?: number;
}

function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const d = describeError(err);
  // A cause's code (ECONNREFUSED…) says most; else an Error cause's message.
  const cause = d.cause;
  const causeIsError = (err as { cause?: unknown }).cause instanceof Error;
  const detail = cause?.code ?? (causeIsError ? cause?.message : undefined);
  return `${d.name}: ${d.message}${detail !== undefined ? ` (${detail})` : ''}`;
}

/** Teams Workflows webhook: POST the JSON body with fetch. */
export function createTeamsPost(url: string, opts: WebhookPostOptions = {}): PostFn {
  const defaultTimeoutMs = opts.timeoutMs ?? 10_000;
  return async (body, call) => {
    const timeoutMs = call?.timeoutMs ?? defaultTimeoutMs;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'));
      const text = res.ok ? '' : await res.text().catch(() => '');
      await (res.ok ? res.arrayBuffer().catch(() => undefined) : undefined);
      const r: PostResult = { ok: res.ok, status: res.status };
      if (retryAfterMs !== undefined) r.retryAfterMs = retryAfterMs;
      if (!res.ok) r.error = redactText(`HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`, [url]);
      return r;
    } catch (err) {
      return { ok: false, error: redactText(describeCause(err), [url]) };
    }
  };
}

/** Slack incoming webhook through @slack/webhook (its own retries off: the sender retries, honouring Retry-After). */
export function createSlackPost(url: string, opts: WebhookPostOptions = {}): PostFn {
  const defaultTimeoutMs = opts.timeoutMs ?? 10_000;
  return async (body, call) => {
    const timeoutMs = call?.timeoutMs ?? defaultTimeoutMs;
    let retryAfter: string | null = null;
    let status: number | undefined;
    const capturingFetch = (async (u: string | URL, init?: unknown) => {
      const res = await fetch(u, init as RequestInit);
      retryAfter = res.headers.get('retry-after');
      status = res.status;
      return res;
    }) as unknown as FetchFunction;
    const webhook = new IncomingWebhook(url, {
      fetch: capturingFetch,
      timeout: timeoutMs,
      retryConfig: { retries: 0 },
    });
    try {
      await webhook.send(body as unknown as IncomingWebhookSendArguments);
      return status === undefined ? { ok: true } : { ok: true, status };
    } catch (err) {
      const code = (err as { statusCode?: unknown }).statusCode;
      const r: PostResult = { ok: false, error: redactText(describeCause(err), [url]) };
      if (typeof code === 'number') r.status = code;
      else if (status !== undefined) r.status = status;
      const retryAfterMs = parseRetryAfterMs(retryAfter);
      if (retryAfterMs !== undefined) r.retryAfterMs = retryAfterMs;
      return r;
    }
  };
}

/** How each channel's rendered body is posted: one line per channel (the channel itself is src/notify/channels/). */
export const WEBHOOK_TRANSPORTS: Record<Channel, PostFactory> = {
  teams: createTeamsPost,
  slack: createSlackPost,
};
