/**
 * Microsoft.App jobs (ContainerAppsAPIClient `jobs`, `jobsExecutions`), shaped as the Microsoft.App REST spec
 * (`Job`, `JobExecution`): PUT/PATCH of a job as a long-running operation (identities completed as for apps; where the
 * world's `pullRefusals` say so, a template whose pull fails is refused at once with 400
 * `InvalidParameterValueInContainerTemplate`, the job unchanged, a Failed event and Activity Log entry);
 * `POST …/jobs/{job}/start` creates an execution `{job}-{7 hex}` whose every image (init containers too) is pulled
 * with the job's `configuration.registries[]` from its environment — `Running` when all pull, else `Failed`;
 * `GET …/jobs/{job}/executions` lists them, newest first. Schedules and event triggers do not fire by themselves:
 * a test starts an execution where the schedule would.
 */
import { notFound, orNotFound, type Reply, type RequestContext } from '../http/context';
import { keyOf, lastSegment, normalizePath, shortHash, splitAtProviders } from '../ids';
import type { Resource } from '../state';
import { clone, mergePatch, obj, stableStringify, str } from '../values';
import { isWriteOf, type Arm, type Provider } from './provider';

const T_JOB = 'microsoft.app/jobs';
const T_EXECUTION = 'Microsoft.App/jobs/executions';

export const jobsProvider: Provider = {
  name: 'Microsoft.App',
  stage: 'subscription',
  route(ctx, arm) {
    const { segs, pIdx, afterProviders, type } = splitAtProviders(ctx.path);
    if (type !== T_JOB) return undefined;
    if (isWriteOf(ctx, T_JOB)) return writeJob(ctx, arm);
    const jobId = `/${segs.slice(0, pIdx + 4).join('/')}`;
    const sub = segs[pIdx + 4]?.toLowerCase();
    if (ctx.method === 'POST' && afterProviders === 4 && sub === 'start') return startJob(ctx, arm, jobId);
    if (ctx.method === 'GET' && afterProviders === 4 && sub === 'executions') {
      if (!arm.state.get(jobId)) throw notFound(jobId);
      return arm.list(ctx, executionsOf(arm, jobId));
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
  const template = {
    ...((override['initContainers'] ?? jobTemplate['initContainers'])
      ? { initContainers: clone(override['initContainers'] ?? jobTemplate['initContainers']) }
      : {}),
    containers: clone(override['containers'] ?? jobTemplate['containers'] ?? []),
  };
  const verdict = state.apps.evaluateTemplate(job, template);
  const now = state.nowIso();
  const name = `${lastSegment(job.id)}-${shortHash(keyOf(job.id), String(state.nextCounter()))}`;
  const execution: Resource = {
    id: `${job.id}/executions/${name}`,
    name,
    type: T_EXECUTION,
    properties: {
      status: verdict.ok ? 'Running' : 'Failed',
      startTime: now,
      ...(verdict.ok ? {} : { endTime: now }),
      template,
    },
  };
  state.put(execution);
  arm.events.raise(ctx, 'Action', true, job.id, 'Microsoft.App/jobs/start/action');
  return arm.lro.start(ctx, execution.id, undefined, { status: 202, body: { name, id: execution.id } });
}

/** The job's executions, newest first. */
function executionsOf(arm: Arm, jobId: string): Resource[] {
  const prefix = `${keyOf(jobId)}/executions/`;
  return arm.state
    .ofType(T_EXECUTION)
    .filter((e) => keyOf(e.id).startsWith(prefix))
    .sort((a, b) =>
      (str(obj(b.properties)['startTime']) ?? '').localeCompare(str(obj(a.properties)['startTime']) ?? ''),
    );
}
