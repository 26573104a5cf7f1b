/**
 * A heal step given up on: its message went to the poison queue (the Functions host moves a queue message there after
 * maxDequeueCount failed deliveries, 5 by default), or the in-memory scheduler ran out of deliveries. The work it held
 * is closed so nothing stays `scheduled` for ever:
 * - a redeploy not written: the fix record becomes `failed` with `retryAfter` (a later event may try again);
 * - a health check: its step record is completed as `still-failing`, so a stray redelivery does not check again;
 * and the audit says `abandoned`. Once per step (its own work record): the poison message may be delivered twice.
 */
import { writeAudit } from '../audit';
import { beginUnit, createWorkContext } from '../work/work-context';
import { reopenWork, workBusyError } from '../work/work-store';
import { describeRedeployAttempt } from './heal-attempts';
import type { HealTask } from './heal-task';
import type { RemediateDeps } from './write';

export interface Abandoned {
  /** false: this step was abandoned before (a redelivered poison message); nothing was done again. */
  first: boolean;
  /** What was closed, in words. */
  closed: string;
}

export async function abandonHealTask(task: HealTask, why: string, deps: RemediateDeps): Promise<Abandoned> {
  const work = deps.work ?? createWorkContext(deps.config.invocationDeadlineMs);
  const nowMs = (): number => deps.clock.now().getTime();
  const once = await beginUnit(deps.store, 'heal', `abandoned|${task.id}`, work, deps.clock, task.eventId);
  if (once.kind === 'busy') throw workBusyError('heal', `abandoned|${task.id}`, once.record);
  if (once.kind !== 'acquired') {
    const was = once.kind === 'completed' ? once.record.outcome['closed'] : undefined;
    const said = once.kind === 'failed' ? once.record.reason : typeof was === 'string' ? was : 'closed';
    return { first: false, closed: said };
  }
  try {
    const step = task.phase === 'redeploy' ? await closeRedeploy(task, why, deps) : await closeCheck(task, why, deps);
    const reopened =
      task.storyKey !== undefined &&
      (await reopenWork(
        deps.store,
        'story',
        task.storyKey,
        `heal abandoned: ${why}`,
        nowMs(),
        deps.config.fixRetryAfterMs,
      ));
    const closed = reopened ? `${step}; the story is open again to a later event` : step;
    await writeAudit(deps, {
      eventId: task.eventId,
      ...(task.correlationId ? { correlationId: task.correlationId } : {}),
      resourceId: task.appId,
      stage: 'heal',
      status: 'abandoned',
      detail: { phase: task.phase, attempt: task.attempt, step: task.id, reason: why, closed },
    });
    await once.lease.complete({ status: 'abandoned', closed }, nowMs());
    return { first: true, closed };
  } catch (err) {
    await once.lease.release(nowMs()).catch(() => undefined);
    throw err;
  }
}

async function closeRedeploy(task: HealTask, why: string, deps: RemediateDeps): Promise<string> {
  const work = deps.work ?? createWorkContext(deps.config.invocationDeadlineMs);
  const { claimKey } = describeRedeployAttempt(task);
  const r = await beginUnit(deps.store, 'fix', claimKey, work, deps.clock, task.eventId, { takeScheduled: true });
  switch (r.kind) {
    case 'busy':
      throw workBusyError('fix', claimKey, r.record);
    case 'completed':
      return 'the redeploy had been written; nothing left open';
    case 'failed':
      return `the redeploy was already recorded failed (${r.record.reason})`;
    case 'scheduled':
      return 'the redeploy is still scheduled';
    case 'acquired': {
      const retryAfterMs = deps.config.fixRetryAfterMs;
      const at = new Date(deps.clock.now().getTime() + retryAfterMs).toISOString();
      await r.lease.fail(`heal step abandoned: ${why}`, deps.clock.now().getTime(), retryAfterMs);
      return `the redeploy is recorded failed; a later event may try again after ${at}`;
    }
  }
}

async function closeCheck(task: HealTask, why: string, deps: RemediateDeps): Promise<string> {
  const work = deps.work ?? createWorkContext(deps.config.invocationDeadlineMs);
  const r = await beginUnit(deps.store, 'heal', task.id, work, deps.clock, task.eventId);
  if (r.kind === 'busy') throw workBusyError('heal', task.id, r.record);
  if (r.kind !== 'acquired') return 'the health check had recorded its result';
  await r.lease.complete(
    {
      status: 'still-failing',
      ...(task.newRevisionName ? { revisionName: task.newRevisionName } : {}),
      detail: `health check abandoned: ${why}`,
    },
    deps.clock.now().getTime(),
  );
  return `the health check of ${task.newRevisionName ?? 'the new revision'} is recorded still-failing (abandoned)`;
}
