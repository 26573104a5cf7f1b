/**
 * diagnose() end to end through the real SDK adapter (createSdkArmPort → @azure/arm-* clients → the ARM emulator over
 * HTTPS), one world per kind (test/worlds, see its README) — asserting the kind AND the evidence.
 */
import { createSdkArmPort } from '../../src/adapters/sdk-arm';
import { diagnose } from '../../src/diagnose';
import { ROLE_IDS, type Diagnosis, type DiagnosisKind } from '../../src/model';
import { startTestEmulator, staticCredential } from '../helpers/emulator';
import { readFileSync } from 'node:fs';
import { failureEventFrom, loadEvent } from './event-helpers';

const SUB = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const SHARED_SUB = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
const APP = `/subscriptions/${SUB}/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web`;
const WEB_PULL = `/subscriptions/${SUB}/resourceGroups/web-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
const WEB_PULL_PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const SHARED_REG = `/subscriptions/${SHARED_SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/acmeacr`;
const DEPLOY_SP = '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b';

async function diagnoseWorld(name: string, dir = 'test/worlds'): Promise<{ d: Diagnosis; requests: number }> {
  const t = await startTestEmulator(`${dir}/${name}.json`);
  try {
    const arm = createSdkArmPort({
      endpoint: t.endpoint,
      credential: staticCredential,
      tlsCa: t.ca,
      clock: t.clock,
      retryOptions: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
    });
    const d = await diagnose(loadEvent(`${dir}/${name}.event.json`), {
      arm,
      clock: t.clock,
      config: { propagationWindowMs: 5 * 60_000 },
    });
    expect(t.requestLog.filter((r) => r.write)).toEqual([]); // diagnosis never writes
    return { d, requests: t.requestLog.length };
  } finally {
    await t.stop();
  }
}

const text = (d: Diagnosis): string => [d.summary, ...d.evidence].join('\n');

describe('diagnose() against the emulator, one world per kind', () => {
  it('seed story → missing-role naming web-pull, its principal, acmeacr and AcrPull', async () => {
    const { d } = await diagnoseWorld('seed-story');
    expect(d.kind).toBe('acr-pull/missing-role');
    expect(d.details.identity).toMatchObject({ kind: 'user-assigned', principalId: WEB_PULL_PRINCIPAL });
    expect(d.details.identity?.kind === 'user-assigned' && d.details.identity.resourceId.toLowerCase()).toBe(
      WEB_PULL.toLowerCase(),
    );
    expect(d.details.registryId).toMatch(/registries\/acmeacr$/);
    expect(d.details.requiredRoleDefinitionId).toMatch(new RegExp(`${ROLE_IDS.acrPull}$`));
    expect(text(d)).toContain('web-pull');
    expect(text(d)).toContain(WEB_PULL_PRINCIPAL);
    expect(text(d)).toContain('AcrPull');
  });

  const cases: Array<[string, DiagnosisKind, (d: Diagnosis) => void]> = [
    [
      'missing-role',
      'acr-pull/missing-role',
      (d) => {
        expect(d.details.registryId?.toLowerCase()).toBe(SHARED_REG.toLowerCase()); // registry in another subscription
        expect(d.details.identity?.principalId).toBe(WEB_PULL_PRINCIPAL);
        expect(d.details.requiredRoleDefinitionId).toContain(SHARED_SUB);
      },
    ],
    [
      'abac-role-mismatch',
      'acr-pull/abac-role-mismatch',
      (d) => {
        expect(d.details.roleAssignmentMode).toBe('AbacRepositoryPermissions');
        expect(d.details.requiredRoleDefinitionId).toMatch(new RegExp(`${ROLE_IDS.repositoryReader}$`));
        expect(d.details.rolesFound?.map((r) => r.roleName)).toContain('AcrPull');
      },
    ],
    [
      'system-identity-on-create',
      'acr-pull/system-identity-on-create',
      (d) => {
        expect(d.details.identity?.kind).toBe('system');
        expect(d.details.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
        expect(d.details.revisionName).toBe('web--v1');
      },
    ],
    [
      'arm-token-auth-disabled',
      'acr-pull/arm-token-auth-disabled',
      (d) => {
        expect(d.details.armTokenAuth).toBe('disabled');
        expect(d.details.rolesFound?.map((r) => r.roleName)).toContain('AcrPull');
      },
    ],
    [
      'role-propagating',
      'acr-pull/role-propagating',
      (d) => {
        expect(d.details.newestAssignmentCreatedOn).toBe('2026-11-21T09:58:00.000Z');
        expect(d.details.effectiveAt).toBe('2026-11-21T10:03:00.000Z');
      },
    ],
    [
      'identity-not-attached',
      'acr-pull/identity-not-attached',
      (d) => {
        expect(d.summary).toContain('web-pull');
        expect(d.manualSteps?.[0]).toContain('az containerapp identity assign');
      },
    ],
    [
      'no-registry-identity',
      'acr-pull/no-registry-identity',
      (d) => {
        expect(d.details.loginServer).toBe('acmeacr.azurecr.io');
        expect(d.manualSteps?.length).toBeGreaterThan(0);
      },
    ],
    [
      'image-not-found',
      'acr-pull/image-not-found',
      (d) => {
        expect(d.details.image).toBe('acmeacr.azurecr.io/api:2.0.0');
        expect(d.details.tag).toBe('2.0.0');
      },
    ],
    [
      'network-blocked',
      'acr-pull/network-blocked',
      (d) => {
        expect(d.details.networkBlock).toMatch(/public network access is Disabled/);
      },
    ],
    [
      'registry-not-found',
      'acr-pull/registry-not-found',
      (d) => {
        expect(d.details.loginServer).toBe('contosoacr.azurecr.io');
        expect(d.details.registryId).toBeUndefined();
      },
    ],
    [
      'arm-authz-missing-role',
      'arm-authz/missing-role',
      (d) => {
        expect(d.details.callerPrincipalId).toBe(DEPLOY_SP);
        expect(d.details.deniedAction).toBe('Microsoft.App/containerApps/write');
        expect(d.details.deniedScope).toBe(APP);
        expect(d.details.recommendedRole?.roleName).toBe('Container Apps Contributor');
      },
    ],
    [
      'arm-authz-wrong-scope',
      'arm-authz/wrong-scope',
      (d) => {
        expect(d.details.wrongScopeAssignment?.scope).toMatch(/resourceGroups\/staging-rg$/i);
        expect(d.details.wrongScopeAssignment?.roleName).toBe('Container Apps Contributor');
      },
    ],
    [
      'arm-authz-deny-assignment',
      'arm-authz/deny-assignment',
      (d) => {
        expect(d.details.denyAssignment?.id).toMatch(/denyAssignments\//);
      },
    ],
    [
      'arm-authz-role-propagating',
      'arm-authz/role-propagating',
      (d) => {
        expect(d.details.effectiveAt).toBe('2026-11-21T10:03:30.000Z');
      },
    ],
    [
      'arm-authz-acr-pull-denied',
      'arm-authz/acr-pull-denied',
      (d) => {
        expect(d.details.callerPrincipalId).toBe(WEB_PULL_PRINCIPAL);
        expect(d.details.appId?.toLowerCase()).toBe(APP.toLowerCase());
        expect(d.details.registryId?.toLowerCase()).toBe(SHARED_REG.toLowerCase());
        expect(d.details.identity?.principalId).toBe(WEB_PULL_PRINCIPAL);
        expect(d.details.requiredRoleDefinitionId).toMatch(new RegExp(`${ROLE_IDS.acrPull}$`));
      },
    ],
  ];

  it.each(cases)('%s → %s', async (world, kind, check) => {
    const { d } = await diagnoseWorld(world);
    expect([d.kind, d.summary]).toEqual([kind, expect.any(String)]);
    expect(d.evidence.length).toBeGreaterThan(1);
    check(d);
  });

  const variants: Array<[string, DiagnosisKind, (d: Diagnosis) => void]> = [
    [
      'rg-scope-token-auth-disabled',
      'acr-pull/arm-token-auth-disabled',
      (d) => {
        expect(d.details.rolesFound?.[0]).toMatchObject({
          roleName: 'AcrPull',
          scope: `/subscriptions/${SHARED_SUB}/resourceGroups/shared-rg`,
        });
      },
    ],
    [
      'subscription-scope-token-auth-disabled',
      'acr-pull/arm-token-auth-disabled',
      (d) => {
        expect(d.details.rolesFound?.[0]).toMatchObject({ roleName: 'AcrPull', scope: `/subscriptions/${SHARED_SUB}` });
      },
    ],
    [
      'sidecar-other-registry',
      'acr-pull/missing-role',
      (d) => {
        expect(d.details.loginServer).toBe('sharedacr.azurecr.io');
        expect(d.details.registryId).toMatch(
          /^\/subscriptions\/7c8d9e0f-[^/]+\/resourceGroups\/platform-rg\/.*\/registries\/sharedacr$/,
        );
        expect(d.details.image).toBe('sharedacr.azurecr.io/otel/collector:0.98');
        expect(d.details.identity?.principalId).toBe(WEB_PULL_PRINCIPAL);
        expect(d.details.requiredRoleDefinitionId).toContain('/subscriptions/7c8d9e0f-');
      },
    ],
    [
      'several-registries',
      'acr-pull/missing-role',
      (d) => {
        expect(d.details.loginServer).toBe('toolsacr.azurecr.io');
        expect(d.details.repository).toBe('db/migrate');
        expect(d.details.identity).toMatchObject({
          kind: 'user-assigned',
          principalId: '3b4c5d6e-7f80-4912-a3b4-c5d6e7f80912',
        });
        expect(d.summary).toContain('web-tools');
      },
    ],
    [
      'system-identity-old-app',
      'acr-pull/missing-role',
      (d) => {
        expect(d.details.identity).toEqual({ kind: 'system', principalId: '6d5c4b3a-2918-4776-a5b4-c3d2e1f0a9b8' });
        expect(d.summary).toMatch(/system-assigned identity/);
      },
    ],
  ];

  it.each(variants)('variant %s → %s', async (world, kind, check) => {
    const { d } = await diagnoseWorld(world, 'test/worlds/diagnose');
    expect(d.kind).toBe(kind);
    check(d);
  });

  it('Event Grid door (no message in the event): the reason is read from the Activity Log by correlation id', async () => {
    const t = await startTestEmulator('test/worlds/arm-authz-missing-role.json');
    try {
      const arm = createSdkArmPort({
        endpoint: t.endpoint,
        credential: staticCredential,
        tlsCa: t.ca,
        clock: t.clock,
        retryOptions: { maxRetries: 0 },
      });
      const raw = JSON.parse(readFileSync('test/worlds/seed-story.event.json', 'utf8')) as {
        data: Record<string, unknown>;
      };
      const world = JSON.parse(readFileSync('test/worlds/arm-authz-missing-role.json', 'utf8')) as {
        activityLog: Array<{ correlationId: string }>;
      };
      const event = failureEventFrom({
        ...raw,
        eventTime: '2026-11-21T09:59:10Z',
        data: { ...raw.data, correlationId: world.activityLog[0]?.correlationId },
      });
      const d = await diagnose(event, { arm, clock: t.clock, config: { propagationWindowMs: 5 * 60_000 } });
      expect(d.kind).toBe('arm-authz/missing-role');
      expect(d.details.callerPrincipalId).toBe(DEPLOY_SP);
      expect(d.evidence[0]).toContain('Activity Log');
      expect(t.requestLog.some((r) => /eventtypes\/management\/values/i.test(r.path))).toBe(true);
    } finally {
      await t.stop();
    }
  });
});
