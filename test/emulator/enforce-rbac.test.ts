/**
 * Opt-in caller RBAC (`enforceRbac`): writes need the caller's own effective role, deny assignments win, and the
 * delegation condition from DOMAIN.md limits a Role Based Access Control Administrator to the two pull roles.
 */
import type { World } from '../../emulator/api';
import { loadWorld } from '../../emulator/world';
import { startTestEmulator } from '../helpers/emulator';
import { APP_ID, REGISTRY_ID, SHARED_SUB, SUB, UAI_PRINCIPAL } from '../worlds/build-worlds';

const REMEDIATOR = 'a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4';
const PULL_ROLES = '7f951dda-4ed3-4680-a7ca-43fe172d538d, b93aa761-3e63-49ed-ac28-beffa264f7ac';
const CONDITION = `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${PULL_ROLES}})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${PULL_ROLES}}))`;
const def = (guid: string): string =>
  `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

function worldWithRemediatorRoles(
  extra: Array<{ scope: string; role: string; condition?: string }>,
  base = 'test/worlds/missing-role.json',
): World {
  const w = loadWorld(base);
  extra.forEach((r, i) =>
    w.resources.push({
      id: `${r.scope}/providers/Microsoft.Authorization/roleAssignments/f0f0f0f0-0000-4000-8000-00000000000${i}`,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: {
        roleDefinitionId: def(r.role),
        principalId: REMEDIATOR,
        principalType: 'ServicePrincipal',
        createdOn: '2025-01-01T00:00:00Z',
        ...(r.condition ? { condition: r.condition, conditionVersion: '2.0' } : {}),
      },
    }),
  );
  return w;
}

test('a conditioned RBAC administrator may assign AcrPull but not Contributor; app writes need their own role', async () => {
  const w = worldWithRemediatorRoles([
    { scope: `/subscriptions/${SHARED_SUB}`, role: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168', condition: CONDITION },
  ]);
  const t = await startTestEmulator(w, { enforceRbac: true, callerPrincipalId: REMEDIATOR });
  try {
    const authz = t.clientsFor(SHARED_SUB).authorization;
    await expect(
      authz.roleAssignments.create(REGISTRY_ID, '10101010-0000-4000-8000-000000000001', {
        roleDefinitionId: def('7f951dda-4ed3-4680-a7ca-43fe172d538d'),
        principalId: UAI_PRINCIPAL,
      }),
    ).resolves.toMatchObject({ scope: REGISTRY_ID });
    await expect(
      authz.roleAssignments.create(REGISTRY_ID, '10101010-0000-4000-8000-000000000002', {
        roleDefinitionId: def('b24988ac-6180-42a0-ab88-20f7382dd24c'),
        principalId: UAI_PRINCIPAL,
      }),
    ).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
      message: expect.stringContaining(
        `The client '${REMEDIATOR}' with object id '${REMEDIATOR}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'`,
      ),
    });
    const app = await t.containerApps.containerApps.get('web-rg', 'web'); // reads are not checked
    await expect(
      t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', { location: app.location, tags: { a: 'b' } }),
    ).rejects.toMatchObject({ statusCode: 403 });
    const failed = [];
    for await (const e of t.monitor.activityLogs.list(
      "eventTimestamp ge '2026-11-21T09:00:00Z' and eventTimestamp le '2026-11-21T11:00:00Z' and status eq 'Failed'",
    ))
      failed.push(e);
    expect(failed.map((e) => [e.operationName?.value, e.resourceId, e.properties?.['statusCode']])).toEqual([
      ['Microsoft.App/containerApps/write', APP_ID, 'Forbidden'],
    ]);
    expect(t.drainEvents().map((e) => e.eventType)).toEqual(['Microsoft.Resources.ResourceWriteSuccess']);
  } finally {
    await t.stop();
  }
});

test('with Container Apps Contributor on the resource group the redeploy goes through; a deny assignment still blocks it', async () => {
  const allowed = await startTestEmulator(
    worldWithRemediatorRoles([
      { scope: `/subscriptions/${SUB}/resourceGroups/web-rg`, role: '358470bc-b998-42bd-ab17-a7e34c199c0f' },
    ]),
    { enforceRbac: true, callerPrincipalId: REMEDIATOR },
  );
  try {
    const app = await allowed.containerApps.containerApps.get('web-rg', 'web');
    await expect(
      allowed.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
        location: app.location,
        tags: { a: 'b' },
      }),
    ).resolves.toMatchObject({ tags: { a: 'b' } });
  } finally {
    await allowed.stop();
  }
  const denied = await startTestEmulator(
    worldWithRemediatorRoles(
      [{ scope: `/subscriptions/${SUB}`, role: 'b24988ac-6180-42a0-ab88-20f7382dd24c' }],
      'test/worlds/arm-authz-deny-assignment.json',
    ),
    {
      enforceRbac: true,
      callerPrincipalId: REMEDIATOR,
    },
  );
  try {
    const app = await denied.containerApps.containerApps.get('web-rg', 'web');
    await expect(
      denied.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
        location: app.location,
        tags: { a: 'b' },
      }),
    ).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining('the access is denied because of the deny assignment'),
    });
  } finally {
    await denied.stop();
  }
});
