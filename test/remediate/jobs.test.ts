/**
 * Container Apps jobs in the remediator (issue 14), through the real SDK clients against the emulator: a job update ARM
 * refused because the job's identity cannot pull is the same `acr-pull/missing-role` as for an app — AcrPull assigned
 * (auto-fix) or planned (dry-run), never a redeploy of the old template, heal `awaiting-deployment`; after the team
 * deploys the job again, the heal check watches the job's executions and reports `healed` on the next one that runs
 * the image (a scheduled job's next run; here started by the test where the schedule would).
 */
import type { World } from '../../emulator/api';
import { parseIncoming } from '../../src/intake';
import { RUN_DEPLOYMENT_AGAIN } from '../../src/remediate/plan';
import { withNightlyJob } from '../helpers/job-world';
import { expectRefusedDryRun, readWorld, startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(30_000);

const OLD_IMAGE = 'acmeacr.azurecr.io/worker:1.9.0';
const NEW_IMAGE = 'acmeacr.azurecr.io/worker:2.0.0';

/** missing-role, a scheduled job `nightly` that last ran 1.9.0 (pulled before its identity changed); refusals on. */
function jobWorld(trigger: Record<string, unknown> = {}, extra: Partial<World> = {}): World {
  const w = { ...withNightlyJob(readWorld('missing-role'), OLD_IMAGE, trigger), ...extra };
  w.images = { ...w.images, 'acmeacr.azurecr.io': [...(w.images?.['acmeacr.azurecr.io'] ?? []), 'worker:1.9.0'] };
  w.pullRefusals = 'all';
  return w;
}

let t: E2E | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function deployJob(e: E2E): Promise<unknown> {
  return e.emu.containerApps.jobs.beginUpdateAndWait('web-rg', 'nightly', {
    properties: { template: { containers: [{ name: 'worker', image: NEW_IMAGE }] } },
  });
}

async function refusedJobRun(env: Record<string, string>, world = jobWorld()): Promise<E2E> {
  const e = await startE2E('missing-role', env, { world, propagationDelayMs: 0 });
  await expect(deployJob(e)).rejects.toMatchObject({
    statusCode: 400,
    code: 'InvalidParameterValueInContainerTemplate',
  });
  const [item] = parseIncoming(e.emu.drainEvents().filter((x) => x.eventType.endsWith('WriteFailure')));
  if (item?.status !== 'accepted') throw new Error('the job write failure was not accepted');
  e.event = item.event;
  return e;
}

describe('a Container Apps job whose update ARM refused (pull identity without AcrPull)', () => {
  it('auto-fix: AcrPull assigned, no job write, awaiting-deployment; healed on the next execution after the redeploy', async () => {
    t = await refusedJobRun({});
    const before = t.writes().length;
    const { result, diagnosis } = await t.run();
    expect(diagnosis.kind).toBe('acr-pull/missing-role');
    expect(diagnosis.resourceId).toMatch(/\/jobs\/nightly$/);
    expect(diagnosis.details.image).toBe(NEW_IMAGE);
    expect(diagnosis.details.deploymentRefused).toBe(true);
    expect(diagnosis.summary).toContain('Container Apps job nightly cannot pull acmeacr.azurecr.io/worker:2.0.0');
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'manual'],
    ]);
    expect(result.actions[1]?.reason).toContain(RUN_DEPLOYMENT_AGAIN);
    expect(result.heal?.status).toBe('awaiting-deployment');
    expect(
      t
        .writes()
        .slice(before)
        .map((w) => w.method),
    ).toEqual(['PUT']); // the role assignment only
    // The team deploys the job again (the pull works now); nothing has run yet: still awaiting.
    await deployJob(t);
    const first = await t.scheduler.runDue((ms) => t?.emu.clock.advance(ms), t.deps, { maxSteps: 1 });
    expect(first[0]?.result.status).toBe('pending');
    expect(first[0]?.result.detail).toContain('waiting for its next scheduled execution');
    // The schedule fires: an execution running the new image.
    await t.emu.containerApps.jobs.beginStartAndWait('web-rg', 'nightly');
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    expect(final?.revisionName).toMatch(/^nightly-/);
  });

  it('dry-run: the same diagnosis, zero writes, no heal promised', async () => {
    t = await refusedJobRun({ REMEDIATOR_MODE: 'dry-run' });
    await expectRefusedDryRun(t);
  });

  it('an execution that still fails is never reported healed', async () => {
    t = await refusedJobRun({});
    await t.run();
    // Deployed again before the fix took effect is impossible here (refused); start the OLD job template instead:
    // an execution of 1.9.0 does not carry the image that failed.
    await t.emu.containerApps.jobs.beginStartAndWait('web-rg', 'nightly');
    const runs = await t.settle();
    expect(runs.map((r) => r.result.status)).not.toContain('healed');
  });
});

