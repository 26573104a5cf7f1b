import pino from 'pino';
import { loadConfig } from '../../src/config';
import { RemediatorError, type Diagnosis, type FailureEvent } from '../../src/model';
import { ClockedScheduler, executeActions, planActions, type RemediateDeps } from '../../src/remediate';
import { createMemoryStore } from '../../src/store/memory-store';
import { APP_ID, FakeArm, PRINCIPAL, REGISTRY_ID, UAI_ID, makeRegistry } from './fake-arm';

const T0 = new Date('2026-11-21T10:00:00Z');
function makeClock(start = T0) {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}
const event: FailureEvent = {
  source: 'event-grid',
  id: 'evt-1',
  time: T0.toISOString(),
  eventType: 'Microsoft.Resources.ResourceWriteFailure',
  subject: APP_ID,
  resourceId: APP_ID,
  operationName: 'Microsoft.App/containerApps/write',
  status: 'Failed',
  raw: {},
};
const diagnosis = (kind: Diagnosis['kind'] = 'acr-pull/missing-role', extra: Diagnosis['details'] = {}): Diagnosis => ({
  kind,
  resourceId: APP_ID,
  summary: 's',
  evidence: [],
  details: {
    appId: APP_ID,
    appName: 'web',
    revisionName: 'web--v1',
    registryId: REGISTRY_ID,
    loginServer: 'contoso.azurecr.io',
    identity: { kind: 'user-assigned', resourceId: UAI_ID, principalId: PRINCIPAL },
    roleAssignmentMode: 'LegacyRegistryPermissions',
    ...extra,
  },
});

function setup(env: Record<string, string> = {}, arm = new FakeArm()) {
  const clock = makeClock();
  const config = loadConfig({ REMEDIATOR_MODE: 'auto-fix', REMEDIATOR_HEAL_CHECK_DELAY_SECONDS: '30', ...env });
  const scheduler = new ClockedScheduler(clock);
  const store = createMemoryStore();
  const deps: RemediateDeps = { arm, store, scheduler, clock, config, log: pino({ level: 'silent' }) };
  const run = (d: Diagnosis = diagnosis(), ev: FailureEvent = event) =>
    executeActions({ event: ev, diagnosis: d, actions: planActions(d, config) }, deps);
  return { arm, clock, config, scheduler, store, deps, run };
}

