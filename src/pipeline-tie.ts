/**
 * A later event of a failure tied to the story that took it on (src/work/failure-link.ts), before its own diagnosis
 * can misread a world that story already changed:
 * - the story completed → a `duplicate` answering with its outcome (a recent permanent failure likewise);
 * - its lease is live elsewhere → a transient error (never acknowledged: Event Grid retries once it is done);
 * - held by this very delivery (two events of the failure in one batch) → waited for, then read again;
 * - its owner stopped (lease expired or given back) → the story's plan is carried out (a takeover);
 * - it failed and may be tried again → diagnosed afresh; a diagnosis that is no longer this story carries the plan.
 */
import { writeAudit } from './audit';
import type { Clock, Outcome } from './model';
import type { StateStore } from './store/port';
import type { Config } from './config';
import type { Logger } from 'pino';
import { runWithinDeadline } from './work/deadline';
import { readFailureLink, type FailureLink } from './work/failure-link';
import { describeStoredOutcome } from './work/stored-outcome';
import type { StoredPlan } from './work/stored-plan';
import type { WorkContext } from './work/work-context';
import { readStoredPlan } from './work/stored-plan';
import { readWork, workBusyError } from './work/work-store';

export type Tie =
  | { kind: 'answered'; outcome: Outcome }
  | { kind: 'carry'; plan: StoredPlan }
  | { kind: 'retry'; link: FailureLink }
  | { kind: 'none' };

export interface TieDeps {
  store: StateStore;
  clock: Clock;
  config: Readonly<Config>;
  log: Logger;
  work: WorkContext;
}

/** What the failure's story says about a later event `eventId` of it (`base`: the outcome's id fields). */
export async function tieToStory(
  failureKey: string,
  base: Pick<Outcome, 'eventId' | 'mode' | 'correlationId'>,
  deps: TieDeps,
): Promise<Tie> {
  const link = await readFailureLink(deps.store, failureKey);
  if (!link) return { kind: 'none' };
  const { work } = deps;
  const id = `story|${link.storyKey}`;
  for (;;) {
    const mine = work.held.get(id);
    if (mine) {
      await runWithinDeadline(mine, work.deadline, `waiting for story ${link.storyKey} held by this delivery`);
      continue;
    }
    const rec = await readWork(deps.store, 'story', link.storyKey);
    const nowMs = deps.clock.now().getTime();
    switch (rec?.state) {
      case undefined:
      case 'scheduled':
        return { kind: 'none' };
      case 'in-progress': {
        if (Date.parse(rec.lease.expiresAt) > nowMs) throw workBusyError('story', link.storyKey, rec);
        const plan = readStoredPlan(rec.plan) ?? link.plan;
        return plan ? { kind: 'carry', plan } : { kind: 'none' };
      }
      case 'completed': {
        const kind = typeof rec.outcome['kind'] === 'string' ? rec.outcome['kind'] : link.plan?.diagnosis.kind;
        return answer(base, link, rec.eventId, kind, describeStoredOutcome(rec.outcome), deps);
      }
      case 'failed':
        if (Date.parse(rec.retryAfter) > nowMs)
          return answer(base, link, rec.eventId, link.plan?.diagnosis.kind, `failed: ${rec.reason}`, deps);
        return { kind: 'retry', link };
    }
  }
}

async function answer(
  base: Pick<Outcome, 'eventId' | 'mode' | 'correlationId'>,
  link: FailureLink,
  storyEventId: string,
  kind: string | undefined,
  said: string,
  deps: TieDeps,
): Promise<Tie> {
  const owner = storyEventId || link.eventId || 'another event';
  deps.log.info({ storyKey: link.storyKey, handledBy: owner }, 'a later event of a failure already taken on');
  await writeAudit(deps, {
    eventId: base.eventId,
    ...(link.plan ? { resourceId: link.plan.diagnosis.resourceId } : {}),
    stage: 'diagnosed',
    status: 'duplicate',
    ...(kind ? { kind } : {}),
    detail: { storyKey: link.storyKey, handledBy: owner, tiedBy: 'failure' },
  });
  const reason = `same failure (${kind ?? 'one story'}) is handled by event ${owner}: ${said}`;
  return { kind: 'answered', outcome: { ...base, status: 'duplicate', reason } };
}
