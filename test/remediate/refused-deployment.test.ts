/**
 * The synchronous refusal (issue 14): ARM answers the app's PATCH with 400 InvalidParameterValueInContainerTemplate
 * (`pullRefusals` in the world), no revision is created, the app keeps its old template. Through the real SDK clients
 * against the emulator: the diagnosis names the refused image, auto-fix assigns the role but never redeploys the old
 * template, the heal is `awaiting-deployment` until the team deploys again, then `healed` with the time.
 */
import type { World } from '../../emulator/api';
import { parseIncoming } from '../../src/intake';
import { RUN_DEPLOYMENT_AGAIN } from '../../src/remediate/plan';
import { expectRefusedDryRun, readWorld, startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(30_000);

const NEW_IMAGE = 'acmeacr.azurecr.io/api:1.4.2';

/** The missing-role world before the deployment: the app healthy on 1.4.1 (pulled before the identity changed). */
function refusingWorld(): World {
  const w = readWorld('missing-role');
  w.resources = w.resources.filter((r) => !/\/revisions\/web--v7$/i.test(r.id));
  for (const r of w.resources) {
    if (r.type !== 'Microsoft.App/containerApps') continue;
    const p = r['properties'] as Record<string, unknown>;
    p['template'] = {
      revisionSuffix: 'v6',
      containers: [{ name: 'api', image: 'mcr.microsoft.com/k8se/quickstart:latest' }],
      scale: { minReplicas: 1, maxReplicas: 3 },
    };
    Object.assign(p, {
      provisioningState: 'Succeeded',
      latestRevisionName: 'web--v6',
      latestReadyRevisionName: 'web--v6',
    });
  }
  for (const r of w.resources)
    if (/\/revisions\/web--v6$/i.test(r.id))
      (r['properties'] as { template: unknown }).template = {
        containers: [{ name: 'api', image: 'mcr.microsoft.com/k8se/quickstart:latest' }],
      };
  w.pullRefusals = 'all';
  return w;
}

let t: E2E | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function deploy(e: E2E, suffix: string): Promise<unknown> {
  const apps = e.emu.containerApps;
  return apps.containerApps.beginUpdateAndWait('web-rg', 'web', {
    location: 'westeurope',
    template: { revisionSuffix: suffix, containers: [{ name: 'api', image: NEW_IMAGE }] },
  });
}

async function refusedRun(env: Record<string, string>): Promise<E2E> {
  // The event is what the refused write raised; the world's own event file is not used.
  const e = await startE2E('missing-role', env, { world: refusingWorld(), propagationDelayMs: 0 });
  await expect(deploy(e, 'v8')).rejects.toMatchObject({
    statusCode: 400,
    code: 'InvalidParameterValueInContainerTemplate',
  });
  const revisions = [];
  for await (const r of e.emu.containerApps.containerAppsRevisions.listRevisions('web-rg', 'web')) revisions.push(r);
  expect(revisions.map((r) => r.name)).toEqual(['web--v6']);
  const events = e.emu.drainEvents();
  expect(events.map((x) => x.eventType)).toEqual(['Microsoft.Resources.ResourceWriteFailure']);
  const [item] = parseIncoming(events);
  if (item?.status !== 'accepted') throw new Error('event not accepted');
  e.event = item.event;
  return e;
}

describe('a deployment ARM refused synchronously', () => {
  it('auto-fix: role assigned, no redeploy of the old template, awaiting-deployment, then healed by the next deployment', async () => {
    t = await refusedRun({});
    const diagnosis = await t.diagnose();
    expect(diagnosis.kind).toBe('acr-pull/missing-role');
    expect(diagnosis.details.image).toBe(NEW_IMAGE);
    expect(diagnosis.details.deploymentRefused).toBe(true);
    expect(diagnosis.evidence[0]).toMatch(/refused the deployment of acmeacr\.azurecr\.io\/api:1\.4\.2/);
    const writesBefore = t.writes().length;
    const { result } = await t.run(diagnosis);
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'manual'],
    ]);
    expect(result.actions[1]?.reason).toContain(RUN_DEPLOYMENT_AGAIN);
    expect(result.heal?.status).toBe('awaiting-deployment');
    const newWrites = t.writes().slice(writesBefore);
    expect(newWrites.map((w) => w.method)).toEqual(['PUT']); // the role assignment only: no app write
    // the first watch: nothing deployed yet
    const first = await t.scheduler.runDue((ms) => t?.emu.clock.advance(ms), t.deps, { maxSteps: 1 });
    expect(first[0]?.result.status).toBe('awaiting-deployment');
    // the team runs its deployment again: now the pull works
    await deploy(t, 'v9');
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    expect(final?.revisionName).toBe('web--v9');
    expect(final?.healedAfterMs).toBeGreaterThan(0);
  });

  it('dry-run: zero writes, the redeploy step is the manual "run your deployment again", no heal promised', async () => {
    t = await refusedRun({ REMEDIATOR_MODE: 'dry-run' });
    await expectRefusedDryRun(t);
  });

  it('with no deployment again, the heal check never says healed', async () => {
    t = await refusedRun({});
    const { result } = await t.run();
    expect(result.heal?.status).toBe('awaiting-deployment');
    const runs = await t.settle();
    expect(runs.map((r) => r.result.status)).not.toContain('healed');
    expect(runs[runs.length - 1]?.result.status).toBe('awaiting-deployment');
  });
});
