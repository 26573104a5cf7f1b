/**
 * The heal task: redeploy a failed revision (after a propagation wait where a role was just created), then check that
 * the new revision runs, retrying the check up to `healCheckAttempts` times `healCheckDelayMs` apart.
 *
 * Waiting never holds a Function invocation: each step is a `HealTask` handed to a `HealScheduler`:
 * - Azure: a Storage Queue message with `visibilityTimeout` = delay, consumed by src/functions/heal-check.ts;
 * - emulator / simulate / tests: `ClockedScheduler`, which keeps tasks in memory and runs them on an injected clock.
 * Both run the SAME `runHealTask`.
 */
import type { RevisionInfo } from '../azure/arm-port';
import { parseResourceId } from '../azure/ids';
import { describeErrorMessage, isTransientError } from '../errors';
import type { Json } from '../store/port';
import { beginUnit, createWorkContext, passCheckpoint } from '../work/work-context';
import { readWorkRecord, toWorkValue, workBusyError, workPartition } from '../work/work-store';
import {
  describeRedeployAttempt,
  finishAdaptiveHeal,
  holdAppForAttempt,
  isAdaptiveHeal,
  recordRedeployWrite,
  releaseApp,
  scheduleNextAttempt,
} from './heal-attempts';
import { abandonHealTask } from './heal-abandon';
import { isJobId, watchJobForImage } from './heal-job';
import type { HealScheduler, HealStepResult, HealTask } from './heal-task';
import { guardAndWrite, readFixFacts, type RemediateDeps } from './write';
import { recordTimeToHealMs } from '../telemetry/signals';

/** Like the Functions queue trigger's maxDequeueCount (default 5): then the message would go to the poison queue. */
const MAX_DELIVERIES = 5;

const RUNNING_STATES = new Set(['running', 'runningatmaxscale']);

export function isRevisionRunning(rev: RevisionInfo): boolean {
  return (
    RUNNING_STATES.has((rev.runningState ?? '').toLowerCase()) &&
    (rev.provisioningState ?? 'Provisioned').toLowerCase() === 'provisioned'
  );
}

export function isRevisionFailed(rev: RevisionInfo): boolean {
  return (
    (rev.provisioningState ?? '').toLowerCase() === 'failed' || (rev.runningState ?? '').toLowerCase() === 'failed'
  );
}

/** Run one heal step. Throws only transient faults (the queue redelivers the message). */
export async function runHealTask(task: HealTask, deps: RemediateDeps): Promise<HealStepResult> {
  const result = await runHealStep(task, deps);
  // The end of a heal (not a step that scheduled another): from the failure to now, or to when the revision ran.
  if (!result.rescheduled && (result.status === 'healed' || result.status === 'still-failing'))
    recordTimeToHealMs(result.healedAfterMs ?? deps.clock.now().getTime() - Date.parse(task.failedAt), result.status);
  return result;
}

