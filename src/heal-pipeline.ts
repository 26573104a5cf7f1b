/**
 * The heal pipeline: one queued heal message → decode → `runHealTask` → audit → follow-up message. Outside
 * `functions/` so that the queue trigger stays thin and any host (the Functions app, a test) runs the same steps.
 * Throws only transient faults (the queue redelivers the message); anything else is logged and acknowledged.
 */
import { writeAudit } from './audit';
import { describeError, describeErrorMessage, isTransientError } from './errors';
import type { Diagnosis, HealResult, Outcome } from './model';
import type { Notifier } from './notify';
import { abandonHealTask, decodeHealMessage, runHealTask, type HealTask, type RemediateDeps } from './remediate';
import { annotateSpan, ATTR, recordHealCheckAbandoned, SPAN, withSpan, withTraceParent } from './telemetry/signals';

export interface HealCheckDeps extends RemediateDeps {
  notifier?: Notifier;
}

/** The outcome a heal follow-up message refers to (the task carries what was diagnosed). */
export function toHealOutcome(task: HealTask, mode: Outcome['mode']): Outcome {
  const details = { appId: task.appId, ...(task.failedRevisionName ? { revisionName: task.failedRevisionName } : {}) };
  const diagnosis: Diagnosis = task.diagnosis
    ? { ...task.diagnosis, evidence: [], details }
    : { kind: 'unknown', resourceId: task.appId, summary: '', evidence: [], details };
  return {
    eventId: task.eventId,
    status: 'diagnosed',
    ...(mode ? { mode } : {}),
    ...(task.correlationId ? { correlationId: task.correlationId } : {}),
    diagnosis,
    actions: [],
    ...(task.approvedBy ? { approvedBy: task.approvedBy } : {}),
  };
}

/** The heal results the team is told of (a step still waiting or not checked is not news). */
export const isToldHeal = (heal: HealResult): boolean => heal.status === 'healed' || heal.status === 'still-failing';

/**
 * Handle one poison heal message (the step failed on every delivery, maxDequeueCount times): close its work, audit
 * `abandoned`, tell the team once. Throws only transient faults (the poison message is delivered again).
 */
export async function handleHealPoison(message: unknown, deps: HealCheckDeps): Promise<HealResult | undefined> {
  let task: HealTask;
  try {
    task = decodeHealMessage(message);
  } catch (err) {
    deps.log.error({ err: describeError(err) }, 'poison heal message is not a heal task: dropped');
    return undefined;
  }
  const why = 'the heal step failed on every delivery and was moved to the poison queue';
  const abandoned = await abandonHealTask(task, why, deps);
  recordHealCheckAbandoned('poison-read');
  const heal: HealResult = {
    status: 'still-failing',
    ...(task.newRevisionName ? { revisionName: task.newRevisionName } : {}),
    detail: `abandoned: ${why}; ${abandoned.closed}`,
  };
  deps.log.warn({ eventId: task.eventId, phase: task.phase, first: abandoned.first }, heal.detail);
  if (abandoned.first && deps.notifier) {
    await deps.notifier
      .notifyHeal(toHealOutcome(task, deps.config.mode), heal)
      .catch((err: unknown) => deps.log.error({ err: describeError(err) }, 'abandoned heal follow-up failed'));
  }
  return heal;
}

/** Handle one queue message. Resolves the step's result; throws only transient faults. */
export async function handleHealCheck(message: unknown, deps: HealCheckDeps): Promise<HealResult | undefined> {
  let task: HealTask;
  try {
    task = decodeHealMessage(message);
  } catch (err) {
    deps.log.error({ err: describeError(err) }, 'heal-check message is not a heal task: dropped');
    recordHealCheckAbandoned('not-a-heal-task');
    return undefined;
  }
  try {
    const result = await withTraceParent(task.traceParent, () =>
      withSpan(
        SPAN.heal,
        {
          [ATTR.eventId]: task.eventId,
          [ATTR.correlationId]: task.correlationId,
          [ATTR.resourceId]: task.appId,
          [ATTR.phase]: task.phase,
          [ATTR.attempt]: task.attempt,
        },
        async (span) => {
          const r = await runHealTask(task, deps);
          annotateSpan(span, { [ATTR.status]: r.status, 'remediator.revision': r.revisionName });
          return r;
        },
      ),
    );
    const { rescheduled: _r, ...heal } = result;
    await writeAudit(deps, {
      eventId: task.eventId,
      ...(task.correlationId ? { correlationId: task.correlationId } : {}),
      resourceId: task.appId,
      stage: 'heal',
      status: heal.status,
      detail: {
        phase: task.phase,
        attempt: task.attempt,
        ...(heal.revisionName ? { revisionName: heal.revisionName } : {}),
        ...(heal.detail ? { detail: heal.detail } : {}),
      },
    }).catch(() => undefined); // logged by writeAudit; a lost heal record does not redo the step
    if (deps.notifier && isToldHeal(heal)) {
      await deps.notifier
        .notifyHeal(toHealOutcome(task, deps.config.mode), heal)
        .catch((err: unknown) => deps.log.error({ err: describeError(err) }, 'heal follow-up failed'));
    }
    return heal;
  } catch (err) {
    if (isTransientError(err)) throw err;
    deps.log.error({ err: describeError(err), eventId: task.eventId }, 'heal step failed permanently');
    recordHealCheckAbandoned('failed');
    return { status: 'still-failing', detail: describeErrorMessage(err) };
  }
}
