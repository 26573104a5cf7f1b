/**
 * Storage Queue trigger `healCheck`: runs one HealTask (redeploy after a propagation wait, or a check that the new
 * revision runs) scheduled by the executor through `QueueHealScheduler`. Thin: the work is src/heal-pipeline.ts.
 * A transient fault throws (the message becomes visible again; after maxDequeueCount it goes to the poison queue);
 * anything else is logged and acknowledged.
 *
 * The queue lives in the `AzureWebJobsStorage` account (the trigger's connection); the scheduler writes to the
 * account of REMEDIATOR_STORAGE_CONNECTION / AzureWebJobsStorage: keep them the same account.
 */
import { app, type InvocationContext } from '@azure/functions';
import { handleHealCheck } from '../heal-pipeline';
import { getRuntimeDeps } from '../runtime';

export { handleHealCheck, toHealOutcome, type HealCheckDeps } from '../heal-pipeline';

app.storageQueue('healCheck', {
  queueName: '%REMEDIATOR_HEAL_QUEUE%', // resolved by the host from the app setting (infra sets it)
  connection: 'AzureWebJobsStorage',
  handler: async (message: unknown, context: InvocationContext): Promise<void> => {
    const deps = await getRuntimeDeps(); // the same process-wide deps as the other triggers
    const heal = await handleHealCheck(message, deps);
    context.log(`heal-check: ${heal?.status ?? 'dropped'}${heal?.revisionName ? ` (${heal.revisionName})` : ''}`);
  },
});
