/**
 * The notifier: outcomes → every configured channel (src/notify/channels), calm during storms (storm.ts), never
 * losing a message (outbox.ts).
 *
 * Delivery: per-channel rate limit (the channel's `limits`: Teams ≤ 4/s, Slack ≤ 1/s per process), Retry-After,
 * backoff with jitter (send.ts); after the last attempt the rendered body goes to the outbox; `flushOutbox()` retries
 * it later with growing delays, and records it as dropped in the audit log after `outboxMaxAttempts`.
 *
 * Outbox bodies hold rendered messages only, never a URL: the URL is taken from the configuration at send time.
 */
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Clock, FailureEvent, HealResult, Outcome, RemediatorMode } from '../model';
import type { StateStore } from '../store/port';
import { CHANNEL_NAMES, CHANNELS, type Channel, type PostFactory, type PostFn } from './channels';
import { buildGroupKey } from './grouping';
import { createDelivery, type FlushOptions, type FlushResult, type NotifyContext } from './outbox';
import { describeWebhookHost } from './redact';
import { createSender, RateLimiter, realSleep, type Sender, type SendOptions, type Sleep } from './send';
import { createStorms, isDigestMarker, type NotifyResult } from './storm';
import { buildHealFollowUp, buildSummary } from './summary';

export { NOTIFY_PARTITIONS } from './partitions';
export type { ChannelDelivery, FlushOptions, FlushResult } from './outbox';
export type { NotifyResult } from './storm';

/** Per channel: its webhook URL (`teamsWebhookUrl`) and its request spacing (`teamsMinIntervalMs`). */
export type ChannelSettings = { [C in Channel as `${C}WebhookUrl`]?: string } & {
  [C in Channel as `${C}MinIntervalMs`]?: number;
};

export interface NotifierOptions extends ChannelSettings {
  store: StateStore;
  clock: Clock;
  log: Logger;
  mode: RemediatorMode;
  /** Events sharing a cause within this window → one message + one digest. 0 = no grouping. */
  digestWindowMs: number;
  sleep?: Sleep;
  /** Monotonic time for the rate limiter (default performance.now). Tests pass one that their fake sleep advances. */
  monotonicNow?: () => number;
  random?: () => number;
  /** In-line attempts per message (default 4). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxRetryAfterMs?: number;
  /** Outbox attempts before the message is recorded as dropped (default 20, ≈ a day with the growing delays). */
  outboxMaxAttempts?: number;
  /** First outbox retry delay (default 2 min, the timer's period); doubles per attempt, capped at 6 h. */
  outboxRetryBaseMs?: number;
  requestTimeoutMs?: number;
  /** How each channel posts (the adapter: `WEBHOOK_TRANSPORTS` from src/adapters/webhook-sender.ts). */
  transports: Record<Channel, PostFactory>;
  /** Replace the HTTP layer for some channels (benchmarks). */
  posts?: Partial<Record<Channel, PostFn>>;
}

export interface Notifier {
  /** `send.shortTry`: one brief attempt (the event pipeline, inside its deadline); what fails waits in the outbox. */
  notify(outcome: Outcome, event?: FailureEvent, send?: SendOptions): Promise<NotifyResult>;
  notifyHeal(outcome: Outcome, heal: HealResult, event?: FailureEvent): Promise<NotifyResult>;
  /** Send the digests whose window has closed (`closeAll`: every pending digest, e.g. at the end of a simulate run). */
  flushDigests(opts?: FlushOptions): Promise<FlushResult>;
  /** Retry the outbox items that are due (`closeAll`: every item, due or not — a last chance at the end of a run). */
  flushOutbox(opts?: FlushOptions): Promise<FlushResult>;
}

