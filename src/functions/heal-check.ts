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
import { DefaultAzureCredential } from '@azure/identity';
import { createSdkArmPort } from '../azure/sdk-arm';
import { loadConfig } from '../config';
import { isTransientError } from '../errors';
import { createLogger } from '../logging';
import { systemClock, type Diagnosis, type HealResult, type Outcome } from '../model';
import { createNotifier, type Notifier } from '../notify';
import { createHealScheduler, decodeHealMessage, runHealTask, type HealTask, type RemediateDeps } from '../remediate';
import { createStore } from '../store';

export interface HealCheckDeps extends RemediateDeps {
  notifier?: Notifier;
}

/** The outcome a heal follow-up message refers to (the task carries what was diagnosed). */
export function toHealOutcome(task: HealTask, mode: Outcome['mode']): Outcome {
  const diagnosis: Diagnosis | undefined = task.diagnosis
    ? { kind: task.diagnosis.kind as Diagnosis['kind'], resourceId: task.diagnosis.resourceId, summary: task.diagnosis.summary, evidence: [], details: { appId: task.appId, ...(task.failedRevisionName ? { revisionName: task.failedRevisionName } : {}) } }
    : undefined;
  return { eventId: task.eventId, status: 'diagnosed', ...(mode ? { mode } : {}), ...(task.correlationId ? { correlationId: task.correlationId } : {}), ...(diagnosis ? { diagnosis } : {}) };
}

/** Handle one queue message. Resolves the step's result; throws only transient faults. */
export async function handleHealCheck(message: unknown, deps: HealCheckDeps): Promise<HealResult | undefined> {
  let task: HealTask;
  try {
    task = decodeHealMessage(message);
  } catch (err) {
    deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'heal-check message is not a heal task: dropped');
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
        detail: { phase: task.phase, attempt: task.attempt, ...(heal.revisionName ? { revisionName: heal.revisionName } : {}), ...(heal.detail ? { detail: heal.detail } : {}) },
      })
      .catch((err: unknown) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'heal audit record could not be written'));
    if (deps.notifier && (heal.status === 'healed' || heal.status === 'still-failing')) {
      await deps.notifier.notifyHeal(toHealOutcome(task, deps.config.mode), heal).catch((err: unknown) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'heal follow-up failed'));
    }
    return heal;
  } catch (err) {
    if (isTransientError(err)) throw err;
    deps.log.error({ err: err instanceof Error ? err.message : String(err), eventId: task.eventId }, 'heal step failed permanently');
    return { status: 'still-failing', detail: err instanceof Error ? err.message : String(err) };
  }
}

let depsPromise: Promise<HealCheckDeps> | undefined;

/** Build the runtime deps once per process (Function instance). */
export function buildHealCheckDeps(env: Record<string, string | undefined> = process.env): Promise<HealCheckDeps> {
  depsPromise ??= (async () => {
    const config = loadConfig(env);
    const log = createLogger({ level: config.logLevel, secrets: [config.teamsWebhookUrl, config.slackWebhookUrl, config.storage.kind === 'connection-string' ? config.storage.connectionString : undefined] });
    const credential = new DefaultAzureCredential(config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {});
    const clock = systemClock;
    const arm = createSdkArmPort({ endpoint: config.armEndpoint, credential, log, clock });
    const store = await createStore(config, log, { credential });
    const scheduler = await createHealScheduler(config, log, { credential });
    const notifier =
      config.teamsWebhookUrl || config.slackWebhookUrl
        ? createNotifier({
            ...(config.teamsWebhookUrl ? { teamsWebhookUrl: config.teamsWebhookUrl } : {}),
            ...(config.slackWebhookUrl ? { slackWebhookUrl: config.slackWebhookUrl } : {}),
            store,
            clock,
            log,
            mode: config.mode,
            digestWindowMs: config.digestWindowMs,
          })
        : undefined;
    return { arm, store, scheduler, clock, config, log, ...(notifier ? { notifier } : {}) };
  })().catch((err: unknown) => {
    depsPromise = undefined;
    throw err;
  });
  return depsPromise;
}

app.storageQueue('healCheck', {
  queueName: process.env['REMEDIATOR_HEAL_QUEUE']?.trim() || 'remediator-heal-checks',
  connection: 'AzureWebJobsStorage',
  handler: async (message: unknown, context: InvocationContext): Promise<void> => {
    const deps = await buildHealCheckDeps();
    const heal = await handleHealCheck(message, deps);
    context.log(`heal-check: ${heal?.status ?? 'dropped'}${heal?.revisionName ? ` (${heal.revisionName})` : ''}`);
  },
});
