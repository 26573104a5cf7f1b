/**
 * What a notification channel is: a pure renderer of the notification model and its limits. Channels are listed in
 * ./index.ts; how a rendered body reaches the channel (one HTTP attempt) is an adapter, `WEBHOOK_TRANSPORTS` in
 * src/adapters/webhook-sender.ts, handed to the notifier by the composition root.
 */
import type { Json } from '../../store/port';
import type { NotificationMessage } from '../message-types';

export interface PostResult {
  ok: boolean;
  /** HTTP status; absent for network failures. */
  status?: number;
  /** From a `Retry-After` header (seconds → ms). */
  retryAfterMs?: number;
  /** Redacted error text. */
  error?: string;
}
/** Per attempt: a shorter timeout than the transport's (one short try inside an invocation's deadline). */
export interface PostOptions {
  timeoutMs?: number;
}
/** One HTTP attempt. Never throws. */
export type PostFn = (body: Json, opts?: PostOptions) => Promise<PostResult>;

export interface ChannelLimits {
  /** Spacing between requests per process (the channel's documented rate). */
  minIntervalMs: number;
}

/** Builds the one-attempt post for a channel's webhook URL (an adapter). */
export type PostFactory = (url: string, opts: { timeoutMs?: number }) => PostFn;

export interface ChannelSpec {
  /** Pure: the webhook body for a message. */
  render(m: NotificationMessage): unknown;
  limits: ChannelLimits;
}