async function runHealStep(task: HealTask, deps: RemediateDeps): Promise<HealStepResult> {
  const log = deps.log.child({ eventId: task.eventId, appId: task.appId, healTask: task.id, phase: task.phase });
  const adaptive = isAdaptiveHeal(task, deps.config);
  const work = deps.work ?? createWorkContext(deps.config.invocationDeadlineMs);
  deps = { ...deps, work };
  if (task.phase === 'redeploy') {
    // Adaptive: one attempt in flight per app (another heal's attempt being checked goes first).
    const waiting = adaptive ? await holdAppForAttempt(task, deps) : undefined;
    if (waiting) return waiting;
    const attempt = describeRedeployAttempt(task);
    const notDone = async (detail: string): Promise<HealStepResult> => {
      if (adaptive) await releaseApp(task, deps);
      return {
        status: 'still-failing',
        ...(task.failedRevisionName ? { revisionName: task.failedRevisionName } : {}),
        detail,
      };
    };
    // The attempt's fix record: the executor scheduled the first one; a later attempt takes its own.
    const r = await beginUnit(deps.store, 'fix', attempt.claimKey, work, deps.clock, task.eventId, {
      takeScheduled: true,
    });
    let revisionName: string | undefined;
    let provisioningError: string | undefined;
    switch (r.kind) {
      case 'busy':
        throw workBusyError('fix', attempt.claimKey, r.record);
      case 'completed':
        // A redelivered message after the write: the record names the revision, go straight to checking.
        revisionName = readFixFacts(r.record.outcome).revisionName;
        break;
      case 'failed':
        return notDone(`redeploy failed: ${r.record.reason}`);
      case 'scheduled':
        return notDone('the redeploy is still scheduled');
      case 'acquired':
        if (attempt.n === 1 && r.previous === undefined) {
          // Nothing was scheduled (the work was given back): the redelivered event does it, not this stale message.
          await r.lease.release(deps.clock.now().getTime());
          return notDone('the redeploy is no longer scheduled: a later delivery handles the failure');
        }
        break;
    }
    if (r.kind === 'acquired') {
      await passCheckpoint(work, 'heal-claimed:redeploy');
      // The write's own failure event (Event Grid) is then known as the remediator's, not a new failure.
      await recordRedeployWrite(task, attempt, deps);
      const out = await guardAndWrite(
        {
          type: 'redeploy-revision',
          status: 'planned',
          scope: task.appId,
          resourceId: task.appId,
          claimKey: attempt.claimKey,
          reason: `create revision ${attempt.revisionSuffix}`,
        },
        {
          eventId: task.eventId,
          appId: task.appId,
          lease: r.lease,
          ...(r.previous?.state === 'in-progress' ? { takenOver: true } : {}),
          // a later attempt rides on the budget unit the first one took (bounded by REMEDIATOR_HEAL_MAX_ATTEMPTS)
          ...(attempt.n > 1 ? { budgetPaid: true } : {}),
          ...(task.approvedBy ? { approvedBy: task.approvedBy } : {}),
        },
        deps,
        async () => {
          // Deterministic suffix: a step re-done after a fault that followed the write finds its revision, never
          // writes it twice.
          const existing = `${parseResourceId(task.appId).name ?? ''}--${attempt.revisionSuffix}`;
          const prior = await deps.arm.getRevision(task.appId, existing);
          if (prior) {
            if (isRevisionFailed(prior)) provisioningError = prior.provisioningError ?? 'the revision failed';
            return { reason: `revision ${existing} already exists`, facts: { revisionName: existing } };
          }
          const r = await deps.arm.createRevision(task.appId, attempt.revisionSuffix, {
            correlationId: attempt.correlationId,
          });
          provisioningError = r.provisioningError;
          return { reason: `created revision ${r.revisionName}`, facts: { revisionName: r.revisionName } };
        },
      );
      if (out.action.status !== 'applied') {
        log.warn({ status: out.action.status, reason: out.action.reason }, 'redeploy not done');
        return notDone(`redeploy ${out.action.status}: ${out.action.reason ?? ''}`);
      }
      revisionName = out.facts?.revisionName;
    }
    if (revisionName === undefined) {
      if (adaptive) await releaseApp(task, deps);
      return { status: 'still-failing', detail: 'the new revision name is not known' };
    }
    const checkTask: HealTask = {
      ...task,
      id: `${task.id}:check1`,
      phase: 'check',
      newRevisionName: revisionName,
      attempt: 0,
      ...(adaptive ? { attemptAfterMs: deps.clock.now().getTime() - Date.parse(task.grantedAt) } : {}),
    };
    if (adaptive) {
      // Each attempt is checked at once (its write has ended): it runs, it failed, or it is checked later.
      if (provisioningError !== undefined && isAdaptiveHeal(checkTask, deps.config))
        return scheduleNextAttempt(checkTask, revisionName, provisioningError, deps);
      const now = await checkRevision(checkTask, deps, log);
      if (now.status !== 'pending') return now;
    }
    await deps.scheduler.schedule(checkTask, deps.config.healCheckDelayMs);
    log.info({ revisionName }, 'redeployed; heal check scheduled');
    return {
      status: 'pending',
      revisionName,
      detail: `new revision ${revisionName} created; checking in ${Math.round(deps.config.healCheckDelayMs / 1000)} s`,
      rescheduled: true,
    };
  }
  // One work record per check step: a redelivered step answers with what it found instead of checking (and
  // scheduling the next step) twice.
  const step = await beginUnit(deps.store, 'heal', task.id, work, deps.clock, task.eventId);
  if (step.kind === 'busy') throw workBusyError('heal', task.id, step.record);
  if (step.kind !== 'acquired') {
    const o =
      step.record.state === 'failed' ? { status: 'still-failing', detail: step.record.reason } : step.record.outcome;
    return toStepResult(o);
  }
  await passCheckpoint(work, 'heal-claimed:check');
  let result: HealStepResult;
  try {
    if (task.phase === 'await-image')
      result = isJobId(task.appId)
        ? await watchJobForImage(task, deps, { isRunning: isRevisionRunning, isFailed: isRevisionFailed })
        : await watchForImage(task, deps);
    else {
      const seen = await checkRevision(task, deps, log);
      result = seen.status !== 'pending' ? seen : await scheduleCheck(task, seen, deps);
    }
  } catch (err) {
    await step.lease.release(deps.clock.now().getTime()).catch(() => undefined);
    throw err;
  }
  const { rescheduled: _r, ...stored } = result;
  await step.lease.complete(JSON.parse(JSON.stringify(stored)) as Record<string, Json>, deps.clock.now().getTime());
  await passCheckpoint(work, 'heal-recorded:check');
  return result;
}

