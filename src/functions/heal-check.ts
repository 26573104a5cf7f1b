/**
 * Storage Queue trigger `healCheck`: runs one HealTask (redeploy after a propagation wait, or a check that the new
 * revision runs) scheduled by the executor through `QueueHealScheduler`. Thin: decode → runHealTask → audit/notify.
 * A transient fault throws (the message becomes visible again; after maxDequeueCount it goes to the poison queue);
 * anything else is logged and acknowledged.
 *
 * The queue lives in the `AzureWebJobsStorage` account (the trigger's connection); the scheduler writes to the
 * account of REMEDIATOR_STORAGE_CONNECTION / AzureWebJobsStorage: keep them the same account.
 */
import { app, type InvocationContext } from '@azure/functions';
import { describeError, describeErrorMessage, isTransientError } from '../errors';
import type { Diagnosis, HealResult, Outcome } from '../model';
import type { Notifier } from '../notify';
import { decodeHealMessage, runHealTask, type HealTask, type RemediateDeps } from '../remediate';
import { getRuntimeDeps } from '../runtime';

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
  };
}

/** Handle one queue message. Resolves the step's result; throws only transient faults. */
export async function handleHealCheck(message: unknown, deps: HealCheckDeps): Promise<HealResult | undefined> {
  let task: HealTask;
  try {
    task = decodeHealMessage(message);
  } catch (err) {
    deps.log.error({ err: describeError(err) }, 'heal-check message is not a heal task: dropped');
    return undefined;
  }
  try {
    const result = await runHealTask(task, deps);
    const { rescheduled: _r, ...heal } = result;
    await deps.store
      .appendAudit({
        id: `${deps.clock.now().toISOString()}-${task.eventId}-heal-${task.phase}-${task.attempt}`,
        at: deps.clock.now().toISOString(),
        eventId: task.eventId,
        ...(task.correlationId ? { correlationId: task.correlationId } : {}),
        resourceId: task.appId,
        mode: deps.config.mode,
        stage: 'heal',
        status: heal.status,
        detail: {
          phase: task.phase,
          attempt: task.attempt,
          ...(heal.revisionName ? { revisionName: heal.revisionName } : {}),
          ...(heal.detail ? { detail: heal.detail } : {}),
        },
      })
      .catch((err: unknown) => deps.log.error({ err: describeError(err) }, 'heal audit record could not be written'));
    if (deps.notifier && (heal.status === 'healed' || heal.status === 'still-failing')) {
      await deps.notifier
        .notifyHeal(toHealOutcome(task, deps.config.mode), heal)
        .catch((err: unknown) => deps.log.error({ err: describeError(err) }, 'heal follow-up failed'));
    }
    return heal;
  } catch (err) {
    if (isTransientError(err)) throw err;
    deps.log.error({ err: describeError(err), eventId: task.eventId }, 'heal step failed permanently');
    return { status: 'still-failing', detail: describeErrorMessage(err) };
  }
}

app.storageQueue('healCheck', {
  queueName: process.env['REMEDIATOR_HEAL_QUEUE']?.trim() || 'remediator-heal-checks',
  connection: 'AzureWebJobsStorage',
  handler: async (message: unknown, context: InvocationContext): Promise<void> => {
    const deps = await getRuntimeDeps(); // the same process-wide deps as the other triggers
    const heal = await handleHealCheck(message, deps);
    context.log(`heal-check: ${heal?.status ?? 'dropped'}${heal?.revisionName ? ` (${heal.revisionName})` : ''}`);
  },
});
