/**
 * The notifier: outcomes → Teams / Slack, calm during storms, never losing a message.
 *
 * Storms (across Function instances, through the StateStore):
 * - every outcome has a group key (same cause: kind + identity principal + registry; kind + caller + scope for
 *   arm-authz) and falls in a fixed window of `digestWindowMs`;
 * - the instance that claims `notify-group/{group}@{window}` sends the full message and leaves one digest marker per
 *   channel in the outbox, due at the end of the window; every other instance only counts (events, distinct
 *   revisions, distinct apps);
 * - `flushDigests()` (timer trigger, end of a simulate run) sends one digest per group and channel when more events
 *   joined ("14 more revisions of 3 apps failed for the same reason"), and drops the marker silently when none did.
 *
 * Delivery: per-channel rate limit (Teams ≤ 4/s, Slack ≤ 1/s per process), Retry-After, backoff with jitter; after
 * the last attempt the rendered body goes to the outbox; `flushOutbox()` retries it later with growing delays. After
 * `outboxMaxAttempts` the message is written to the audit log (stage `notify`, status `dropped`) and logged as an
 * error: never silently lost.
 *
 * Outbox bodies hold rendered messages only, never a URL: the URL is taken from the configuration at send time.
 */
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { FailureEvent, HealResult, Outcome, RemediatorMode } from '../model';
import type { Clock } from '../model';
import type { Json, OutboxItem, StateStore } from '../store/port';
import { describeWebhookHost, redactText } from './redact';
import {
  createSender,
  createSlackPost,
  createTeamsPost,
  RateLimiter,
  realSleep,
  type Channel,
  type PostFn,
  type Sender,
  type Sleep,
} from './send';
import { renderSlack } from './slack';
import { buildDigest } from './digest';
import { buildGroupKey } from './grouping';
import type { HealFollowUp, NotificationMessage, Summary } from './message-types';
import { buildHealFollowUp, buildSummary } from './summary';
import { renderTeams } from './teams';
import { truncateText } from './text';

export interface NotifierOptions {
  teamsWebhookUrl?: string;
  slackWebhookUrl?: string;
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
  /** Spacing between requests (default Teams 250 ms = 4/s, Slack 1000 ms = 1/s). */
  teamsMinIntervalMs?: number;
  slackMinIntervalMs?: number;
  /** Outbox attempts before the message is recorded as dropped (default 20, ≈ a day with the growing delays). */
  outboxMaxAttempts?: number;
  /** First outbox retry delay (default 2 min, the timer's period); doubles per attempt, capped at 6 h. */
  outboxRetryBaseMs?: number;
  requestTimeoutMs?: number;
  /** Replace the HTTP layer (benchmarks); default: real fetch / @slack/webhook posts. */
  posts?: Partial<Record<Channel, PostFn>>;
}

export interface ChannelDelivery {
  channel: Channel;
  status: 'delivered' | 'outboxed' | 'dropped';
  attempts: number;
  error?: string;
}

export interface NotifyResult {
  /** sent: this call sent a message; grouped: counted into the group's digest; skipped: nothing to say. */
  status: 'sent' | 'grouped' | 'skipped';
  groupKey?: string;
  reason?: string;
  deliveries: ChannelDelivery[];
}

export interface FlushResult {
  delivered: number;
  /** Still failing: back in the outbox, due later. */
  retried: number;
  /** Given up after outboxMaxAttempts (recorded in the audit log). */
  dropped: number;
  /** Digest markers with nothing to report (no further events), or items another instance is handling. */
  skipped: number;
}

export interface Notifier {
  notify(outcome: Outcome, event?: FailureEvent): Promise<NotifyResult>;
  notifyHeal(outcome: Outcome, heal: HealResult, event?: FailureEvent): Promise<NotifyResult>;
  /** Send the digests whose window has closed (`closeAll`: every pending digest, e.g. at the end of a simulate run). */
  flushDigests(opts?: FlushOptions): Promise<FlushResult>;
  /** Retry the outbox items that are due (`closeAll`: every item, due or not — a last chance at the end of a run). */
  flushOutbox(opts?: FlushOptions): Promise<FlushResult>;
}

