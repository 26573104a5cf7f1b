/**
 * Storage Queue trigger `healPoison` (registered in src/functions/index.ts on `%REMEDIATOR_HEAL_QUEUE%-poison`): a
 * heal step whose message failed maxDequeueCount times (host.json, 5) lands in the poison queue; this reads it,
 * closes the step's work (a redeploy not written is recorded failed with retryAfter, a health check still-failing,
 * the story reopened), audits `abandoned` and tells the team once. Thin: the work is `handleHealPoison`
 * (src/heal-pipeline.ts). A transient fault throws (the poison message is delivered again).
 */
import type { InvocationContext } from '@azure/functions';
import { handleHealPoison, type HealCheckDeps } from '../heal-pipeline';

/** The poison-queue trigger's handler over the given deps. */
export function makeHealPoisonHandler(
  getDeps: () => Promise<HealCheckDeps>,
): (message: unknown, context: InvocationContext) => Promise<void> {
  return async (message, context) => {
    const heal = await handleHealPoison(message, await getDeps());
    context.log(`heal-poison: ${heal ? `abandoned (${heal.detail ?? ''})` : 'dropped'}`);
  };
}
