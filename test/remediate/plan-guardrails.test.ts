import { loadConfig } from '../../src/config';
import { ROLE_IDS, type Action, type FixAction, type Diagnosis, type DiagnosisKind } from '../../src/model';
import { checkGuardrail, planActions, type GuardFacts } from '../../src/remediate';
import { APP_ID, PRINCIPAL, REGISTRY_ID, RG, SUB, UAI_ID, makeApp, makeRegistry } from './fake-arm';

const base = (kind: DiagnosisKind, details: Diagnosis['details'] = {}): Diagnosis => ({
  kind,
  resourceId: APP_ID,
  summary: 's',
  evidence: [],
  details,
});
const pullDetails = {
  appId: APP_ID,
  appName: 'web',
  revisionName: 'web--v1',
  registryId: REGISTRY_ID,
  loginServer: 'contoso.azurecr.io',
  identity: { kind: 'user-assigned' as const, resourceId: UAI_ID, principalId: PRINCIPAL },
  roleAssignmentMode: 'LegacyRegistryPermissions',
};
const autoFix = loadConfig({ REMEDIATOR_MODE: 'auto-fix' });

describe('planActions', () => {
  it.each([
    ['acr-pull/missing-role', pullDetails, ROLE_IDS.acrPull],
    [
      'acr-pull/abac-role-mismatch',
      { ...pullDetails, roleAssignmentMode: 'AbacRepositoryPermissions' },
      ROLE_IDS.repositoryReader,
    ],
    [
      'acr-pull/system-identity-on-create',
      { ...pullDetails, identity: { kind: 'system' as const, principalId: PRINCIPAL } },
      ROLE_IDS.acrPull,
    ],
  ] as const)('%s: assign the pull role at the registry, then redeploy', (kind, details, role) => {
    const actions = planActions(base(kind, details), autoFix);
    expect(actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'planned'],
      ['redeploy-revision', 'planned'],
    ]);
    expect(actions[0]).toMatchObject({
      scope: REGISTRY_ID,
      principalId: PRINCIPAL,
      principalType: 'ServicePrincipal',
      roleDefinitionId: role,
    });
    expect(actions[1]).toMatchObject({ resourceId: APP_ID });
    expect(actions[1]?.claimKey).toContain('web--v1');
  });

  it('arm-token-auth-disabled: enable the policy then redeploy; role-propagating: redeploy only', () => {
    expect(planActions(base('acr-pull/arm-token-auth-disabled', pullDetails), autoFix).map((a) => a.type)).toEqual([
      'enable-arm-token-auth',
      'redeploy-revision',
    ]);
    expect(
      planActions(
        base('acr-pull/role-propagating', { ...pullDetails, effectiveAt: '2026-11-21T10:10:00Z' }),
        autoFix,
      ).map((a) => a.type),
    ).toEqual(['redeploy-revision']);
  });

  it('arm-authz/acr-pull-denied: the caller principal at the denied registry', () => {
    const [a] = planActions(
      base('arm-authz/acr-pull-denied', {
        callerPrincipalId: PRINCIPAL,
        deniedScope: REGISTRY_ID,
        requiredRoleDefinitionId: ROLE_IDS.acrPull,
      }),
      autoFix,
    );
    expect(a).toMatchObject({
      type: 'assign-role',
      status: 'planned',
      scope: REGISTRY_ID,
      principalId: PRINCIPAL,
      roleDefinitionId: ROLE_IDS.acrPull,
    });
  });

  it('arm-authz/missing-role and wrong-scope: a manual assignment of the least-privilege role at the exact scope', () => {
    const rec = {
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`,
      roleName: 'Contributor',
    };
    const [m] = planActions(
      base('arm-authz/missing-role', {
        callerPrincipalId: PRINCIPAL,
        deniedScope: RG,
        deniedAction: 'Microsoft.Web/sites/write',
        recommendedRole: rec,
      }),
      autoFix,
    );
    expect(m).toMatchObject({
      type: 'assign-role',
      status: 'manual',
      scope: RG,
      principalId: PRINCIPAL,
      roleDefinitionId: rec.roleDefinitionId,
    });
    expect(m?.reason).toContain('Contributor');
    const [w] = planActions(
      base('arm-authz/wrong-scope', {
        callerPrincipalId: PRINCIPAL,
        deniedScope: RG,
        recommendedRole: rec,
        wrongScopeAssignment: { assignmentId: 'ra-1', scope: `/subscriptions/${SUB}/resourceGroups/other` },
      }),
      autoFix,
    );
    expect(w?.status).toBe('manual');
    expect(w?.reason).toContain('ra-1');
  });

  it.each([
    'acr-pull/identity-not-attached',
    'acr-pull/no-registry-identity',
    'acr-pull/image-not-found',
    'acr-pull/network-blocked',
    'acr-pull/registry-not-found',
    'arm-authz/deny-assignment',
    'arm-authz/role-propagating',
    'unknown',
    'unrelated',
  ] as const)('%s: nothing automatic', (kind) => {
    expect(planActions(base(kind, pullDetails), autoFix)).toEqual([]);
  });

  it('a missing principal becomes a manual step, never a guess', () => {
    const [a] = planActions(base('acr-pull/missing-role', { ...pullDetails, identity: { kind: 'system' } }), autoFix);
    expect(a?.status).toBe('manual');
  });
});

describe('checkGuardrail', () => {
  const [assign, redeploy] = planActions(base('acr-pull/missing-role', pullDetails), autoFix) as [
    FixAction<'assign-role'>,
    Action,
  ];
  const [enable] = planActions(base('acr-pull/arm-token-auth-disabled', pullDetails), autoFix) as [Action];
  const facts = (over: Partial<GuardFacts> = {}): GuardFacts => ({
    app: makeApp(),
    registry: makeRegistry(),
    apps: [makeApp()],
    ...over,
  });
  const ok = { usedThisHour: 0 };
  const cfg = (env: Record<string, string> = {}) => loadConfig({ REMEDIATOR_MODE: 'auto-fix', ...env });

  it('allows a pull role for the configured principal at the registry scope in auto-fix', () => {
    expect(checkGuardrail(assign, facts(), cfg(), ok)).toEqual({ allowed: true });
    expect(checkGuardrail(redeploy, facts(), cfg(), ok)).toEqual({ allowed: true });
  });

  it.each<[string, () => ReturnType<typeof checkGuardrail>, 'planned' | 'blocked' | 'manual', RegExp]>([
    ['dry-run mode', () => checkGuardrail(assign, facts(), loadConfig({}), ok), 'planned', /dry-run/],
    [
      'fix type not allowed',
      () => checkGuardrail(redeploy, facts(), cfg({ REMEDIATOR_ALLOWED_FIX_TYPES: 'assign-role' }), ok),
      'blocked',
      /not allowed/,
    ],
    [
      'enable-arm-token-auth off by default',
      () => checkGuardrail(enable, facts(), cfg(), ok),
      'blocked',
      /enable-arm-token-auth is not allowed/,
    ],
    [
      'registry outside the allowed scopes',
      () => checkGuardrail(assign, facts(), cfg({ REMEDIATOR_ALLOWED_SCOPES: RG }), ok),
      'blocked',
      /outside the allowed scopes/,
    ],
    [
      'scope prefix is on segment boundaries',
      () => checkGuardrail(redeploy, facts(), cfg({ REMEDIATOR_ALLOWED_SCOPES: `${RG.slice(0, -1)}` }), ok),
      'blocked',
      /outside/,
    ],
    [
      'opt-out tag on the app',
      () => checkGuardrail(redeploy, facts({ app: makeApp({ tags: { 'Remediator:Disable': 'TRUE' } }) }), cfg(), ok),
      'blocked',
      /opt-out/,
    ],
    [
      'opt-out tag on the registry',
      () =>
        checkGuardrail(
          assign,
          facts({ registry: makeRegistry({ tags: { 'remediator:disable': 'true' } }) }),
          cfg(),
          ok,
        ),
      'blocked',
      /registry contoso carries the opt-out/,
    ],
    [
      'budget exhausted',
      () => checkGuardrail(assign, facts(), cfg({ REMEDIATOR_FIX_BUDGET_PER_HOUR: '3' }), { usedThisHour: 3 }),
      'blocked',
      /budget/,
    ],
    [
      'a role other than the two pull roles',
      () => checkGuardrail({ ...assign, roleDefinitionId: ROLE_IDS.rbacAdministrator }, facts(), cfg(), ok),
      'manual',
      /only ever assigns/,
    ],
    [
      'principal not configured by any app for the registry',
      () => checkGuardrail({ ...assign, principalId: 'someone-else' }, facts(), cfg(), ok),
      'blocked',
      /no container app in scope uses principal/,
    ],
    [
      'app uses another registry',
      () =>
        checkGuardrail(
          assign,
          facts({ apps: [makeApp({ registries: [{ server: 'other.azurecr.io', identity: UAI_ID }] })] }),
          cfg(),
          ok,
        ),
      'blocked',
      /no container app/,
    ],
    [
      'wrong scope (resource group above the registry)',
      () => checkGuardrail({ ...assign, scope: `/subscriptions/${SUB}/resourceGroups/acr-rg` }, facts(), cfg(), ok),
      'blocked',
      /registry's own scope/,
    ],
    [
      'AcrPull on an ABAC registry',
      () =>
        checkGuardrail(
          assign,
          facts({ registry: makeRegistry({ roleAssignmentMode: 'AbacRepositoryPermissions' }) }),
          cfg(),
          ok,
        ),
      'blocked',
      /ABAC/,
    ],
    [
      'registry gone',
      () => checkGuardrail(assign, { app: makeApp(), apps: [makeApp()] }, cfg(), ok),
      'blocked',
      /could not be read/,
    ],
    [
      'manual stays manual',
      () => checkGuardrail({ ...assign, status: 'manual', reason: 'by hand' }, facts(), cfg(), ok),
      'manual',
      /by hand/,
    ],
  ])('stops: %s', (_name, run, status, reason) => {
    const d = run();
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    expect(d.status).toBe(status);
    expect(d.reason).toMatch(reason);
  });

  it('allowed scopes may name the app or the registry exactly', () => {
    expect(checkGuardrail(redeploy, facts(), cfg({ REMEDIATOR_ALLOWED_SCOPES: APP_ID.toUpperCase() }), ok)).toEqual({
      allowed: true,
    });
    expect(checkGuardrail(assign, facts(), cfg({ REMEDIATOR_ALLOWED_SCOPES: `${REGISTRY_ID},${APP_ID}` }), ok)).toEqual(
      { allowed: true },
    );
    // registry allowed, but the app using the principal is not in scope
    expect(checkGuardrail(assign, facts(), cfg({ REMEDIATOR_ALLOWED_SCOPES: REGISTRY_ID }), ok).allowed).toBe(false);
  });

  it('a system identity principal counts when the app pulls with "system"', () => {
    const app = makeApp({
      identity: { type: 'SystemAssigned', principalId: 'sys-1', userAssignedIdentities: {} },
      registries: [{ server: 'CONTOSO.azurecr.io', identity: 'system' }],
    });
    expect(checkGuardrail({ ...assign, principalId: 'sys-1' }, facts({ app, apps: [app] }), cfg(), ok)).toEqual({
      allowed: true,
    });
  });
});