export interface FlushOptions {
  closeAll?: boolean;
}

/** Far enough in the future to include every pending item. */
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

export const NOTIFY_PARTITIONS = {
  group: 'notify-group',
  count: 'notify-count',
  revision: 'notify-rev',
  revisions: 'notify-revs',
  app: 'notify-app',
  apps: 'notify-apps',
  appName: 'notify-app-name',
  digestSent: 'notify-digest-sent',
  outboxLease: 'notify-outbox-lease',
} as const;

const MAX_DIGEST_APP_NAMES = 20;

interface DigestMarker {
  kind: 'digest-marker';
  storyKey: string;
  windowStart: string;
  windowEnd: string;
  /** The first message was held back too (heals): one event → sent as itself, several → one digest of all. */
  deferred?: boolean;
}

function isDigestMarker(
  body: Json,
): body is Json & { kind: 'digest-marker'; storyKey: string; windowStart: string; windowEnd: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    body['kind'] === 'digest-marker' &&
    typeof body['storyKey'] === 'string'
  );
}

function toJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v)) as Json;
}

/** What is kept of the first message for the digest (Table properties hold ≤ 64 KiB: keep it small). */
function compactForStore(m: Summary | HealFollowUp): Summary | HealFollowUp {
  if (m.type === 'heal') return m;
  const c: Summary = {
    ...m,
    evidence: m.evidence.slice(0, 5).map((e) => truncateText(e, 300)),
    manualSteps: [],
    actions: m.actions.slice(0, 5).map((a) => ({ ...a, text: truncateText(a.text, 300) })),
    why: truncateText(m.why, 1000),
  };
  delete c.rawDetail;
  return c;
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const sleep = opts.sleep ?? realSleep;
  const monotonicNow = opts.monotonicNow ?? (() => performance.now());
  const log = opts.log.child({ component: 'notify' });
  const secrets = [opts.teamsWebhookUrl, opts.slackWebhookUrl];
  const senders = new Map<Channel, Sender>();
  const addSender = (channel: Channel, url: string | undefined, minIntervalMs: number): void => {
    if (!url) return;
    const post =
      opts.posts?.[channel] ??
      (channel === 'teams'
        ? createTeamsPost(url, opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {})
        : createSlackPost(url, opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {}));
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
  };
  addSender('teams', opts.teamsWebhookUrl, opts.teamsMinIntervalMs ?? 250);
  addSender('slack', opts.slackWebhookUrl, opts.slackMinIntervalMs ?? 1000);
  const outboxMaxAttempts = opts.outboxMaxAttempts ?? 20;
  const outboxRetryBaseMs = opts.outboxRetryBaseMs ?? 120_000;
  const store = opts.store;

  const render = (channel: Channel, m: NotificationMessage): Json =>
    toJson(channel === 'teams' ? renderTeams(m) : renderSlack(m));

  const outboxDueAt = (attempts: number, retryAfterMs: number | undefined): string => {
    const backoff = Math.min(6 * 3600_000, outboxRetryBaseMs * 2 ** Math.max(0, attempts - 1));
    return new Date(opts.clock.now().getTime() + Math.max(backoff, retryAfterMs ?? 0)).toISOString();
  };

  /** Send one rendered body on one channel; on failure, into the outbox. */
  const deliver = async (channel: Channel, body: Json, id: string, label: string): Promise<ChannelDelivery> => {
    const sender = senders.get(channel);
    if (!sender) return { channel, status: 'dropped', attempts: 0, error: 'channel not configured' };
    const r = await sender.send(body);
    if (r.delivered) return { channel, status: 'delivered', attempts: r.attempts };
    const now = opts.clock.now().toISOString();
    const item: OutboxItem = {
      id,
      channel,
      body,
      attempts: 1,
      dueAt: outboxDueAt(1, r.retryAfterMs),
      createdAt: now,
      lastError: r.error ?? 'unknown error',
    };
    await store.putOutbox(item);
    log.warn(
      { channel, host: sender.host, outboxId: id, attempts: r.attempts, error: r.error, label },
      'notification not delivered: kept in the outbox',
    );
    return { channel, status: 'outboxed', attempts: r.attempts, ...(r.error ? { error: r.error } : {}) };
  };

  const deliverAll = async (m: NotificationMessage, idBase: string): Promise<ChannelDelivery[]> =>
    Promise.all(
      [...senders.keys()].map((channel) => deliver(channel, render(channel, m), `${channel}|${idBase}`, m.title)),
    );

  /** The window an instant falls in. */
  const windowOf = (now: Date): { start: Date; end: Date } => {
    const w = opts.digestWindowMs;
    const start = Math.floor(now.getTime() / w) * w;
    return { start: new Date(start), end: new Date(start + w) };
  };

  /** Count one event into a claimed group's digest (events, distinct revisions, distinct apps). */
  const countInto = async (storyKey: string, m: Summary | HealFollowUp): Promise<void> => {
    await store.increment(NOTIFY_PARTITIONS.count, storyKey);
    if (
      m.revisionName &&
      (await store.claim(NOTIFY_PARTITIONS.revision, `${storyKey}|${m.appName ?? ''}|${m.revisionName}`, {}))
    )
      await store.increment(NOTIFY_PARTITIONS.revisions, storyKey);
    if (m.appName && (await store.claim(NOTIFY_PARTITIONS.app, `${storyKey}|${m.appName}`, {}))) {
      const n = await store.increment(NOTIFY_PARTITIONS.apps, storyKey);
      if (n <= MAX_DIGEST_APP_NAMES)
        await store.claim(NOTIFY_PARTITIONS.appName, `${storyKey}#${n}`, { app: m.appName });
    }
  };

  /**
   * Claim the group for this window (send now) or count into it (digest later). With `deferFirst` (heals) nothing is
   * sent now: at the end of the window one heal is told as itself, several as one digest of all of them.
   */
  const coalesce = async (
    groupKey: string,
    first: Summary | HealFollowUp,
    idBase: string,
    deferFirst = false,
  ): Promise<NotifyResult> => {
    if (senders.size === 0) return { status: 'skipped', reason: 'no channel configured', deliveries: [] };
    if (opts.digestWindowMs <= 0) return { status: 'sent', groupKey, deliveries: await deliverAll(first, idBase) };
    const now = opts.clock.now();
    const win = windowOf(now);
    const storyKey = `${groupKey}@${win.start.toISOString()}`;
    const claimed = await store.claim(NOTIFY_PARTITIONS.group, storyKey, {
      first: toJson(compactForStore(first)),
      windowStart: win.start.toISOString(),
      windowEnd: win.end.toISOString(),
      eventId: first.eventId,
    });
    try {
      if (claimed) {
        // The digest marker goes in first: a crash after the claim still ends in a digest.
        for (const channel of senders.keys()) {
          const marker: DigestMarker = {
            kind: 'digest-marker',
            storyKey,
            windowStart: win.start.toISOString(),
            windowEnd: win.end.toISOString(),
            ...(deferFirst ? { deferred: true } : {}),
          };
          await store.putOutbox({
            id: `digest|${channel}|${storyKey}`,
            channel,
            body: toJson(marker),
            attempts: 0,
            dueAt: win.end.toISOString(),
            createdAt: now.toISOString(),
          });
        }
        if (!deferFirst) return { status: 'sent', groupKey, deliveries: await deliverAll(first, idBase) };
      }
      await countInto(storyKey, first);
    } catch (err) {
      if (claimed && !deferFirst) throw err;
      // The group's message is out (or its marker is in); a lost count only makes the digest undercount.
      log.warn(
        { groupKey, err: redactText(err instanceof Error ? err.message : String(err), secrets) },
        'could not count an event into its digest',
      );
      return { status: 'grouped', groupKey, reason: 'digest count failed', deliveries: [] };
    }
    log.debug({ groupKey }, 'notification grouped into the digest');
    return {
      status: 'grouped',
      groupKey,
      ...(claimed ? { reason: 'told at the end of the window' } : {}),
      deliveries: [],
    };
  };

  const nextAttempt = async (
    item: OutboxItem,
    error: string | undefined,
    retryAfterMs: number | undefined,
  ): Promise<'retried' | 'dropped'> => {
    const attempts = item.attempts + 1;
    const lastError = redactText(error ?? 'unknown error', secrets);
    if (attempts >= outboxMaxAttempts) {
      log.error(
        { channel: item.channel, outboxId: item.id, attempts, error: lastError },
        'notification dropped after repeated failures; recorded in the audit log',
      );
      await store.appendAudit({
        id: `${opts.clock.now().toISOString()}-notify-${item.id}`,
        at: opts.clock.now().toISOString(),
        eventId: item.id,
        mode: opts.mode,
        stage: 'notify',
        status: 'dropped',
        detail: { channel: item.channel, attempts, lastError, body: item.body },
      });
      await store.deleteOutbox(item.id);
      return 'dropped';
    }
    await store.putOutbox({ ...item, attempts, dueAt: outboxDueAt(attempts, retryAfterMs), lastError });
    return 'retried';
  };

  return {
    async notify(outcome, event) {
      if (outcome.status !== 'diagnosed' || !outcome.diagnosis)
        return { status: 'skipped', reason: `outcome is ${outcome.status}`, deliveries: [] };
      if (outcome.diagnosis.kind === 'unrelated')
        return { status: 'skipped', reason: 'unrelated event', deliveries: [] };
      const summary = buildSummary(outcome, event, { mode: opts.mode, now: opts.clock.now() });
      return coalesce(buildGroupKey(outcome, event), summary, `event|${outcome.eventId}`);
    },

    async notifyHeal(outcome, heal, event) {
      const followUp = buildHealFollowUp(outcome, heal, event, { mode: opts.mode, now: opts.clock.now() });
      return coalesce(
        `heal|${heal.status}|${buildGroupKey(outcome, event)}`,
        followUp,
        `heal|${outcome.eventId}`,
        true,
      );
    },

    async flushDigests(flush = {}) {
      const result: FlushResult = { delivered: 0, retried: 0, dropped: 0, skipped: 0 };
      const due = (await store.listOutbox(flush.closeAll ? FAR_FUTURE : opts.clock.now(), 500)).filter((i) =>
        isDigestMarker(i.body),
      );
      for (const item of due) {
        const marker = item.body as unknown as DigestMarker;
        const count = await store.readCounter(NOTIFY_PARTITIONS.count, marker.storyKey);
        if (count === 0 && !marker.deferred) {
          await store.deleteOutbox(item.id);
          result.skipped++;
          continue;
        }
        // One instance sends each digest.
        if (
          !(await store.claim(NOTIFY_PARTITIONS.digestSent, `${item.channel}|${marker.storyKey}`, {
            at: opts.clock.now().toISOString(),
          }))
        ) {
          result.skipped++;
          continue;
        }
        const group = await store.get(NOTIFY_PARTITIONS.group, marker.storyKey);
        const first = group?.value['first'] as unknown as Summary | HealFollowUp | undefined;
        if (!first) {
          log.error({ storyKey: marker.storyKey }, 'digest marker without its group record; dropped');
          await store.deleteOutbox(item.id);
          result.dropped++;
          continue;
        }
        if (marker.deferred && count <= 1) {
          // A held-back message that nothing joined: tell it as itself.
          await store.deleteOutbox(item.id);
          const d = await deliver(
            item.channel,
            render(item.channel, first),
            `${item.channel}|held|${marker.storyKey}`,
            first.title,
          );
          if (d.status === 'delivered') result.delivered++;
          else if (d.status === 'outboxed') result.retried++;
          else result.dropped++;
          continue;
        }
        const appCount = Math.min(
          await store.readCounter(NOTIFY_PARTITIONS.apps, marker.storyKey),
          MAX_DIGEST_APP_NAMES,
        );
        const apps: string[] = [];
        for (let n = 1; n <= appCount; n++) {
          const rec = await store.get(NOTIFY_PARTITIONS.appName, `${marker.storyKey}#${n}`);
          const app = rec?.value['app'];
          if (typeof app === 'string') apps.push(app);
        }
        const totalApps = await store.readCounter(NOTIFY_PARTITIONS.apps, marker.storyKey);
        for (let n = apps.length; n < totalApps; n++) apps.push(`(app ${n + 1})`);
        const revisions = await store.readCounter(NOTIFY_PARTITIONS.revisions, marker.storyKey);
        const digest = buildDigest({
          key: marker.storyKey,
          first,
          count,
          ...(marker.deferred ? { includesFirst: true } : {}),
          apps,
          revisions,
          window: { start: marker.windowStart, end: marker.windowEnd },
        });
        await store.deleteOutbox(item.id);
        const d = await deliver(
          item.channel,
          render(item.channel, digest),
          `${item.channel}|digest-rendered|${marker.storyKey}`,
          digest.title,
        );
        if (d.status === 'delivered') result.delivered++;
        else if (d.status === 'outboxed') result.retried++;
        else result.dropped++;
      }
      return result;
    },

    async flushOutbox(flush = {}) {
      const result: FlushResult = { delivered: 0, retried: 0, dropped: 0, skipped: 0 };
      const due = (await store.listOutbox(flush.closeAll ? FAR_FUTURE : opts.clock.now(), 200)).filter(
        (i) => !isDigestMarker(i.body),
      );
      for (const item of due) {
        const sender = senders.get(item.channel);
        if (!sender) {
          log.warn(
            { channel: item.channel, outboxId: item.id },
            'outbox item for a channel that is not configured; left in the outbox',
          );
          result.skipped++;
          continue;
        }
        // One instance per attempt of an item.
        if (
          !(await store.claim(NOTIFY_PARTITIONS.outboxLease, `${item.id}#${item.attempts}`, {
            at: opts.clock.now().toISOString(),
          }))
        ) {
          result.skipped++;
          continue;
        }
        const r = await sender.send(item.body);
        if (r.delivered) {
          await store.deleteOutbox(item.id);
          log.info(
            { channel: item.channel, host: sender.host, outboxId: item.id, outboxAttempts: item.attempts + 1 },
            'outbox notification delivered',
          );
          result.delivered++;
        } else if ((await nextAttempt(item, r.error, r.retryAfterMs)) === 'dropped') result.dropped++;
        else result.retried++;
      }
      return result;
    },
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
  config: Pick<Config, 'teamsWebhookUrl' | 'slackWebhookUrl' | 'mode' | 'digestWindowMs'>,
  deps: Pick<NotifierOptions, 'store' | 'clock' | 'log'> & Partial<Pick<NotifierOptions, 'sleep'>>,
): Notifier | undefined {
  if (!config.teamsWebhookUrl && !config.slackWebhookUrl) return undefined;
  return createNotifier({
    ...(config.teamsWebhookUrl ? { teamsWebhookUrl: config.teamsWebhookUrl } : {}),
    ...(config.slackWebhookUrl ? { slackWebhookUrl: config.slackWebhookUrl } : {}),
    ...deps,
    mode: config.mode,
    digestWindowMs: config.digestWindowMs,
  });
}
