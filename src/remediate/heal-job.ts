/**
 * The heal check of a Container Apps job whose update ARM refused (issue 14): once the pull is fixed, healed only when
 * an execution that carries the image which failed runs (Running or Succeeded). Until the team deploys the job again it
 * is `awaiting-deployment`; then a Schedule or Event job heals on its own next execution (watched for up to a day, at
 * most hourly), and a Manual job runs nothing by itself: the check starts one execution (`start-job-execution`, through
 * `guardAndWrite`, only where the operator allowed it: it runs the customer's workload), or says the exact step.
 */
import type { ContainerAppInfo, RevisionInfo } from '../azure/arm-port';
import { parseResourceId } from '../azure/ids';
import type { HealStepResult, HealTask } from './heal-task';
import { claimKeyForJobStart } from './plan';
import { guardAndWrite, type RemediateDeps } from './write';

/** How long a job waiting for its own trigger is watched after the failure (a daily schedule runs within it). */
export const JOB_WATCH_MS = 25 * 3_600_000;
const MAX_WATCH_DELAY_MS = 3_600_000;

/** How an execution (read as a revision) stands: the heal module's own predicates, passed in (no import cycle). */
export interface ExecutionStates {
  isRunning: (x: RevisionInfo) => boolean;
  isFailed: (x: RevisionInfo) => boolean;
}

export async function watchJobForImage(
  task: HealTask,
  deps: RemediateDeps,
  states: ExecutionStates,
): Promise<HealStepResult> {
  const image = (task.image ?? '').toLowerCase();
  const shown = task.image ?? 'the image';
  const failedAtMs = Date.parse(task.failedAt);
  const { name = task.appId, resourceGroup = '<rg>' } = parseResourceId(task.appId);
  const step = `az containerapp job start --name ${name} --resource-group ${resourceGroup}`;
  const carrying = async (): Promise<RevisionInfo[]> =>
    (await deps.arm.listRevisions(task.appId))
      .filter((x) => x.containers.some((c) => c.image.toLowerCase() === image))
      .filter((x) => !x.createdTime || !Number.isFinite(failedAtMs) || Date.parse(x.createdTime) >= failedAtMs);
  const healed = (x: RevisionInfo): HealStepResult => ({
    status: 'healed',
    revisionName: x.name,
    healedAfterMs: Math.max(0, deps.clock.now().getTime() - failedAtMs),
    detail: `execution ${x.name} of job ${name} runs ${shown} (started ${x.createdTime ?? '?'})`,
  });

  const executions = await carrying();
  const ran = executions.find(states.isRunning);
  if (ran) return healed(ran);
  const failed = executions.find(states.isFailed);
  if (failed)
    return watchAgain(task, deps, 'still-failing', `execution ${failed.name} of job ${name} carrying ${shown} failed`);

  const job = await deps.arm.getContainerApp(task.appId);
  if (!job || !carries(job, image))
    return watchAgain(
      task,
      deps,
      'awaiting-deployment',
      `run your deployment again: job ${name} does not carry ${shown} yet`,
    );
  const trigger = (job.triggerType ?? '').toLowerCase();
  if (trigger !== 'manual')
    return watchAgain(
      task,
      deps,
      'pending',
      `job ${name} carries ${shown}; waiting for its next ${trigger === 'event' ? 'event-driven' : 'scheduled'} execution`,
    );
  if (!deps.config.allowedFixTypes.includes('start-job-execution') || !deps.arm.startJobExecution)
    return watchAgain(
      task,
      deps,
      'pending',
      `job ${name} carries ${shown} now but is started by hand: ${step} (the remediator starts it only where REMEDIATOR_ALLOWED_FIX_TYPES includes start-job-execution)`,
    );
  const start = deps.arm.startJobExecution.bind(deps.arm);
  const out = await guardAndWrite(
    {
      type: 'start-job-execution',
      status: 'planned',
      scope: task.appId,
      resourceId: task.appId,
      claimKey: claimKeyForJobStart(task.appId, task.image),
      reason: `start one execution of job ${name}`,
    },
    {
      eventId: task.eventId,
      appId: task.appId,
      ...(task.correlationId ? { correlationId: task.correlationId } : {}),
      ...(task.approvedBy ? { approvedBy: task.approvedBy } : {}),
    },
    deps,
    async (run) => {
      // Taken over from an owner that stopped mid-way: it may have started one already (never start twice).
      const earlier = run.takenOver ? (await carrying())[0] : undefined;
      if (earlier)
        return {
          reason: `execution ${earlier.name} of job ${name} was already started`,
          facts: { revisionName: earlier.name },
        };
      const r = await start(task.appId, task.correlationId ? { correlationId: task.correlationId } : {});
      return {
        reason: `started execution ${r.executionName} of job ${name}`,
        facts: { revisionName: r.executionName },
      };
    },
  );
  if (out.action.status !== 'applied')
    return watchAgain(
      task,
      deps,
      'pending',
      `job ${name} not started (${out.action.reason ?? out.action.status}): ${step}`,
    );
  const now = (await carrying()).find(states.isRunning);
  if (now) return healed(now);
  return watchAgain(task, deps, 'pending', out.action.reason ?? `started an execution of job ${name}`);
}

/** Is this a Container Apps job id (`…/providers/Microsoft.App/jobs/{name}`)? */
export function isJobId(id: string): boolean {
  return (parseResourceId(id).type ?? '').toLowerCase() === 'microsoft.app/jobs';
}

function carries(job: ContainerAppInfo, image: string): boolean {
  return [...job.containers, ...job.initContainers].some((c) => c.image.toLowerCase() === image);
}

/** Look again later (doubling, at most hourly, for up to JOB_WATCH_MS after the failure); else the last word. */
async function watchAgain(
  task: HealTask,
  deps: RemediateDeps,
  status: HealStepResult['status'],
  detail: string,
): Promise<HealStepResult> {
  const attempt = task.attempt + 1;
  const delayMs = Math.min(deps.config.healCheckDelayMs * 2 ** Math.min(task.attempt, 20), MAX_WATCH_DELAY_MS);
  const endMs = Date.parse(task.failedAt) + JOB_WATCH_MS;
  if (!(deps.clock.now().getTime() + delayMs <= endMs))
    return { status, detail: `${detail} (watched ${attempt} times, until ${new Date(endMs).toISOString()})` };
  await deps.scheduler.schedule(
    { ...task, id: `${task.id.replace(/:watch\d+$/, '')}:watch${attempt + 1}`, attempt },
    delayMs,
  );
  return { status, detail: `${detail} (check ${attempt}; next in ${Math.round(delayMs / 1000)} s)`, rescheduled: true };
}