const ALLOW_START = { REMEDIATOR_ALLOWED_FIX_TYPES: 'assign-role,redeploy-revision,start-job-execution' };
const isStart = (w: { method: string; path: string }): boolean =>
  w.method === 'POST' && /\/jobs\/nightly\/start$/i.test(w.path);

describe('after the pull fix, the job runs the image that failed', () => {
  it('Manual job, start-job-execution allowed: the heal check starts one execution once the job carries the image; healed', async () => {
    t = await refusedJobRun(ALLOW_START, jobWorld({ triggerType: 'Manual' }));
    const { result, diagnosis } = await t.run();
    expect(diagnosis.details.jobTrigger).toBe('Manual');
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'manual'],
      ['start-job-execution', 'planned'],
    ]);
    expect(result.heal?.status).toBe('awaiting-deployment');
    expect(t.writes().filter(isStart)).toEqual([]); // nothing started while the job carries the old image
    await deployJob(t);
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    expect(final?.revisionName).toMatch(/^nightly-/);
    expect(t.writes().filter(isStart)).toHaveLength(1);
    const x = await t.emu.containerApps.jobExecution('web-rg', 'nightly', final?.revisionName ?? '');
    expect(x.template?.containers?.[0]?.image).toBe(NEW_IMAGE);
    expect(['Running', 'Succeeded']).toContain(x.status);
  });

  it('Manual job, start not allowed (default): the exact step, never started, the heal stays pending', async () => {
    t = await refusedJobRun({}, jobWorld({ triggerType: 'Manual' }));
    const { result } = await t.run();
    const start = result.actions.find((a) => a.type === 'start-job-execution');
    expect(start?.status).toBe('manual');
    expect(start?.reason).toContain('az containerapp job start --name nightly --resource-group web-rg');
    await deployJob(t);
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('pending');
    expect(final?.detail).toContain('az containerapp job start --name nightly --resource-group web-rg');
    expect(t.writes().filter(isStart)).toEqual([]);
  });

  it('Manual job in dry-run: the start planned, zero writes', async () => {
    t = await refusedJobRun({ ...ALLOW_START, REMEDIATOR_MODE: 'dry-run' }, jobWorld({ triggerType: 'Manual' }));
    const before = t.writes().length;
    const { result } = await t.run();
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'planned'],
      ['redeploy-revision', 'manual'],
      ['start-job-execution', 'planned'],
    ]);
    expect(result.heal).toBeUndefined();
    expect(t.writes().slice(before)).toEqual([]);
  });

  it('Schedule job: never started by the remediator; healed on its next scheduled execution', async () => {
    t = await refusedJobRun(
      ALLOW_START,
      jobWorld({
        scheduleTriggerConfig: { cronExpression: '*/30 * * * *', parallelism: 1, replicaCompletionCount: 1 },
      }),
    );
    const { result } = await t.run();
    expect(result.actions.map((a) => a.type)).not.toContain('start-job-execution');
    await deployJob(t);
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    expect(t.writes().filter(isStart)).toEqual([]);
    const x = await t.emu.containerApps.jobExecution('web-rg', 'nightly', final?.revisionName ?? '');
    expect(x.startTime?.getUTCMinutes() === 0 || x.startTime?.getUTCMinutes() === 30).toBe(true);
    expect(x.template?.containers?.[0]?.image).toBe(NEW_IMAGE);
  });

  it('Event job: healed on the execution its next event starts', async () => {
    const jobId = jobWorld().resources.find((r) => r.type === 'Microsoft.App/jobs')?.id ?? '';
    t = await refusedJobRun(
      ALLOW_START,
      jobWorld(
        { triggerType: 'Event', eventTriggerConfig: { parallelism: 1, scale: { pollingInterval: 30, rules: [] } } },
        { jobEvents: { [jobId]: ['2026-11-21T11:30:00Z'] } },
      ),
    );
    await t.run();
    await deployJob(t);
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    const x = await t.emu.containerApps.jobExecution('web-rg', 'nightly', final?.revisionName ?? '');
    expect(x.startTime?.toISOString()).toBe('2026-11-21T11:30:00.000Z');
    expect(t.writes().filter(isStart)).toEqual([]);
  });
});
