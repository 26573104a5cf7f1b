/**
 * Step 5 of the pipeline: tell the team, off the critical path. It runs only once the event's work record is completed
 * (a crash here never loses the work, and a redelivery is a duplicate that tells nobody twice). Each message is
 * rendered and tried ONCE, briefly — at most NOTIFY_SHORT_TRY_MS, and never into the last second of the invocation
 * deadline; a webhook that hangs, throttles (429 Retry-After) or fails sends the message to the outbox, which the
 * outbox timer delivers later. A slow webhook never holds an Event Grid delivery.
 */
import type { Logger } from 'pino';
import { describeError } from './errors';
import type { FailureEvent, Outcome } from './model';
import type { Notifier } from './notify';
import { ATTR, SPAN, withSpan } from './telemetry/signals';
import { runWithinDeadline } from './work/deadline';
import type { WorkContext } from './work/work-context';

/** The one short try's bound. */
export const NOTIFY_SHORT_TRY_MS = 3000;
/** Kept free at the end of the invocation deadline (the response itself). */
const DEADLINE_RESERVE_MS = 1000;

export async function tellTeam(
  event: FailureEvent,
  outcomes: readonly Outcome[],
  deps: { notifier?: Notifier; log: Logger; work: WorkContext },
): Promise<void> {
  const { notifier, log, work } = deps;
  if (!notifier) return;
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.status !== 'diagnosed' || outcome.diagnosis?.kind === 'unrelated') continue;
    const about = i === 0 ? event : { ...event, id: outcome.eventId };
    const timeoutMs = Math.max(0, Math.min(NOTIFY_SHORT_TRY_MS, work.deadline.remainingMs() - DEADLINE_RESERVE_MS));
    await withSpan(SPAN.notify, { [ATTR.kind]: outcome.diagnosis?.kind }, async () => {
      try {
        // The store writes of grouping and the outbox are bounded too: the deadline is the backstop.
        await runWithinDeadline(
          notifier.notify(outcome, about, { shortTry: { timeoutMs } }),
          work.deadline,
          'the notification',
        );
      } catch (err) {
        log.error({ err: describeError(err) }, 'notification failed');
      }
    });
  }
}