/** The redeploy's fix record notes that its revision runs (best effort: the heal step's record already says so). */
async function markHealed(deps: RemediateDeps, claimKey: string): Promise<void> {
  const stored = await deps.store.get(workPartition('fix'), claimKey).catch(() => undefined);
  const rec = readWorkRecord(stored?.value);
  if (!stored?.etag || rec?.state !== 'completed') return;
  await deps.store
    .replaceIf(
      workPartition('fix'),
      claimKey,
      toWorkValue({ ...rec, outcome: { ...rec.outcome, heal: 'healed' } }),
      stored.etag,
    )
    .catch(() => undefined);
}

function toStepResult(o: Record<string, Json>): HealStepResult {
  const status = o['status'];
  const result: HealStepResult = {
    status:
      status === 'healed' || status === 'pending' || status === 'still-failing' || status === 'awaiting-deployment'
        ? status
        : 'still-failing',
  };
  if (typeof o['revisionName'] === 'string') result.revisionName = o['revisionName'];
  if (typeof o['detail'] === 'string') result.detail = o['detail'];
  if (typeof o['healedAfterMs'] === 'number') result.healedAfterMs = o['healedAfterMs'];
  return result;
}

/**
 * Look at the new revision once: healed, failed (adaptive: the next attempt is scheduled), or `pending` (not
 * scheduled here).
 */
