/**
 * A later event of a failure tied to the story that took it on (src/work/failure-link.ts), before its own diagnosis
 * can misread a world that story already changed:
 * - the story completed → a `duplicate` answering with its outcome (a recent permanent failure likewise);
 * - its lease is live elsewhere → a transient error (never acknowledged: Event Grid retries once it is done);
 * - held by this very delivery (two events of the failure in one batch) → waited for, then read again;
 * - its owner stopped (lease expired or given back) → the story's plan is carried out (a takeover);
 * - it failed and may be tried again → diagnosed afresh; a diagnosis that is no longer this story carries the plan.
 */
import type { Logger } from 'pino';
import type { ArmPort } from './azure/arm-port';
import { writeAudit } from './audit';
import type { Config } from './config';
import { diagnose } from './diagnose';
import type { Clock, Diagnosis, FailureEvent, Outcome } from './model';
import { planActions } from './remediate';
import type { StateStore } from './store/port';
import { storyKeyOf } from './story';
import { annotateSpan, ATTR, recordDiagnosis, recordTimeToDiagnoseMs, SPAN, withSpan } from './telemetry/signals';
import { runWithinDeadline } from './work/deadline';
import { readFailureLink, type FailureLink } from './work/failure-link';
import { describeStoredOutcome, modeKey } from './work/stored-outcome';
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
  arm: ArmPort;
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

/**
 * The event's diagnosis, or its answer as part of the failure's story. Diagnoses (reads ARM) unless an earlier
 * delivery of this event (`resumed`), or the story's owner, noted a plan and stopped: the world may show half of the
 * fix by now (a role written, not yet recorded), which a new diagnosis would misread. `resumed` in the answer: the
 * plan to carry out.
 */
export async function diagnoseOrTie(
  event: FailureEvent,
  linkKey: string | undefined,
  base: Pick<Outcome, 'eventId' | 'mode' | 'correlationId'>,
  deps: TieDeps,
  resumed: StoredPlan | undefined,
): Promise<{ answered: Outcome } | { diagnosis: Diagnosis; resumed?: StoredPlan }> {
  let tie: Tie = linkKey ? await tieToStory(linkKey, base, deps) : { kind: 'none' };
  if (tie.kind === 'answered') return { answered: tie.outcome };
  const carried = tie.kind === 'carry' ? tie.plan : resumed;
  if (carried) return { diagnosis: carried.diagnosis, resumed: carried };
  const diagnosis = await diagnoseTraced(event, deps);
  if (!linkKey) return { diagnosis };
  // A diagnosis that plans no change may have read a world the failure's story changed while it looked: ask again.
  if (tie.kind === 'none' && !plansAChange(diagnosis, deps.config)) tie = await tieToStory(linkKey, base, deps);
  if (tie.kind === 'answered') return { answered: tie.outcome };
  if (tie.kind === 'carry') return { diagnosis: tie.plan.diagnosis, resumed: tie.plan };
  // Failed, open again, and no longer read as that story (a half-fixed world): the story's plan is carried out.
  const stale = tie.kind === 'retry' ? tie.link.plan : undefined;
  if (stale && storyKeyFor(diagnosis, event, deps.config.mode, deps.clock) !== stale.storyKey)
    return { diagnosis: stale.diagnosis, resumed: stale };
  return { diagnosis };
}

/** Diagnose one event (reads ARM), traced and counted. */
export async function diagnoseTraced(event: FailureEvent, deps: TieDeps): Promise<Diagnosis> {
  const { log } = deps;
  const diagnosis = await withSpan(SPAN.diagnose, { [ATTR.resourceId]: event.resourceId }, async (span) => {
    const d = await diagnose(event, { arm: deps.arm, clock: deps.clock, config: deps.config, log });
    annotateSpan(span, { [ATTR.kind]: d.kind });
    return d;
  });
  log.info(
    { kind: diagnosis.kind, ...(event.focusLoginServer ? { loginServer: event.focusLoginServer } : {}) },
    diagnosis.summary,
  );
  recordDiagnosis(diagnosis.kind, deps.config.mode);
  recordTimeToDiagnoseMs(deps.clock.now().getTime() - Date.parse(event.time), diagnosis.kind);
  return diagnosis;
}

/** The story key of a diagnosed failure in this mode. */
export function storyKeyFor(d: Diagnosis, event: FailureEvent, mode: string, clock: Clock): string {
  return modeKey(mode, storyKeyOf(d, event, clock));
}

/** Whether a diagnosis plans any change to the world (not only manual steps). */
function plansAChange(d: Diagnosis, config: Readonly<Config>): boolean {
  return planActions(d, config).some((a) => a.status !== 'manual');
}
