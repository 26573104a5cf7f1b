/**
 * The executor: planned actions → written fixes (or the reason they were not), each through its fix type's module
 * (src/remediate/fixes/), which takes the one path to ARM, `guardAndWrite` (re-read facts → guardrails → claim →
 * budget → write → audit). Manual steps are recorded, never written.
 */
import type { Action, Diagnosis, FailureEvent, HealResult } from '../model';
import { executeFix } from './fixes';
import type { HealTask } from './heal-task';
import { claimKeyForRedeploy } from './ids';
import { recordAudit, type RemediateDeps, type WriteContext } from './write';

export type { RemediateDeps } from './write';
export { computeRedeployDelayMs } from './fixes';

export interface ExecuteInput {
  event: FailureEvent;
  diagnosis: Diagnosis;
  actions: Action[];
  /** Approve mode: who approved (the guardrails allow the writes; the heal step and follow-up name them). */
  approvedBy?: string;
  /** The story's work key (carried into heal tasks). */
  storyKey?: string;
}

export async function executeActions(
  input: ExecuteInput,
  deps: RemediateDeps,
): Promise<{ actions: Action[]; heal?: HealResult }> {
  const { event, diagnosis } = input;
  const x = diagnosis.details;
  const ctx: WriteContext = {
    eventId: event.id,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    ...(x.appId ? { appId: x.appId } : {}),
    ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
    ...(input.storyKey ? { storyKey: input.storyKey } : {}),
  };
  const done: Action[] = [];
  let heal: HealResult | undefined;

  for (const action of input.actions) {
    if (action.status === 'manual') {
      done.push(action);
      await recordAudit(deps, ctx, 'action', action);
      continue;
    }
    const step = await executeFix(action, { event, diagnosis, ctx, deps, done });
    done.push(step.action);
    if (step.heal) heal = step.heal;
  }
  if (x.deploymentRefused && x.appId && x.image) heal = (await awaitDeployment(input, done, deps)) ?? heal;
  return heal ? { actions: done, heal } : { actions: done };
}

/**
 * ARM refused the deployment: once every fix is written, the heal waits for the team's next deployment of the image
 * (never a redeploy of the old template), watched by the heal check.
 */
async function awaitDeployment(
  input: ExecuteInput,
  done: readonly Action[],
  deps: RemediateDeps,
): Promise<HealResult | undefined> {
  const { event, diagnosis } = input;
  const x = diagnosis.details;
  // (a job start is planned for the heal check: it waits for the deployment too)
  const started = (a: Action): boolean => a.type === 'start-job-execution' && a.status === 'planned';
  if (done.some((a) => a.status !== 'manual' && a.status !== 'applied' && !started(a))) return undefined;
  if (!done.some((a) => a.status === 'applied') && diagnosis.kind !== 'acr-pull/role-propagating') return undefined;
  const task: HealTask = {
    id: `heal:await:${claimKeyForRedeploy(x.appId ?? '', event.correlationId ?? event.id)}`,
    eventId: event.id,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    appId: x.appId ?? '',
    revisionSuffix: '',
    claimKey: claimKeyForRedeploy(x.appId ?? '', event.correlationId ?? event.id),
    failedAt: event.time,
    phase: 'await-image',
    ...(x.image ? { image: x.image } : {}),
    attempt: 0,
    diagnosis: { kind: diagnosis.kind, resourceId: diagnosis.resourceId, summary: diagnosis.summary },
  };
  if (deps.scheduler.durable !== false) await deps.scheduler.schedule(task, deps.config.healCheckDelayMs);
  return {
    status: 'awaiting-deployment',
    detail: `run your deployment again: ARM refused ${x.image ?? 'the image'} before any revision existed; the heal check watches for the next revision that carries it`,
  };
}
