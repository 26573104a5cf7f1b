/**
 * Container Apps jobs in the emulator (issue 14), through the real ContainerAppsAPIClient: a job pulls with its own
 * `configuration.registries[]` like an app; an execution whose image cannot be pulled is `Failed`, and after the pull
 * role exists the next execution runs; where the world refuses pulls synchronously, the job's PUT/PATCH is a 400
 * `InvalidParameterValueInContainerTemplate` with the Failed event and Activity Log entry ARM writes.
 */
import type { World } from '../../emulator/api';
import { readWorld } from '../remediate/e2e-helpers';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { cronMatches, parseCron } from '../../emulator/state/job-runs';
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

/** The world's job `nightly` with another trigger (`config` merged into its configuration). */
function triggered(config: Record<string, unknown>, extra: Partial<World> = {}): World {
  const w = jobWorld(extra);
  const job = w.resources.find((r) => r.type === 'Microsoft.App/jobs');
  const props = job?.['properties'] as { configuration: Record<string, unknown> };
  props.configuration = { ...props.configuration, ...config };
  return w;
}

const MIN = 60_000;
const grantAcrPull = (e: TestEmulator): Promise<unknown> =>
  e.clientsFor(SHARED_SUB).authorization.roleAssignments.create(REGISTRY_ID, 'e5e5e5e5-1111-4222-8333-555555555555', {
    roleDefinitionId: `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
    principalId: UAI_PRINCIPAL,
    principalType: 'ServicePrincipal',
  });

describe('job triggers on the emulator clock', () => {
  it('a Schedule job fires on its cron: Failed while the pull fails, Running then Succeeded once it works', async () => {
    t = await startTestEmulator(
      triggered({
        scheduleTriggerConfig: { cronExpression: '*/15 * * * *', parallelism: 1, replicaCompletionCount: 1 },
      }),
    );
    t.clock.advance(31 * MIN); // 10:15 and 10:30
    expect(await executions(t)).toEqual([
      { name: expect.stringMatching(/^nightly-/), status: 'Failed', image: IMAGE },
      { name: expect.stringMatching(/^nightly-/), status: 'Failed', image: IMAGE },
    ]);
    await grantAcrPull(t);
    t.clock.advance(14 * MIN); // 10:45: the role (5 minutes to take effect) is in effect
    expect((await executions(t)).map((x) => x.status)).toEqual(['Running', 'Failed', 'Failed']);
    t.clock.advance(2 * MIN);
    const [latest] = await executions(t);
    expect(latest?.status).toBe('Succeeded');
    const x = await t.containerApps.jobExecution('web-rg', 'nightly', latest?.name ?? '');
    expect(x.startTime?.toISOString()).toBe('2026-11-21T10:45:00.000Z');
    expect(x.endTime?.toISOString()).toBe('2026-11-21T10:46:00.000Z');
    // No Event Grid event for a scheduled run: it is no ARM operation.
    expect(t.drainEvents().filter((e) => /jobs\/start/.test(JSON.stringify(e.data)))).toEqual([]);
  });

  it('a nightly job does not fire before 02:00; it fires once when the clock passes it', async () => {
    t = await startTestEmulator(jobWorld());
    t.clock.advance(10 * 3_600_000); // 20:00
    expect(await executions(t)).toEqual([]);
    t.clock.advance(7 * 3_600_000); // 03:00 next day
    const list = await executions(t);
    expect(list).toHaveLength(1);
    const x = await t.containerApps.jobExecution('web-rg', 'nightly', list[0]?.name ?? '');
    expect(x.startTime?.toISOString()).toBe('2026-11-22T02:00:00.000Z');
  });

  it('an Event job runs once per event, at its next polling tick', async () => {
    const jobId = jobWorld().resources.find((r) => r.type === 'Microsoft.App/jobs')?.id ?? '';
    t = await startTestEmulator(
      triggered(
        { triggerType: 'Event', eventTriggerConfig: { parallelism: 1, scale: { pollingInterval: 60, rules: [] } } },
        { jobEvents: { [jobId]: ['2026-11-21T10:00:40Z', '2026-11-21T10:20:10Z'] } },
      ),
    );
    t.clock.advance(30 * 1000);
    expect(await executions(t)).toEqual([]);
    t.clock.advance(MIN);
    const first = await executions(t);
    expect(first.map((x) => x.status)).toEqual(['Failed']);
    expect(
      (await t.containerApps.jobExecution('web-rg', 'nightly', first[0]?.name ?? '')).startTime?.toISOString(),
    ).toBe('2026-11-21T10:01:00.000Z');
    t.clock.advance(30 * MIN);
    expect(await executions(t)).toHaveLength(2);
  });

  it('cron expressions: steps, ranges, lists, both day fields; invalid ones fire never', () => {
    const at = (iso: string) => new Date(iso);
    const weekdays = parseCron('30 2 * * 1-5');
    expect(weekdays && cronMatches(weekdays, at('2026-11-23T02:30:00Z'))).toBe(true); // Monday
    expect(weekdays && cronMatches(weekdays, at('2026-11-22T02:30:00Z'))).toBe(false); // Sunday
    const list = parseCron('0,20 */6 1 * 0');
    expect(list && cronMatches(list, at('2026-11-01T06:20:00Z'))).toBe(true); // the 1st (a Sunday too)
    expect(list && cronMatches(list, at('2026-11-29T12:00:00Z'))).toBe(true); // a Sunday: either day field
    expect(list && cronMatches(list, at('2026-11-29T13:00:00Z'))).toBe(false);
    expect(parseCron('0 2 * *')).toBeUndefined();
    expect(parseCron('61 * * * *')).toBeUndefined();
    expect(parseCron('*/0 * * * *')).toBeUndefined();
  });
});