/** One sender per channel whose webhook URL is configured, in the registry's order. */
function createSenders(opts: NotifierOptions, log: Logger): Map<Channel, Sender> {
  const sleep = opts.sleep ?? realSleep;
  const monotonicNow = opts.monotonicNow ?? (() => performance.now());
  const senders = new Map<Channel, Sender>();
  for (const channel of CHANNEL_NAMES) {
    const url = opts[`${channel}WebhookUrl`];
    if (!url) continue;
    const spec = CHANNELS[channel];
    const post =
      opts.posts?.[channel] ??
      opts.transports[channel](url, opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {});
    const minIntervalMs = opts[`${channel}MinIntervalMs`] ?? spec.limits.minIntervalMs;
    senders.set(
      channel,
      createSender({
        channel,
        host: describeWebhookHost(url),
        post,
        limiter: new RateLimiter(minIntervalMs, sleep, monotonicNow),
        log,
        sleep,
        ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
        ...(opts.baseDelayMs !== undefined ? { baseDelayMs: opts.baseDelayMs } : {}),
        ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}),
        ...(opts.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: opts.maxRetryAfterMs } : {}),
        ...(opts.random !== undefined ? { random: opts.random } : {}),
        monotonicNow,
      }),
    );
  }
  return senders;
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const log = opts.log.child({ component: 'notify' });
  const ctx: NotifyContext = {
    store: opts.store,
    clock: opts.clock,
    log,
    mode: opts.mode,
    secrets: CHANNEL_NAMES.map((c) => opts[`${c}WebhookUrl`]),
    senders: createSenders(opts, log),
  };
  const delivery = createDelivery(ctx, {
    maxAttempts: opts.outboxMaxAttempts ?? 20,
    retryBaseMs: opts.outboxRetryBaseMs ?? 120_000,
  });
  const storms = createStorms(ctx, delivery, opts.digestWindowMs);

  return {
    async notify(outcome, event, send) {
      if (outcome.status !== 'diagnosed' || !outcome.diagnosis)
        return { status: 'skipped', reason: `outcome is ${outcome.status}`, deliveries: [] };
      if (outcome.diagnosis.kind === 'unrelated')
        return { status: 'skipped', reason: 'unrelated event', deliveries: [] };
      const summary = buildSummary(outcome, event, { mode: opts.mode, now: opts.clock.now() });
      return storms.coalesce(buildGroupKey(outcome, event), summary, `event|${outcome.eventId}`, false, send);
    },

    async notifyHeal(outcome, heal, event) {
      const followUp = buildHealFollowUp(outcome, heal, event, { mode: opts.mode, now: opts.clock.now() });
      return storms.coalesce(
        `heal|${heal.status}|${buildGroupKey(outcome, event)}`,
        followUp,
        `heal|${outcome.eventId}`,
        true,
      );
    },

    flushDigests: (flush = {}) => storms.flushDigests(flush),
    flushOutbox: (flush = {}) => delivery.flushOutbox(flush, isDigestMarker),
  };
}

/** `flushOutbox(deps)`: retry due outbox items with a notifier built from `deps` (e.g. from a timer or a CLI). */
export function flushOutbox(deps: NotifierOptions, opts: FlushOptions = {}): Promise<FlushResult> {
  return createNotifier(deps).flushOutbox(opts);
}

/** `flushDigests(deps)`: send the digests whose window has closed. */
export function flushDigests(deps: NotifierOptions, opts: FlushOptions = {}): Promise<FlushResult> {
  return createNotifier(deps).flushDigests(opts);
}

/**
 * The notifier the settings ask for: one channel per configured webhook URL, undefined when none is configured
 * (nobody is told). The one place the app, the CLI and the local harness build it from a Config.
 */
export function createNotifierFromConfig(
  config: Pick<Config, `${Channel}WebhookUrl` | 'mode' | 'digestWindowMs'>,
  deps: Pick<NotifierOptions, 'store' | 'clock' | 'log' | 'transports'> & Partial<Pick<NotifierOptions, 'sleep'>>,
): Notifier | undefined {
  const settings: ChannelSettings = {};
  for (const channel of CHANNEL_NAMES) {
    const url = config[`${channel}WebhookUrl`];
    if (url) settings[`${channel}WebhookUrl`] = url;
  }
  if (Object.keys(settings).length === 0) return undefined;
  return createNotifier({ ...settings, ...deps, mode: config.mode, digestWindowMs: config.digestWindowMs });
}
