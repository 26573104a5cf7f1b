/**
 * End to end through the real SDK adapter (createSdkArmPort) against the ARM emulator over HTTPS:
 * diagnose → plan → guard → act → heal check on the emulator's clock.
 */
import { ROLE_IDS, type Action, type Diagnosis } from '../../src/model';
import { executeActions } from '../../src/remediate';
import { readWorld, startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(20_000);

const ALL_FIXES = { REMEDIATOR_ALLOWED_FIX_TYPES: 'assign-role,redeploy-revision,enable-arm-token-auth' };
const isRoleAssignmentPut = (w: { method: string; path: string }) =>
  w.method === 'PUT' && /\/providers\/Microsoft\.Authorization\/roleAssignments\//i.test(w.path);
const isAppWrite = (w: { method: string; path: string }) =>
  (w.method === 'PATCH' || w.method === 'PUT') && /\/providers\/Microsoft\.App\/containerApps\/[^/]+$/i.test(w.path);

let t: E2E | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function expectRunning(e: E2E, appId: string, revisionName: string | undefined): Promise<void> {
  expect(revisionName).toBeDefined();
  const rev = await e.deps.arm.getRevision(appId, revisionName as string);
  expect(rev?.runningState).toBe('Running');
}

describe('each fixable kind heals end to end in auto-fix', () => {
  it.each([
    ['missing-role', 'acr-pull/missing-role', ROLE_IDS.acrPull],
    ['abac-role-mismatch', 'acr-pull/abac-role-mismatch', ROLE_IDS.repositoryReader],
    ['system-identity-on-create', 'acr-pull/system-identity-on-create', ROLE_IDS.acrPull],
    ['seed-story', 'acr-pull/missing-role', ROLE_IDS.acrPull],
  ])('%s', async (world, kind, role) => {
    t = await startE2E(world);
    const { result, diagnosis } = await t.run();
    expect(diagnosis.kind).toBe(kind);
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'applied'],
    ]);
    expect(result.actions[0]?.roleDefinitionId).toBe(role);
    // exactly one write so far: the role assignment (the redeploy waits for propagation, on the scheduler)
    expect(t.writes().filter(isRoleAssignmentPut)).toHaveLength(1);
    expect(t.writes().filter(isAppWrite)).toHaveLength(0);
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    expect(final?.healedAfterMs).toBeGreaterThan(0);
    // The adaptive schedule (default): one app write per redeploy attempt, the last one runs.
    expect(final?.attempts).toBeGreaterThanOrEqual(1);
    expect(t.writes().filter(isAppWrite)).toHaveLength(final?.attempts ?? -1);
    await expectRunning(t, diagnosis.details.appId as string, final?.revisionName);
  });

  it('arm-token-auth-disabled (fix allowed): enables the policy and redeploys at once', async () => {
    t = await startE2E('arm-token-auth-disabled', ALL_FIXES);
    const { result, diagnosis } = await t.run();
    expect(diagnosis.kind).toBe('acr-pull/arm-token-auth-disabled');
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([
      ['enable-arm-token-auth', 'applied'],
      ['redeploy-revision', 'applied'],
    ]);
    expect((await t.deps.arm.getRegistry(diagnosis.details.registryId as string))?.armTokenAuth).toBe('enabled');
    const runs = await t.settle();
    expect(runs[runs.length - 1]?.result.status).toBe('healed');
    await expectRunning(t, diagnosis.details.appId as string, runs[runs.length - 1]?.result.revisionName);
  });

  it('role-propagating: no role change, redeploy attempts timed from the assignment until it runs', async () => {
    t = await startE2E('role-propagating');
    const { result, diagnosis } = await t.run();
    expect(diagnosis.kind).toBe('acr-pull/role-propagating');
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([['redeploy-revision', 'applied']]);
    const runs = await t.settle();
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    expect(t.writes().filter(isAppWrite)).toHaveLength(final?.attempts ?? -1);
    expect(t.writes().filter(isRoleAssignmentPut)).toHaveLength(0);
    await expectRunning(t, diagnosis.details.appId as string, final?.revisionName);
  });

  it('role-propagating, fixed window: no role change, one redeploy once the window has passed', async () => {
    t = await startE2E('role-propagating', { REMEDIATOR_HEAL_SCHEDULE: 'fixed-window' });
    const { result, diagnosis } = await t.run();
    expect(diagnosis.kind).toBe('acr-pull/role-propagating');
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([['redeploy-revision', 'applied']]);
    expect(t.writes()).toEqual([]);
    const due = t.scheduler.pending()[0]?.dueAt;
    expect(Date.parse(due ?? '')).toBe(Date.parse(diagnosis.details.effectiveAt as string));
    const runs = await t.settle();
    expect(runs[runs.length - 1]?.result.status).toBe('healed');
    expect(t.writes().filter(isRoleAssignmentPut)).toHaveLength(0);
  });

  it('arm-authz/acr-pull-denied: the pull role for the principal the app uses, then the app heals', async () => {
    t = await startE2E('arm-authz-acr-pull-denied');
    const { result, diagnosis } = await t.run();
    expect(diagnosis.kind).toBe('arm-authz/acr-pull-denied');
    expect(result.actions[0]).toMatchObject({
      type: 'assign-role',
      status: 'applied',
      principalId: diagnosis.details.callerPrincipalId,
    });
    expect(t.writes().filter(isRoleAssignmentPut)).toHaveLength(1);
    const runs = await t.settle();
    const app = await t.deps.arm.getContainerApp(diagnosis.details.appId as string);
    expect(t.emu.canPull(diagnosis.details.callerPrincipalId, app?.containers[0]?.image as string)).toEqual({
      ok: true,
    });
    // the diagnosis found the app's failing revision: it is redeployed and runs
    expect(diagnosis.details.revisionName).toBeDefined();
    expect(runs[runs.length - 1]?.result.status).toBe('healed');
    await expectRunning(t, diagnosis.details.appId as string, runs[runs.length - 1]?.result.revisionName);
  });
});

