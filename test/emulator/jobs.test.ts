/**
 * Container Apps jobs in the emulator (issue 14), through the real ContainerAppsAPIClient: a job pulls with its own
 * `configuration.registries[]` like an app; an execution whose image cannot be pulled is `Failed`, and after the pull
 * role exists the next execution runs; where the world refuses pulls synchronously, the job's PUT/PATCH is a 400
 * `InvalidParameterValueInContainerTemplate` with the Failed event and Activity Log entry ARM writes.
 */
import type { World } from '../../emulator/api';
import { readWorld } from '../remediate/e2e-helpers';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { withNightlyJob } from '../helpers/job-world';
import { REGISTRY_ID, SHARED_SUB, UAI_ID, UAI_PRINCIPAL } from '../worlds/build-worlds';

const IMAGE = 'acmeacr.azurecr.io/worker:2.0.0';

/** The missing-role world (web-pull has no role on acmeacr) plus a scheduled job `nightly` pulling with web-pull. */
function jobWorld(extra: Partial<World> = {}): World {
  return { ...withNightlyJob(readWorld('missing-role'), IMAGE), ...extra };
}

let t: TestEmulator | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function executions(
  e: TestEmulator,
): Promise<Array<{ name: string | undefined; status: string | undefined; image: string | undefined }>> {
  const out = [];
  for await (const x of e.containerApps.jobsExecutions.list('web-rg', 'nightly'))
    out.push({ name: x.name, status: x.status, image: x.template?.containers?.[0]?.image });
  return out;
}

describe('Container Apps jobs', () => {
  it('an execution that cannot pull fails; with AcrPull in effect the next execution runs', async () => {
    t = await startTestEmulator(jobWorld());
    const job = await t.containerApps.jobs.get('web-rg', 'nightly');
    expect(job.configuration?.triggerType).toBe('Schedule');
    expect(job.configuration?.registries?.[0]?.identity).toBe(UAI_ID);
    await t.containerApps.jobs.beginStartAndWait('web-rg', 'nightly');
    expect(await executions(t)).toEqual([{ name: expect.stringMatching(/^nightly-/), status: 'Failed', image: IMAGE }]);
    expect(t.canPull(UAI_PRINCIPAL, IMAGE)).toMatchObject({
      ok: false,
      error: expect.stringContaining('UNAUTHORIZED'),
    });

    await t
      .clientsFor(SHARED_SUB)
      .authorization.roleAssignments.create(REGISTRY_ID, 'e5e5e5e5-1111-4222-8333-444444444444', {
        roleDefinitionId: `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
        principalId: UAI_PRINCIPAL,
        principalType: 'ServicePrincipal',
      });
    t.clock.advance(5 * 60_000);
    await t.containerApps.jobs.beginStartAndWait('web-rg', 'nightly');
    const list = await executions(t);
    expect(list.map((x) => x.status)).toEqual(['Running', 'Failed']);
    const events = t.drainEvents().map((e) => [e.eventType, (e.data as { operationName?: string }).operationName]);
    expect(events).toContainEqual(['Microsoft.Resources.ResourceActionSuccess', 'Microsoft.App/jobs/start/action']);
  });

  it('a job created through the SDK gets its identity completed and pulls with it', async () => {
    t = await startTestEmulator(jobWorld());
    const created = await t.containerApps.jobs.beginCreateOrUpdateAndWait('web-rg', 'migrate', {
      location: 'westeurope',
      identity: { type: 'SystemAssigned' },
      environmentId: (await t.containerApps.jobs.get('web-rg', 'nightly')).environmentId ?? '',
      configuration: {
        triggerType: 'Manual',
        replicaTimeout: 600,
        registries: [{ server: 'acmeacr.azurecr.io', identity: 'system' }],
      },
      template: { containers: [{ name: 'migrate', image: IMAGE }] },
    });
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
    await t.containerApps.jobs.beginStartAndWait('web-rg', 'migrate');
    const out = [];
    for await (const x of t.containerApps.jobsExecutions.list('web-rg', 'migrate')) out.push(x.status);
    expect(out).toEqual(['Failed']); // the new system identity holds no pull role yet
  });

  it('with pullRefusals, a job update whose image cannot be pulled is refused synchronously (400), the job unchanged', async () => {
    t = await startTestEmulator(jobWorld({ pullRefusals: 'all' }));
    const job = await t.containerApps.jobs.get('web-rg', 'nightly');
    await expect(
      t.containerApps.jobs.beginUpdateAndWait('web-rg', 'nightly', {
        properties: { template: { containers: [{ name: 'worker', image: 'acmeacr.azurecr.io/worker:latest' }] } },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidParameterValueInContainerTemplate' });
    expect((await t.containerApps.jobs.get('web-rg', 'nightly')).template).toEqual(job.template);
    const [failure] = t.drainEvents().filter((e) => e.eventType === 'Microsoft.Resources.ResourceWriteFailure');
    expect((failure?.data as { operationName?: string }).operationName).toBe('Microsoft.App/jobs/write');
    const log = (t.snapshot().activityLog ?? []).filter((e) => (e['status'] as { value?: string }).value === 'Failed');
    expect(JSON.stringify(log)).toContain('UNAUTHORIZED: authentication required');
  });
});