async function checkRevision(task: HealTask, deps: RemediateDeps, log: RemediateDeps['log']): Promise<HealStepResult> {
  const revisionName = task.newRevisionName ?? '';
  const rev = await deps.arm.getRevision(task.appId, revisionName);
  if (rev && isRevisionRunning(rev)) {
    const healedAfterMs = Math.max(0, deps.clock.now().getTime() - Date.parse(task.failedAt));
    log.info({ revisionName, healedAfterMs }, 'healed: the new revision runs');
    const { claimKey } = describeRedeployAttempt(task);
    await markHealed(deps, claimKey);
    const healed: HealStepResult = {
      status: 'healed',
      revisionName,
      healedAfterMs,
      detail: `revision ${revisionName} is ${rev.runningState ?? 'running'}`,
    };
    if (!isAdaptiveHeal(task, deps.config)) return healed;
    const { attempts, detail } = await finishAdaptiveHeal(task, deps);
    return { ...healed, attempts, detail: `${healed.detail ?? ''} (${detail})` };
  }
  if (rev && isRevisionFailed(rev)) {
    const error =
      rev.provisioningError ?? `revision ${revisionName} is ${rev.provisioningState ?? ''}/${rev.runningState ?? ''}`;
    if (isAdaptiveHeal(task, deps.config)) return scheduleNextAttempt(task, revisionName, error, deps);
    log.warn({ revisionName, provisioningError: rev.provisioningError }, 'the new revision failed too');
    return { status: 'still-failing', revisionName, detail: error };
  }
  const state = rev ? `${rev.provisioningState ?? '?'}/${rev.runningState ?? '?'}` : 'not found';
  return { status: 'pending', revisionName, detail: state };
}

/** The revision is neither running nor failed yet: look again later, up to `healCheckAttempts` looks. */
async function scheduleCheck(task: HealTask, seen: HealStepResult, deps: RemediateDeps): Promise<HealStepResult> {
  const revisionName = task.newRevisionName ?? '';
  const attempt = task.attempt + 1;
  const state = seen.detail ?? '?';
  if (attempt < deps.config.healCheckAttempts) {
    await deps.scheduler.schedule(
      { ...task, id: `${task.id.replace(/:check\d+$/, '')}:check${attempt + 1}`, attempt },
      deps.config.healCheckDelayMs,
    );
    return {
      status: 'pending',
      revisionName,
      detail: `revision ${revisionName} is ${state} (check ${attempt} of ${deps.config.healCheckAttempts})`,
      rescheduled: true,
    };
  }
  if (isAdaptiveHeal(task, deps.config)) await releaseApp(task, deps);
  return {
    status: 'still-failing',
    revisionName,
    detail: `revision ${revisionName} is still ${state} after ${attempt} checks`,
  };
}

/**
 * After a refused deployment: healed only when a revision that runs the image which failed is running (the team's next
 * deployment); until then `awaiting-deployment`, checked `healCheckAttempts` times.
 */
async function watchForImage(task: HealTask, deps: RemediateDeps): Promise<HealStepResult> {
  const image = (task.image ?? '').toLowerCase();
  const attempt = task.attempt + 1;
  const failedAtMs = Date.parse(task.failedAt);
  const carrying = (await deps.arm.listRevisions(task.appId))
    .filter((r) => r.containers.some((c) => c.image.toLowerCase() === image))
    .filter((r) => !r.createdTime || !Number.isFinite(failedAtMs) || Date.parse(r.createdTime) >= failedAtMs)
    .sort((a, b) => Date.parse(b.createdTime ?? '') - Date.parse(a.createdTime ?? ''));
  const running = carrying.find(isRevisionRunning);
  if (running) {
    const healedAfterMs = Math.max(0, deps.clock.now().getTime() - failedAtMs);
    return {
      status: 'healed',
      revisionName: running.name,
      healedAfterMs,
      detail: `revision ${running.name} runs ${task.image ?? 'the image'} (deployed again at ${running.createdTime ?? '?'})`,
    };
  }
  const failed = carrying.find(isRevisionFailed);
  if (failed)
    return {
      status: 'still-failing',
      revisionName: failed.name,
      detail: failed.provisioningError ?? `revision ${failed.name} carrying ${task.image ?? 'the image'} failed`,
    };
  if (attempt < deps.config.healCheckAttempts) {
    await deps.scheduler.schedule(
      { ...task, id: `${task.id.replace(/:watch\d+$/, '')}:watch${attempt + 1}`, attempt },
      deps.config.healCheckDelayMs,
    );
    return {
      status: 'awaiting-deployment',
      detail: `run your deployment again: no revision carries ${task.image ?? 'the image'} yet (check ${attempt} of ${deps.config.healCheckAttempts})`,
      rescheduled: true,
    };
  }
  return {
    status: 'awaiting-deployment',
    detail: `run your deployment again: no revision carried ${task.image ?? 'the image'} after ${attempt} checks`,
  };
}

