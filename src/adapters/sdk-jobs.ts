/**
 * Container Apps jobs through the same port as apps (issue 14): a job is read as an app (identity, registries, images;
 * no revisions) and its executions as its revisions, newest first — so diagnosis, the refused-deployment heal and the
 * heal check work on `Microsoft.App/jobs/…` ids unchanged.
 */
import type { ContainerAppsAPIClient, Job, JobExecution } from '@azure/arm-appcontainers';
import type { ContainerAppInfo, RevisionInfo } from '../azure/arm-port';
import { parseResourceId, requireResourceParts } from '../azure/ids';
import { collect, defined, orUndefinedOn404, toContainerAppInfo, toRevisionInfo } from './sdk-arm-mapping';

/** Is this a Container Apps job id (`…/providers/Microsoft.App/jobs/{name}`)? */
export function isJobId(id: string): boolean {
  return (parseResourceId(id).type ?? '').toLowerCase() === 'microsoft.app/jobs';
}

/** The container app, or the job read as an app, behind `id` (undefined when it does not exist). */
export async function readAppOrJob(client: ContainerAppsAPIClient, id: string): Promise<ContainerAppInfo | undefined> {
  const { resourceGroup, name } = requireResourceParts(id, 'container app or job');
  if (isJobId(id)) {
    const job = await orUndefinedOn404(client.jobs.get(resourceGroup, name));
    return job ? toJobInfo(job, id) : undefined;
  }
  const app = await orUndefinedOn404(client.containerApps.get(resourceGroup, name));
  return app ? toContainerAppInfo(app, id) : undefined;
}

/** The app's revisions, or the job's executions read as revisions. */
export async function readRevisionsOrExecutions(client: ContainerAppsAPIClient, id: string): Promise<RevisionInfo[]> {
  const { resourceGroup, name } = requireResourceParts(id, 'container app or job');
  if (isJobId(id))
    return (await collect(client.jobsExecutions.list(resourceGroup, name))).map((x) => toExecutionRevisionInfo(x, id));
  const revs = await collect(client.containerAppsRevisions.listRevisions(resourceGroup, name));
  return revs.map((r) => toRevisionInfo(r, id));
}

/** A Container Apps job read as an app: its identity, registries and images (it has no revisions). */
export function toJobInfo(job: Job, fallbackId: string): ContainerAppInfo {
  const { configuration, template, ...rest } = job;
  const info = toContainerAppInfo(
    {
      ...rest,
      configuration: { registries: configuration?.registries ?? [] },
      template: { containers: template?.containers ?? [], initContainers: template?.initContainers ?? [] },
    },
    fallbackId,
  );
  return configuration?.triggerType ? { ...info, triggerType: configuration.triggerType } : info;
}

/** Start one execution of the job with its own template (it runs the customer's workload: only where allowed). */
export async function startJobExecution(
  client: ContainerAppsAPIClient,
  jobId: string,
  options?: { correlationId?: string },
): Promise<{ executionName: string }> {
  const { resourceGroup, name } = requireResourceParts(jobId, 'Container Apps job');
  const x = await client.jobs.beginStartAndWait(
    resourceGroup,
    name,
    options?.correlationId
      ? { requestOptions: { customHeaders: { 'x-ms-correlation-request-id': options.correlationId } } }
      : {},
  );
  if (!x.name) throw new Error(`job ${jobId} started, but ARM named no execution`);
  return { executionName: x.name };
}

/**
 * A job execution read as a revision (what the heal check watches): Running or Succeeded ran the images, Failed did
 * not; anything else is still starting.
 */
export function toExecutionRevisionInfo(x: JobExecution, jobId: string): RevisionInfo {
  const status = (x.status ?? '').toLowerCase();
  const ran = status === 'running' || status === 'succeeded';
  return defined<RevisionInfo>({
    id: x.id ?? `${jobId}/executions/${x.name ?? ''}`,
    name: x.name ?? '',
    createdTime: x.startTime?.toISOString(),
    provisioningState: ran ? 'Provisioned' : status === 'failed' ? 'Failed' : 'Provisioning',
    runningState: ran ? 'Running' : status === 'failed' ? 'Failed' : (x.status ?? 'Unknown'),
    containers: [...(x.template?.initContainers ?? []), ...(x.template?.containers ?? [])].map((c) => ({
      name: c.name ?? '',
      image: c.image ?? '',
    })),
  });
}