describe('executeActions (fake ArmPort, memory store, clocked scheduler)', () => {
  it('missing-role in auto-fix, adaptive schedule: assigns once, first redeploy attempt 60 s after the grant, checked at once', async () => {
    const t = setup();
    const res = await t.run();
    expect(res.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'applied'],
    ]);
    expect(res.actions[1]?.reason).toMatch(/will be tried in 60 s, and again on a backoff/);
    expect(t.scheduler.pending()[0]?.dueAt).toBe(new Date(T0.getTime() + 60_000).toISOString());
    const runs = await t.scheduler.runDue(t.clock.advance, t.deps);
    expect(t.arm.writes.map((w) => w.op)).toEqual(['createRoleAssignment', 'createRevision']);
    const last = runs[runs.length - 1];
    expect(last?.result).toMatchObject({ status: 'healed', attempts: 1, healedAfterMs: 60_000 });
    expect(runs).toHaveLength(1);
  });

  it('missing-role in auto-fix, fixed window: assigns once, redeploys after the propagation wait, heal check finds it running', async () => {
    const t = setup({ REMEDIATOR_HEAL_SCHEDULE: 'fixed-window' });
    const res = await t.run();
    expect(res.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'applied'],
    ]);
    expect(res.heal?.status).toBe('pending');
    expect(t.arm.writes.map((w) => w.op)).toEqual(['createRoleAssignment']); // redeploy waits
    expect(t.scheduler.pending()[0]?.dueAt).toBe(new Date(T0.getTime() + t.config.propagationWindowMs).toISOString());
    const runs = await t.scheduler.runDue(t.clock.advance, t.deps);
    expect(t.arm.writes.map((w) => w.op)).toEqual(['createRoleAssignment', 'createRevision']);
    const last = runs[runs.length - 1];
    expect(last?.result.status).toBe('healed');
    expect(last?.result.healedAfterMs).toBe(t.config.propagationWindowMs + 30_000);
    // the role assignment PUT used the deterministic name and a full role definition id
    const req = t.arm.writes[0]?.detail as { name: string; roleDefinitionId: string; principalType: string };
    expect(req.roleDefinitionId).toMatch(
      /^\/subscriptions\/.+\/roleDefinitions\/7f951dda-4ed3-4680-a7ca-43fe172d538d$/,
    );
    expect(req.principalType).toBe('ServicePrincipal');
    // every decision is audited
    const audit = await t.store.listAudit({ eventId: 'evt-1' });
    expect(
      audit.map((a) => `${a.detail['action'] && (a.detail['action'] as { type: string }).type}:${a.status}`),
    ).toEqual(['assign-role:applied', 'redeploy-revision:applied', 'redeploy-revision:applied']);
  });

  it('dry-run: nothing is written, everything planned, nothing scheduled', async () => {
    const t = setup({ REMEDIATOR_MODE: 'dry-run' });
    const res = await t.run();
    expect(res.actions.map((a) => a.status)).toEqual(['planned', 'planned']);
    expect(res.actions[0]?.reason).toMatch(/^dry-run: would assign AcrPull/);
    expect(t.arm.writes).toEqual([]);
    expect(t.scheduler.pending()).toEqual([]);
  });

  it('a second delivery of the same fix loses the claim and writes nothing', async () => {
    const t = setup();
    await t.run();
    const again = await t.run(diagnosis(), { ...event, id: 'evt-2' });
    expect(again.actions.map((a) => a.status)).toEqual(['applied', 'applied']);
    expect(again.actions[0]?.reason).toMatch(/already applied by another delivery \(event evt-1/);
    expect(t.arm.writes.filter((w) => w.op === 'createRoleAssignment')).toHaveLength(1);
    // The second delivery hands the scheduled redeploy on again (its scheduler may have died first): one step, one id.
    expect(new Set(t.scheduler.pending().map((p) => p.task.id)).size).toBe(1);
  });

  it('RoleAssignmentExists (created: false) is success', async () => {
    const arm = new FakeArm();
    arm.assignments.push({
      id: 'x',
      name: 'other-guid',
      scope: REGISTRY_ID,
      roleDefinitionId: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
      principalId: PRINCIPAL,
    });
    const t = setup({}, arm);
    const res = await t.run();
    expect(res.actions[0]).toMatchObject({ status: 'applied' });
    expect(res.actions[0]?.reason).toMatch(/already existed/);
  });

  it('a transient write failure releases the claim and throws a transient RemediatorError; the retry then writes', async () => {
    const t = setup();
    t.arm.failNextWrite = Object.assign(new Error('server busy'), { statusCode: 503 });
    await expect(t.run()).rejects.toMatchObject({ name: 'RemediatorError', transient: true });
    const retry = await t.run();
    expect(retry.actions[0]?.status).toBe('applied');
    expect(t.arm.assignments).toHaveLength(1);
    expect(await t.store.readCounter('fix-budget', T0.toISOString().slice(0, 13))).toBe(1); // the failed try gave its unit back
    expect(RemediatorError).toBeDefined();
  });

  it('a permanent write failure → failed with the reason; the redeploy is blocked', async () => {
    const t = setup();
    t.arm.failNextWrite = Object.assign(new Error('PrincipalNotFound: no such principal'), { statusCode: 400 });
    const res = await t.run();
    expect(res.actions.map((a) => a.status)).toEqual(['failed', 'blocked']);
    expect(res.actions[0]?.reason).toMatch(/PrincipalNotFound/);
    expect(t.scheduler.pending()).toEqual([]);
  });

  it('budget: the fix over the hourly budget is blocked (checked again by the heal step before its write)', async () => {
    const t = setup({ REMEDIATOR_FIX_BUDGET_PER_HOUR: '1' });
    const res = await t.run();
    expect(res.actions.map((a) => a.status)).toEqual(['applied', 'blocked']);
    expect(res.actions[1]?.reason).toMatch(/budget exhausted: 1 of 1/);
    expect(t.scheduler.pending()).toEqual([]);
    // budget 2: the redeploy is scheduled; meanwhile another instance spends the last unit → the heal step is blocked
    const u = setup({ REMEDIATOR_FIX_BUDGET_PER_HOUR: '2' });
    await u.run();
    expect(u.scheduler.pending()).toHaveLength(1);
    await u.store.increment('fix-budget', T0.toISOString().slice(0, 13));
    const runs = await u.scheduler.runDue(u.clock.advance, u.deps);
    expect(runs[runs.length - 1]?.result).toMatchObject({
      status: 'still-failing',
      detail: expect.stringMatching(/budget/),
    });
    expect(u.arm.writes.map((w) => w.op)).toEqual(['createRoleAssignment']);
  });

  it('arm-token-auth-disabled: enables only when allowed, then redeploys at once', async () => {
    const arm = new FakeArm(undefined, makeRegistry({ armTokenAuth: 'disabled' }));
    arm.apps.set(APP_ID.toLowerCase(), (await new FakeArm().getContainerApp(APP_ID))!);
    const off = setup({}, arm);
    const blocked = await off.run(diagnosis('acr-pull/arm-token-auth-disabled'));
    expect(blocked.actions.map((a) => a.status)).toEqual(['blocked', 'blocked']);
    expect(arm.writes).toEqual([]);
    const on = setup({ REMEDIATOR_ALLOWED_FIX_TYPES: 'assign-role,redeploy-revision,enable-arm-token-auth' }, arm);
    const res = await on.run(diagnosis('acr-pull/arm-token-auth-disabled'));
    expect(res.actions.map((a) => a.status)).toEqual(['applied', 'applied']);
    expect(arm.writes.map((w) => w.op)).toEqual(['enableArmTokenAuth', 'createRevision']);
    expect(res.heal?.revisionName).toMatch(/^web--heal-/);
  });

  it('a new revision that fails again is reported still-failing with its provisioning error', async () => {
    const arm = new FakeArm();
    arm.newRevisionState = {
      provisioningState: 'Failed',
      runningState: 'Failed',
      provisioningError: 'UNAUTHORIZED: authentication required',
    };
    const t = setup({}, arm);
    await t.run(diagnosis('acr-pull/role-propagating', { effectiveAt: '2026-11-21T10:04:00Z' }));
    expect(t.scheduler.pending()[0]?.dueAt).toBe('2026-11-21T10:04:00.000Z');
    const runs = await t.scheduler.runDue(t.clock.advance, t.deps);
    expect(runs[runs.length - 1]?.result).toMatchObject({
      status: 'still-failing',
      detail: expect.stringContaining('UNAUTHORIZED'),
    });
  });

  it('a revision that never comes up is checked healCheckAttempts times', async () => {
    const arm = new FakeArm();
    arm.newRevisionState = { provisioningState: 'Provisioning', runningState: 'Activating' };
    const t = setup({ REMEDIATOR_HEAL_CHECK_ATTEMPTS: '3' }, arm);
    await t.run(diagnosis('acr-pull/role-propagating'));
    const runs = await t.scheduler.runDue(t.clock.advance, t.deps);
    expect(runs.map((r) => r.result.status)).toEqual(['pending', 'pending', 'still-failing']);
    expect(runs[2]?.result.detail).toMatch(/after 3 checks/);
  });
});
