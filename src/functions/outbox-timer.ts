/**
 * `outboxRetry`: every 2 minutes, send the digests whose window has closed and retry undelivered notifications
 * from the outbox (StateStore), with the process-wide notifier built by src/runtime.ts (getRuntimeDeps).
 * A failure fails the invocation (the host logs it); the next tick tries again — nothing is removed from the outbox
 * unless it was delivered.
 */
import { type InvocationContext, type Timer } from '@azure/functions';
import type { FlushResult, Notifier } from '../notify';
import { getRuntimeDeps } from '../runtime';

export { OUTBOX_TIMER_SCHEDULE } from './outbox-schedule';

export interface OutboxTimerResult {
  digests: FlushResult;
  outbox: FlushResult;
}

/** Flush digests, then the outbox. `undefined` notifier = no channel configured: nothing to do. */
export async function runOutboxRetry(notifier: Notifier | undefined): Promise<OutboxTimerResult | undefined> {
  if (!notifier) return undefined;
  const digests = await notifier.flushDigests();
  const outbox = await notifier.flushOutbox();
  return { digests, outbox };
}

export function makeOutboxTimerHandler(
  getNotifier: () => Promise<Notifier | undefined>,
): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (timer, context) => {
    const notifier = await getNotifier();
    const r = await runOutboxRetry(notifier);
    if (!r) return;
    const sent = r.digests.delivered + r.outbox.delivered;
    if (sent || r.outbox.retried || r.outbox.dropped || r.digests.retried || timer.isPastDue) {
      context.log(
        `outbox: ${r.digests.delivered} digest(s) and ${r.outbox.delivered} retried message(s) delivered; ${r.outbox.retried + r.digests.retried} still pending; ${r.outbox.dropped + r.digests.dropped} dropped${timer.isPastDue ? ' (timer past due)' : ''}`,
      );
    }
  };
}

/** The process-wide notifier (src/runtime.ts): the same rate limiters as the event triggers in this instance. */
export const getRuntimeNotifier = async (): Promise<Notifier | undefined> => (await getRuntimeDeps()).notifier;
