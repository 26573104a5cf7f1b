/**
 * Storage Queue trigger `healCheck`: runs one HealTask (redeploy after a propagation wait, or a check that the new
 * revision runs) scheduled by the executor through `QueueHealScheduler`. Thin: the work is src/heal-pipeline.ts.
 * A transient fault throws (the message becomes visible again; after maxDequeueCount it goes to the poison queue);
 * anything else is logged and acknowledged.
 *
 * The queue lives in the `AzureWebJobsStorage` account (the trigger's connection); the scheduler writes to the
 * account of REMEDIATOR_STORAGE_CONNECTION / AzureWebJobsStorage: keep them the same account.
 */
import type { InvocationContext } from '@azure/functions';
import { handleHealCheck, type HealCheckDeps } from '../heal-pipeline';
import { recordHealCheckAbandoned } from '../telemetry/signals';

/** host.json `extensions.queues.maxDequeueCount`: after this many deliveries the message goes to the poison queue. */
const MAX_DEQUEUE_COUNT = 5;

export { handleHealCheck, toHealOutcome, type HealCheckDeps } from '../heal-pipeline';

/** The queue trigger's handler over the given deps. */
export function makeHealCheckHandler(
  getDeps: () => Promise<HealCheckDeps>,
): (message: unknown, context: InvocationContext) => Promise<void> {
  return async (message, context) => {
    try {
      const heal = await handleHealCheck(message, await getDeps());
      context.log(`heal-check: ${heal?.status ?? 'dropped'}${heal?.revisionName ? ` (${heal.revisionName})` : ''}`);
    } catch (err) {
      // Thrown = delivered again; on the last delivery the host moves the message to the poison queue.
      if (Number(context.triggerMetadata?.['dequeueCount']) >= MAX_DEQUEUE_COUNT) recordHealCheckAbandoned('poison');
      throw err;
    }
  };
}
