/**
 * Delivery and the outbox: send one rendered body on one channel; what every in-line attempt failed to deliver is
 * kept in the outbox (rendered body only, never a URL) and retried later with growing delays. After
 * `outboxMaxAttempts` the message is written to the audit log (stage `notify`, status `dropped`): never silently lost.
 */
import type { Logger } from 'pino';
import { writeAudit } from '../audit';
import type { Clock, RemediatorMode } from '../model';
import type { Json, OutboxItem, StateStore } from '../store/port';
import { CHANNELS, type Channel } from './channels';
import type { NotificationMessage } from './message-types';
import { NOTIFY_PARTITIONS } from './partitions';
import { redactText } from './redact';
import type { Sender, SendOptions } from './send';
import { recordOutboxDepth, recordOutboxDrop } from '../telemetry/signals';

/** What the parts of a notifier share. */
export interface NotifyContext {
  store: StateStore;
  clock: Clock;
  log: Logger;
  mode: RemediatorMode;
  /** Webhook URLs, to redact from any text. */
  secrets: Array<string | undefined>;
  /** One sender per configured channel, in delivery order. */
  senders: ReadonlyMap<Channel, Sender>;
}

export interface ChannelDelivery {
  channel: Channel;
  status: 'delivered' | 'outboxed' | 'dropped';
  attempts: number;
  error?: string;
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

export interface FlushOptions {
  closeAll?: boolean;
}

export interface OutboxPolicy {
  /** Outbox attempts before the message is recorded as dropped. */
  maxAttempts: number;
  /** First outbox retry delay; doubles per attempt, capped at 6 h. */
  retryBaseMs: number;
}

/** Far enough in the future to include every pending item. */
export const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

export function toJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v)) as Json;
}

/** The webhook body of a message on a channel, as stored JSON. */
export function renderFor(channel: Channel, m: NotificationMessage): Json {
  return toJson(CHANNELS[channel].render(m));
}

export interface Delivery {
  /** Send one rendered body on one channel; on failure, into the outbox. */
  deliver(channel: Channel, body: Json, id: string, label: string, opts?: SendOptions): Promise<ChannelDelivery>;
  /** Render and send a message on every configured channel. */
  deliverAll(m: NotificationMessage, idBase: string, opts?: SendOptions): Promise<ChannelDelivery[]>;
  /** Retry the outbox items that are due (`closeAll`: every item). Digest markers are the storm's, not retried here. */
  flushOutbox(flush: FlushOptions, isMarker: (body: Json) => boolean): Promise<FlushResult>;
}

export function createDelivery(ctx: NotifyContext, policy: OutboxPolicy): Delivery {
  const { store, log } = ctx;

  const outboxDueAt = (attempts: number, retryAfterMs: number | undefined): string => {
    const backoff = Math.min(6 * 3600_000, policy.retryBaseMs * 2 ** Math.max(0, attempts - 1));
    return new Date(ctx.clock.now().getTime() + Math.max(backoff, retryAfterMs ?? 0)).toISOString();
  };

  const deliver: Delivery['deliver'] = async (channel, body, id, label, opts) => {
    const sender = ctx.senders.get(channel);
    if (!sender) return { channel, status: 'dropped', attempts: 0, error: 'channel not configured' };
    const r = await sender.send(body, opts);
    if (r.delivered) return { channel, status: 'delivered', attempts: r.attempts };
    const now = ctx.clock.now().toISOString();
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

  const nextAttempt = async (
    item: OutboxItem,
    error: string | undefined,
    retryAfterMs: number | undefined,
  ): Promise<'retried' | 'dropped'> => {
    const attempts = item.attempts + 1;
    const lastError = redactText(error ?? 'unknown error', ctx.secrets);
    if (attempts >= policy.maxAttempts) {
      log.error(
        { channel: item.channel, outboxId: item.id, attempts, error: lastError },
        'notification dropped after repeated failures; recorded in the audit log',
      );
      await writeAudit(
        { store, clock: ctx.clock, log, config: { mode: ctx.mode } },
        {
          eventId: item.id,
          stage: 'notify',
          status: 'dropped',
          detail: { channel: item.channel, attempts, lastError, body: item.body },
        },
      );
      await store.deleteOutbox(item.id);
      recordOutboxDrop(item.channel, 'max-attempts');
      return 'dropped';
    }
    await store.putOutbox({ ...item, attempts, dueAt: outboxDueAt(attempts, retryAfterMs), lastError });
    return 'retried';
  };

  return {
    deliver,
    deliverAll: async (m, idBase, opts) =>
      Promise.all(
        [...ctx.senders.keys()].map((channel) =>
          deliver(channel, renderFor(channel, m), `${channel}|${idBase}`, m.title, opts),
        ),
      ),
    async flushOutbox(flush, isMarker) {
      const result: FlushResult = { delivered: 0, retried: 0, dropped: 0, skipped: 0 };
      const due = (await store.listOutbox(flush.closeAll ? FAR_FUTURE : ctx.clock.now(), 200)).filter(
        (i) => !isMarker(i.body),
      );
      for (const item of due) {
        const sender = ctx.senders.get(item.channel);
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
            at: ctx.clock.now().toISOString(),
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
      // Due messages still waiting after this flush (retried later, or for a channel no longer configured).
      if (due.length > 0) recordOutboxDepth(result.retried + result.skipped);
      return result;
    },
  };
}