export interface ClockedRun {
  task: HealTask;
  result: HealStepResult;
  /** When the step ran, on the injected clock. */
  at: string;
}

/**
 * In-memory scheduler on an injected clock (the emulator's): `runDue(advance, deps)` advances the clock to each task's
 * due time, in due order, and runs it with `runHealTask` — including the follow-up steps tasks schedule.
 */
export class ClockedScheduler implements HealScheduler {
  private readonly queue: Array<{ task: HealTask; dueMs: number; seq: number }> = [];
  private seq = 0;
  /** Deliveries per task id (a queue's dequeue count). */
  private readonly deliveries = new Map<string, number>();

  constructor(private readonly clock: { now(): Date }) {}

  async schedule(task: HealTask, delayMs: number): Promise<void> {
    this.queue.push({
      task: structuredClone(task),
      dueMs: this.clock.now().getTime() + Math.max(0, delayMs),
      seq: this.seq++,
    });
  }

  /** Tasks waiting, in due order. */
  pending(): Array<{ task: HealTask; dueAt: string }> {
    return [...this.queue]
      .sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq)
      .map((q) => ({ task: q.task, dueAt: new Date(q.dueMs).toISOString() }));
  }

  /**
   * Run every task (and every follow-up) in due order, advancing the clock with `advance(ms)` first.
   * Results are in run order; the last result for an event is its final heal result.
   * Follow-ups land here. A step that throws a transient fault is delivered again later (up to 5 deliveries, as the
   * queue trigger's maxDequeueCount); any other error ends that chain as `still-failing` with the error.
   */
  async runDue(
    advance: (ms: number) => void,
    deps: RemediateDeps,
    opts: { maxSteps?: number; until?: Date } = {},
  ): Promise<ClockedRun[]> {
    const runs: ClockedRun[] = [];
    const maxSteps = opts.maxSteps ?? 1000;
    while (this.queue.length > 0 && runs.length < maxSteps) {
      this.queue.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
      const next = this.queue[0] as { task: HealTask; dueMs: number };
      if (opts.until && next.dueMs > opts.until.getTime()) break;
      this.queue.shift();
      const wait = next.dueMs - this.clock.now().getTime();
      if (wait > 0) advance(wait);
      let result: HealStepResult;
      try {
        result = await runHealTask(next.task, { ...deps, scheduler: this });
      } catch (err) {
        const message = describeErrorMessage(err);
        const deliveries = (this.deliveries.get(next.task.id) ?? 0) + 1;
        this.deliveries.set(next.task.id, deliveries);
        if (isTransientError(err) && deliveries < MAX_DELIVERIES) {
          // As the queue would: the message becomes visible again later and is delivered again.
          await this.schedule(next.task, Math.max(deps.config.healCheckDelayMs, 1000));
          result = {
            status: 'pending',
            detail: `heal step failed transiently (delivery ${deliveries} of ${MAX_DELIVERIES}), retried: ${message}`,
            rescheduled: true,
          };
        } else {
          // As the poison-queue trigger would: the step is abandoned and its work closed (nothing stays scheduled).
          const why = `heal step failed${deliveries >= MAX_DELIVERIES ? ` ${deliveries} times` : ''}: ${message}`;
          const closed = await abandonHealTask(next.task, why, deps).then(
            (a) => `; ${a.closed}`,
            (e: unknown) => `; its work could not be closed: ${describeErrorMessage(e)}`,
          );
          result = { status: 'still-failing', detail: `abandoned: ${why}${closed}` };
        }
      }
      runs.push({ task: next.task, result, at: this.clock.now().toISOString() });
    }
    return runs;
  }
}