describe('dry-run', () => {
  it.each(['missing-role', 'arm-token-auth-disabled', 'role-propagating', 'arm-authz-acr-pull-denied'])(
    '%s: zero writes reach ARM, fixes are planned',
    async (world) => {
      t = await startE2E(world, { REMEDIATOR_MODE: 'dry-run', ...ALL_FIXES });
      const { result } = await t.run();
      expect(result.actions.length).toBeGreaterThan(0);
      expect(result.actions.every((a) => a.status === 'planned')).toBe(true);
      await t.settle();
      expect(t.writes()).toEqual([]);
      // Reads only: GETs, POST /providers/Microsoft.Management/getEntities (the management groups API lists by POST)
      // and Resource Graph queries (a POST that carries the query).
      expect(
        t.emu.requestLog.filter(
          (r) =>
            r.method !== 'GET' &&
            !/\/providers\/microsoft\.management\/getentities$/i.test(r.path) &&
            !/^\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(r.path),
        ),
      ).toEqual([]);
    },
  );
});

describe('guardrails against real ARM state (zero writes when blocked)', () => {
  const tag = (world: ReturnType<typeof readWorld>, type: string, tags: Record<string, string>) => ({
    ...world,
    resources: world.resources.map((r) =>
      r.type === type ? { ...r, tags: { ...((r['tags'] as Record<string, string>) ?? {}), ...tags } } : r,
    ),
  });

  it.each<
    [
      string,
      Record<string, string>,
      ((w: ReturnType<typeof readWorld>) => ReturnType<typeof readWorld>) | undefined,
      RegExp,
    ]
  >([
    ['fix type not allowed', { REMEDIATOR_ALLOWED_FIX_TYPES: 'none' }, undefined, /not allowed/],
    [
      'scope not allowed',
      { REMEDIATOR_ALLOWED_SCOPES: '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' },
      undefined,
      /outside the allowed scopes/,
    ],
    [
      'opt-out tag on the app',
      {},
      (w) => tag(w, 'Microsoft.App/containerApps', { 'remediator:disable': 'true' }),
      /container app web carries the opt-out tag/,
    ],
    [
      'opt-out tag on the registry',
      {},
      (w) => tag(w, 'Microsoft.ContainerRegistry/registries', { 'remediator:disable': 'true' }),
      /registry acmeacr carries the opt-out tag/,
    ],
    ['budget of zero', { REMEDIATOR_FIX_BUDGET_PER_HOUR: '0' }, undefined, /budget exhausted/],
  ])('%s', async (_name, env, edit, reason) => {
    const world = readWorld('missing-role');
    t = await startE2E('missing-role', env, { world: edit ? edit(world) : world });
    const { result } = await t.run();
    expect(result.actions[0]?.status).toBe('blocked');
    expect(result.actions[0]?.reason).toMatch(reason);
    expect(result.actions[1]?.status).toBe('blocked');
    await t.settle();
    expect(t.writes()).toEqual([]);
  });

  it('ids in a planned action are not trusted: non-pull role, unknown principal, wrong scope are stopped after re-reading ARM', async () => {
    t = await startE2E('missing-role');
    const diagnosis = await t.diagnose();
    const registryId = diagnosis.details.registryId as string;
    const good: Action = {
      type: 'assign-role',
      status: 'planned',
      scope: registryId,
      resourceId: registryId,
      principalId: diagnosis.details.identity?.principalId as string,
      principalType: 'ServicePrincipal',
      roleDefinitionId: ROLE_IDS.acrPull,
    };
    const tampered: Array<[Action, string, RegExp]> = [
      [{ ...good, roleDefinitionId: ROLE_IDS.rbacAdministrator, claimKey: 'k1' }, 'manual', /only ever assigns/],
      [
        { ...good, principalId: '00000000-0000-0000-0000-00000000beef', claimKey: 'k2' },
        'blocked',
        /no container app in scope uses principal/,
      ],
      [
        { ...good, scope: registryId.replace(/\/providers\/.*$/, ''), claimKey: 'k3' },
        'blocked',
        /registry's own scope/,
      ],
      [
        {
          ...good,
          resourceId: undefined as unknown as string,
          scope: registryId.replace(/\/providers\/.*$/, ''),
          claimKey: 'k4',
        },
        'blocked',
        /registry could not be read/,
      ],
    ];
    for (const [action, status, reason] of tampered) {
      const res = await executeActions({ event: t.event, diagnosis, actions: [action] }, t.deps);
      expect(res.actions[0]?.status).toBe(status);
      expect(res.actions[0]?.reason).toMatch(reason);
    }
    expect(t.writes()).toEqual([]);
  });
});

