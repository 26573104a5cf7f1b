/**
 * `redeploy-revision`: a new revision of the app once its cause is fixed. When the fix needs time to take effect
 * (role propagation) the redeploy is a `HealTask` handed to the `HealScheduler`: no invocation waits for minutes.
 */
import { currentTraceParent } from '../../telemetry/signals';
import type { Action, Diagnosis } from '../../model';
import { runHealTask } from '../heal';
import { computeFirstAttemptDelayMs } from '../heal-attempts';
import type { HealTask } from '../heal-task';
import { claimKeyForRedeploy, createRevisionSuffix } from '../ids';
import { guardAndWrite, recordAudit } from '../write';
import type { FixType } from './fix-type';

/**
 * When the role the redeploy waits for was granted (ISO): now for a grant just written, the assignment's creation for
 * a role still propagating; undefined when the redeploy waits for no grant.
 */
export function findGrantTime(diagnosis: Diagnosis, done: readonly Action[], nowMs: number): string | undefined {
  if (done.some((a) => a.type === 'assign-role' && a.status === 'applied')) return new Date(nowMs).toISOString();
  if (diagnosis.kind === 'acr-pull/role-propagating') return diagnosis.details.newestAssignmentCreatedOn;
  return undefined;
}

/** How long to wait before redeploying with the fixed window, given what was just done. */
export function computeRedeployDelayMs(
  diagnosis: Diagnosis,
  done: readonly Action[],
  nowMs: number,
  propagationWindowMs: number,
): number {
  if (done.some((a) => a.type === 'assign-role' && a.status === 'applied')) return propagationWindowMs;
  if (diagnosis.kind === 'acr-pull/role-propagating' && diagnosis.details.effectiveAt) {
    return Math.max(0, Date.parse(diagnosis.details.effectiveAt) - nowMs);
  }
  return 0;
}

export const REDEPLOY_REVISION: FixType<'redeploy-revision'> = {
  async execute(action, { event, diagnosis, ctx, deps, done }) {
    const x = diagnosis.details;
    const appId = action.resourceId;
    const notFixed = done.filter(
      (a) => a.type !== 'redeploy-revision' && (a.status === 'blocked' || a.status === 'failed'),
    );
    if (notFixed.length > 0) {
      const out: Action = {
        ...action,
        status: 'blocked',
        reason: `not redeployed: the cause is not fixed (${notFixed.map((a) => `${a.type} ${a.status}`).join(', ')})`,
      };
      await recordAudit(deps, ctx, 'action', out);
      return { action: out };
    }
    const nowMs = deps.clock.now().getTime();
    // After a grant, the adaptive schedule tries early and again on a backoff; the fixed window waits it out.
    const grantedAt = findGrantTime(diagnosis, done, nowMs);
    const adaptive = grantedAt !== undefined && deps.config.healSchedule === 'adaptive';
    const delayMs = adaptive
      ? await computeFirstAttemptDelayMs(Date.parse(grantedAt), deps)
      : computeRedeployDelayMs(diagnosis, done, nowMs, deps.config.propagationWindowMs);
    if (delayMs > 0 && deps.scheduler.durable === false) {
      // Promising a redeploy that nothing will run would be a lie: say what a person must do instead.
      const out: Action = {
        ...action,
        status: 'blocked',
        reason: `no storage queue is configured, so the redeploy cannot wait for the fix to take effect: start a new revision by hand after ${new Date(nowMs + delayMs).toISOString()}`,
      };
      await recordAudit(deps, ctx, 'action', out);
      return { action: out };
    }
    const claimKey = action.claimKey ?? claimKeyForRedeploy(appId, x.revisionName);
    const task: HealTask = {
      id: `heal:${claimKey}`,
      eventId: event.id,
      ...(event.correlationId ? { correlationId: event.correlationId } : {}),
      appId,
      ...(x.revisionName ? { failedRevisionName: x.revisionName } : {}),
      revisionSuffix: createRevisionSuffix(appId, x.revisionName),
      claimKey,
      failedAt: event.time,
      ...traceParentField(),
      phase: 'redeploy',
      attempt: 0,
      ...(adaptive ? { grantedAt } : {}),
      diagnosis: { kind: diagnosis.kind, resourceId: diagnosis.resourceId, summary: diagnosis.summary },
      ...(ctx.approvedBy ? { approvedBy: ctx.approvedBy } : {}),
      ...(ctx.storyKey ? { storyKey: ctx.storyKey } : {}),
    };
    // Guard + claim now (no budget unit: the write happens in the heal step, which re-guards and pays).
    const { action: scheduled } = await guardAndWrite(
      { ...action, claimKey },
      { ...ctx, appId, consumeBudget: false },
      deps,
      async () =>
        delayMs > 0
          ? {
              reason: adaptive
                ? `scheduled: a new revision (suffix ${task.revisionSuffix}) will be tried in ${Math.round(delayMs / 1000)} s, and again on a backoff until the role has taken effect; each attempt is checked`
                : `scheduled: a new revision (suffix ${task.revisionSuffix}) will be created in ${Math.round(delayMs / 1000)} s, once the role has taken effect; then its health is checked`,
              state: 'scheduled',
            }
          : {
              reason: `creating a new revision (suffix ${task.revisionSuffix})`,
              state: 'scheduled',
            },
    );
    if (scheduled.status === 'applied' && scheduled.reason?.startsWith('already scheduled')) {
      // The delivery that scheduled it may have died before handing it on: hand it to the queue again (the heal step
      // takes the scheduled record once; a second message finds it taken and only checks).
      await deps.scheduler.schedule(task, delayMs);
      return { action: scheduled, heal: { status: 'pending', detail: 'redeploy scheduled' } };
    }
    if (scheduled.status !== 'applied' || scheduled.reason?.startsWith('already')) return { action: scheduled };
    if (delayMs > 0) {
      await deps.scheduler.schedule(task, delayMs);
      return {
        action: scheduled,
        heal: { status: 'pending', detail: `redeploy scheduled in ${Math.round(delayMs / 1000)} s` },
      };
    }
    const step = await runHealTask(task, deps);
    if (step.status === 'healed' && step.revisionName) {
      // Adaptive: the attempt was checked at once and its revision runs.
      const { rescheduled: _r, ...heal } = step;
      return { action: { ...scheduled, reason: `created revision ${step.revisionName}; it runs` }, heal };
    }
    if (step.status === 'pending' && step.revisionName) {
      return {
        action: { ...scheduled, reason: `created revision ${step.revisionName}; its health check is scheduled` },
        heal: {
          status: 'pending',
          revisionName: step.revisionName,
          ...(step.detail ? { detail: step.detail } : {}),
        },
      };
    }
    // Not written (e.g. the budget ran out in between): the heal step recorded it failed, with retryAfter.
    return {
      action: { ...scheduled, status: 'blocked', reason: step.detail ?? 'redeploy not done' },
      heal: { status: step.status, ...(step.detail ? { detail: step.detail } : {}) },
    };
  },
};

/** The event's trace, carried by the heal task so its steps join it (nothing without telemetry). */
function traceParentField(): { traceParent?: string } {
  const traceParent = currentTraceParent();
  return traceParent ? { traceParent } : {};
}
