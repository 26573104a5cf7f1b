/**
 * What a notification channel is: a pure renderer of the notification model, a post (one HTTP attempt, an adapter in
 * src/adapters/) and its limits. Channels are listed in ./index.ts.
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
/** One HTTP attempt. Never throws. */
export type PostFn = (body: Json) => Promise<PostResult>;

export interface ChannelLimits {
  /** Spacing between requests per process (the channel's documented rate). */
  minIntervalMs: number;
}

export interface ChannelSpec {
  /** Pure: the webhook body for a message. */
  render(m: NotificationMessage): unknown;
  /** One HTTP attempt against the channel's webhook URL. */
  post(url: string, opts: { timeoutMs?: number }): PostFn;
  limits: ChannelLimits;
}
