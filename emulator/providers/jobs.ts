/**
 * Microsoft.App jobs (ContainerAppsAPIClient `jobs`, `jobsExecutions`), shaped as the Microsoft.App REST spec
 * (`Job`, `JobExecution`): PUT/PATCH of a job as a long-running operation (identities completed as for apps; where the
 * world's `pullRefusals` say so, a template whose pull fails is refused at once with 400
 * `InvalidParameterValueInContainerTemplate`, the job unchanged, a Failed event and Activity Log entry);
 * `POST …/jobs/{job}/start` creates an execution `{job}-{7 hex}` whose every image (init containers too) is pulled
 * with the job's `configuration.registries[]` from its environment — `Running` when all pull, else `Failed`;
 * `GET …/jobs/{job}/executions` lists them, newest first. Schedule and event triggers fire on the emulator clock
 * (../state/job-runs.ts), brought up to date before any jobs request is answered.
 */
import { notFound, orNotFound, type Reply, type RequestContext } from '../http/context';
import { lastSegment, normalizePath, splitAtProviders } from '../ids';
import { executionsOf } from '../state/job-runs';
import type { Resource } from '../state';
import { clone, mergePatch, obj, stableStringify } from '../values';
import { isWriteOf, type Arm, type Provider } from './provider';

const T_JOB = 'microsoft.app/jobs';

export const jobsProvider: Provider = {
  name: 'Microsoft.App',
  stage: 'subscription',
  route(ctx, arm) {
    const { segs, pIdx, afterProviders, type } = splitAtProviders(ctx.path);
    if (type !== T_JOB) return undefined;
    arm.state.jobs.advance(); // executions due on the emulator clock (schedules, events, runs ending)
    if (isWriteOf(ctx, T_JOB)) return writeJob(ctx, arm);
    const jobId = `/${segs.slice(0, pIdx + 4).join('/')}`;
    const sub = segs[pIdx + 4]?.toLowerCase();
    if (ctx.method === 'POST' && afterProviders === 4 && sub === 'start') return startJob(ctx, arm, jobId);
    if (ctx.method === 'GET' && afterProviders === 4 && sub === 'executions') {
      if (!arm.state.get(jobId)) throw notFound(jobId);
      return arm.list(ctx, executionsOf(arm.state, jobId));
    }
    return undefined;
  },
};

function writeJob(ctx: RequestContext, arm: Arm): Reply {
  const { state } = arm;
  ctx.write = true;
  const existing = state.get(ctx.path);
  if (ctx.method === 'PATCH' && !existing) throw notFound(ctx.path);
  const job: Resource =
    ctx.method === 'PATCH' && existing
      ? (mergePatch(existing, ctx.body) as Resource)
      : { ...clone(ctx.body), id: existing?.id ?? normalizePath(ctx.path), name: lastSegment(ctx.path), type: '' };
  job.id = existing?.id ?? normalizePath(ctx.path);
  job.type = 'Microsoft.App/jobs';
  state.apps.completeIdentity(job);
  const props = { ...obj(job.properties) };
  const template = obj(props['template']);
  const changed = stableStringify(template) !== stableStringify(obj(obj(existing?.properties)['template']));
  const refusal =
    state.keyVault.findSecretRefusal(job) ?? (changed ? state.apps.findRefusal(job, template) : undefined);
  if (refusal && existing) {
    const error = { code: 'InvalidParameterValueInContainerTemplate', message: refusal };
    arm.events.raise(ctx, 'Write', false, existing.id, 'Microsoft.App/jobs/write', error);
    return { status: 400, body: { error } };
  }
  job.properties = { ...props, provisioningState: 'Succeeded' };
  state.put(job);
  state.jobs.noteWritten(job.id);
  arm.events.raise(ctx, 'Write', true, job.id, 'Microsoft.App/jobs/write');
  const initial: Reply =
    ctx.method === 'PATCH'
      ? { status: 202 }
      : { status: existing ? 200 : 201, body: { ...job, properties: { ...props, provisioningState: 'InProgress' } } };
  return arm.lro.start(ctx, job.id, undefined, initial);
}

function startJob(ctx: RequestContext, arm: Arm, jobId: string): Reply {
  const { state } = arm;
  ctx.write = true;
  const job = orNotFound(() => {
    const j = state.get(jobId);
    if (!j) throw notFound(jobId);
    return j;
  });
  const jobTemplate = obj(obj(job.properties)['template']);
  const override = obj(ctx.body);
  const initContainers = override['initContainers'] ?? jobTemplate['initContainers'];
  const template = {
    ...(initContainers ? { initContainers: clone(initContainers) } : {}),
    containers: clone(override['containers'] ?? jobTemplate['containers'] ?? []),
  };
  const execution = state.jobs.start(job, template);
  arm.events.raise(ctx, 'Action', true, job.id, 'Microsoft.App/jobs/start/action');
  return arm.lro.start(ctx, execution.id, undefined, { status: 202, body: { name: execution.name, id: execution.id } });
}
