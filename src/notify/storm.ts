/**
 * Storms, across Function instances, through the StateStore:
 * - every outcome has a group key (src/notify/grouping.ts) and falls in a fixed window of `digestWindowMs`;
 * - the instance that claims `notify-group/{group}@{window}` sends the full message and leaves one digest marker per
 *   channel in the outbox, due at the end of the window; every other instance only counts (events, distinct
 *   revisions, distinct apps);
 * - `flushDigests()` sends one digest per group and channel when more events joined ("14 more revisions of 3 apps
 *   failed for the same reason"), and drops the marker silently when none did.
 */
import { describeError } from '../errors';
import type { Json } from '../store/port';
import { buildDigest } from './digest';
import type { HealFollowUp, Summary } from './message-types';
import {
  FAR_FUTURE,
  renderFor,
  toJson,
  type ChannelDelivery,
  type Delivery,
  type FlushOptions,
  type FlushResult,
  type NotifyContext,
} from './outbox';
import { NOTIFY_PARTITIONS } from './partitions';
import { redactText } from './redact';
import type { SendOptions } from './send';
import { truncateText } from './text';

export interface NotifyResult {
  /** sent: this call sent a message; grouped: counted into the group's digest; skipped: nothing to say. */
  status: 'sent' | 'grouped' | 'skipped';
  groupKey?: string;
  reason?: string;
  deliveries: ChannelDelivery[];
}

const MAX_DIGEST_APP_NAMES = 20;

interface DigestMarker {
  kind: 'digest-marker';
  storyKey: string;
  windowStart: string;
  windowEnd: string;
  /** The first message was held back too (heals): one event → sent as itself, several → one digest of all. */
  deferred?: boolean;
}

export function isDigestMarker(
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
  delete c.evidenceForPeople;
  return c;
}

export interface Storms {
  /**
   * Claim the group for this window (send now) or count into it (digest later). With `deferFirst` (heals) nothing is
   * sent now: at the end of the window one heal is told as itself, several as one digest of all of them.
   */
  coalesce(
    groupKey: string,
    first: Summary | HealFollowUp,
    idBase: string,
    deferFirst?: boolean,
    /** How the first message is sent now (`shortTry`: once, briefly; else the outbox). */
    send?: SendOptions,
  ): Promise<NotifyResult>;
  /** Send the digests whose window has closed (`closeAll`: every pending digest). */
  flushDigests(flush: FlushOptions): Promise<FlushResult>;
}

export function createStorms(ctx: NotifyContext, delivery: Delivery, digestWindowMs: number): Storms {
  const { store, log } = ctx;

  /** The window an instant falls in. */
  const windowOf = (now: Date): { start: Date; end: Date } => {
    const w = digestWindowMs;
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

  /** The app names counted into a group (the first ones, then placeholders). */
  const appsOf = async (storyKey: string): Promise<string[]> => {
    const appCount = Math.min(await store.readCounter(NOTIFY_PARTITIONS.apps, storyKey), MAX_DIGEST_APP_NAMES);
    const apps: string[] = [];
    for (let n = 1; n <= appCount; n++) {
      const rec = await store.get(NOTIFY_PARTITIONS.appName, `${storyKey}#${n}`);
      const app = rec?.value['app'];
      if (typeof app === 'string') apps.push(app);
    }
    const totalApps = await store.readCounter(NOTIFY_PARTITIONS.apps, storyKey);
    for (let n = apps.length; n < totalApps; n++) apps.push(`(app ${n + 1})`);
    return apps;
  };

  const tally = (result: FlushResult, status: 'delivered' | 'outboxed' | 'dropped'): void => {
    if (status === 'delivered') result.delivered++;
    else if (status === 'outboxed') result.retried++;
    else result.dropped++;
  };

  return {
    async coalesce(groupKey, first, idBase, deferFirst = false, send = {}) {
      if (ctx.senders.size === 0) return { status: 'skipped', reason: 'no channel configured', deliveries: [] };
      if (digestWindowMs <= 0)
        return { status: 'sent', groupKey, deliveries: await delivery.deliverAll(first, idBase, send) };
      const now = ctx.clock.now();
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
          for (const channel of ctx.senders.keys()) {
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
          if (!deferFirst)
            return { status: 'sent', groupKey, deliveries: await delivery.deliverAll(first, idBase, send) };
        }
        await countInto(storyKey, first);
      } catch (err) {
        if (claimed && !deferFirst) throw err;
        // The group's message is out (or its marker is in); a lost count only makes the digest undercount.
        log.warn(
          { groupKey, err: redactText(describeError(err).message, ctx.secrets) },
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
    },

    async flushDigests(flush) {
      const result: FlushResult = { delivered: 0, retried: 0, dropped: 0, skipped: 0 };
      const due = (await store.listOutbox(flush.closeAll ? FAR_FUTURE : ctx.clock.now(), 500)).filter((i) =>
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
            at: ctx.clock.now().toISOString(),
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
          const d = await delivery.deliver(
            item.channel,
            renderFor(item.channel, first),
            `${item.channel}|held|${marker.storyKey}`,
            first.title,
          );
          tally(result, d.status);
          continue;
        }
        const apps = await appsOf(marker.storyKey);
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
        const d = await delivery.deliver(
          item.channel,
          renderFor(item.channel, digest),
          `${item.channel}|digest-rendered|${marker.storyKey}`,
          digest.title,
        );
        tally(result, d.status);
      }
      return result;
    },
  };
}