describe('idempotency', () => {
  it('409 RoleAssignmentExists (same role under another name) counts as success and the app still heals', async () => {
    t = await startE2E('missing-role');
    const diagnosis: Diagnosis = await t.diagnose();
    const registryId = diagnosis.details.registryId as string;
    const principalId = diagnosis.details.identity?.principalId as string;
    const sub = /\/subscriptions\/([^/]+)/.exec(registryId)?.[1] as string;
    // someone else creates the same assignment under a random GUID between diagnosis and fix
    await t.emu
      .clientsFor(sub)
      .authorization.roleAssignments.create(registryId, '0f0f0f0f-1111-4222-8333-444455556666', {
        roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_IDS.acrPull}`,
        principalId,
        principalType: 'ServicePrincipal',
      });
    t.emu.clearRequestLog();
    const { result } = await t.run(diagnosis);
    expect(result.actions[0]).toMatchObject({ type: 'assign-role', status: 'applied' });
    expect(result.actions[0]?.reason).toMatch(/RoleAssignmentExists/);
    expect(
      t
        .writes()
        .filter(isRoleAssignmentPut)
        .map((w) => w.status),
    ).toEqual([409]);
    const runs = await t.settle();
    expect(runs[runs.length - 1]?.result.status).toBe('healed');
  });

  it('the same delivery twice writes once (fixed window: one redeploy)', async () => {
    t = await startE2E('missing-role', { REMEDIATOR_HEAL_SCHEDULE: 'fixed-window' });
    const d = await t.diagnose();
    const first = await t.run(d);
    const second = await t.run(d);
    expect(first.result.actions.map((a) => a.status)).toEqual(['applied', 'applied']);
    expect(second.result.actions.map((a) => a.reason)).toEqual([
      expect.stringMatching(/already applied by another delivery/),
      expect.stringMatching(/already scheduled by another delivery/),
    ]);
    await t.settle();
    expect(t.writes().filter(isRoleAssignmentPut)).toHaveLength(1);
    expect(t.writes().filter(isAppWrite)).toHaveLength(1);
  });
});

describe('transient faults in the heal step', () => {
  it('a redeploy PATCH failing with 503 is delivered again later, written once, and heals', async () => {
    t = await startE2E('missing-role', { REMEDIATOR_HEAL_SCHEDULE: 'fixed-window' });
    await t.run();
    // every PATCH of the app fails for the next 3 calls (the SDK retries twice: one delivery fails transiently)
    t.emu.addFault({ method: 'PATCH', path: '/containerApps/web$', kind: 'error', status: 503, times: 3 });
    const runs = await t.settle();
    expect(runs.map((r) => r.result.status)).toEqual(['pending', 'pending', 'healed']);
    expect(runs[0]?.result.detail).toMatch(/failed transiently \(delivery 1 of 5\)/);
    const patches = t.emu.requestLog.filter((r) => r.method === 'PATCH' && /\/containerApps\/web$/i.test(r.path));
    expect(patches.map((r) => r.status)).toEqual([503, 503, 503, 202]);
    // only the last one changed state: the app was redeployed exactly once
    expect(t.writes().filter(isAppWrite)).toHaveLength(1);
  });
});
