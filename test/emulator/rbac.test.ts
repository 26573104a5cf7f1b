/**
 * Conformance: role assignments (create / 409 RoleAssignmentExists / idempotent PUT / delete / getById), listForScope
 * filters, deny assignments, management-group scopes, and the RBAC semantics pulls depend on (inheritance, deny,
 * propagation delay), through @azure/arm-authorization against the emulator.
 */
import type { World } from '../../emulator/api';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { REGISTRY_ID, SHARED_SUB, UAI_PRINCIPAL } from '../worlds/build-worlds';
import { loadWorld } from '../../emulator/world';

const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const IMAGE = 'acmeacr.azurecr.io/api:1.4.2';
const SHARED_RG = `/subscriptions/${SHARED_SUB}/resourceGroups/shared-rg`;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function roleDefId(guid: string): string {
  return `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

describe('role assignments through AuthorizationManagementClient', () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator('test/worlds/missing-role.json', { subscriptionId: SHARED_SUB });
  });
  afterEach(async () => {
    await t.stop();
  });

  test('create sets scope, createdOn/updatedOn from the emulator clock; get and getById return it', async () => {
    t.clock.advance(60_000);
    const name = '0b0b0b0b-1c1c-4d2d-8e3e-4f4f4f4f4f4f';
    const ra = await t.authorization.roleAssignments.create(REGISTRY_ID, name, {
      roleDefinitionId: roleDefId(ACR_PULL),
      principalId: UAI_PRINCIPAL,
      principalType: 'ServicePrincipal',
    });
    expect(ra.id).toBe(`${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    expect(ra.scope).toBe(REGISTRY_ID);
    expect(ra.createdOn?.toISOString()).toBe('2026-11-21T10:01:00.000Z');
    expect(ra.updatedOn?.toISOString()).toBe('2026-11-21T10:01:00.000Z');
    expect((await t.authorization.roleAssignments.get(REGISTRY_ID, name)).principalId).toBe(UAI_PRINCIPAL);
    expect((await t.authorization.roleAssignments.getById(ra.id ?? '')).roleDefinitionId).toBe(roleDefId(ACR_PULL));
  });

  test('same scope+role+principal under another name answers 409 RoleAssignmentExists; same name+content is idempotent', async () => {
    const params = {
      roleDefinitionId: roleDefId(ACR_PULL),
      principalId: UAI_PRINCIPAL,
      principalType: 'ServicePrincipal' as const,
    };
    await t.authorization.roleAssignments.create(REGISTRY_ID, '11111111-1111-4111-8111-111111111111', params);
    const again = await t.authorization.roleAssignments.create(
      REGISTRY_ID,
      '11111111-1111-4111-8111-111111111111',
      params,
    );
    expect(again.name).toBe('11111111-1111-4111-8111-111111111111');
    await expect(
      t.authorization.roleAssignments.create(REGISTRY_ID, '22222222-2222-4222-8222-222222222222', params),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: 'RoleAssignmentExists',
      message: expect.stringContaining('11111111111141118111111111111111'),
    });
    // same role for the same principal at another scope is a different assignment
    await expect(
      t.authorization.roleAssignments.create(SHARED_RG, '33333333-3333-4333-8333-333333333333', params),
    ).resolves.toMatchObject({ scope: SHARED_RG });
  });

  test('create rejects a non-GUID name and an unknown role definition', async () => {
    await expect(
      t.authorization.roleAssignments.create(REGISTRY_ID, 'not-a-guid', {
        roleDefinitionId: roleDefId(ACR_PULL),
        principalId: UAI_PRINCIPAL,
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidRoleAssignmentId' });
    await expect(
      t.authorization.roleAssignments.create(REGISTRY_ID, '44444444-4444-4444-8444-444444444444', {
        roleDefinitionId: roleDefId('99999999-9999-4999-8999-999999999999'),
        principalId: UAI_PRINCIPAL,
      }),
    ).rejects.toMatchObject({ code: 'RoleDefinitionDoesNotExist' });
  });

  test('delete removes the assignment (and a second delete is a no-op)', async () => {
    const name = '55555555-5555-4555-8555-555555555555';
    await t.authorization.roleAssignments.create(REGISTRY_ID, name, {
      roleDefinitionId: roleDefId(ACR_PULL),
      principalId: UAI_PRINCIPAL,
    });
    await t.authorization.roleAssignments.delete(REGISTRY_ID, name);
    await expect(t.authorization.roleAssignments.get(REGISTRY_ID, name)).rejects.toMatchObject({
      statusCode: 404,
      code: 'RoleAssignmentNotFound',
    });
    await expect(t.authorization.roleAssignments.delete(REGISTRY_ID, name)).resolves.toBeDefined();
  });
});

describe('listForScope semantics and management groups', () => {
  const MG = '/providers/Microsoft.Management/managementGroups/contoso-platform';
  const P = '12121212-3434-4565-8787-909090909090';
  let t: TestEmulator;
  beforeAll(async () => {
    const w: World = loadWorld('test/worlds/missing-role.json');
    const ra = (scope: string, name: string, principal = P, role = READER): World['resources'][number] => ({
      id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      type: 'Microsoft.Authorization/roleAssignments',
      name,
      properties: {
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${role}`,
        principalId: principal,
        principalType: 'ServicePrincipal',
        scope,
        createdOn: '2025-01-01T00:00:00Z',
      },
    });
    w.resources.push(
      {
        id: MG,
        type: 'Microsoft.Management/managementGroups',
        name: 'contoso-platform',
        properties: {
          displayName: 'Platform',
          children: [{ id: `/subscriptions/${SHARED_SUB}`, type: '/subscriptions' }],
        },
      },
      ra(MG, 'a0000000-0000-4000-8000-000000000001'),
      ra(`/subscriptions/${SHARED_SUB}`, 'a0000000-0000-4000-8000-000000000002'),
      ra(REGISTRY_ID, 'a0000000-0000-4000-8000-000000000003'),
      ra(`${REGISTRY_ID}/replications/northeurope`, 'a0000000-0000-4000-8000-000000000004'),
      ra(`/subscriptions/${SHARED_SUB}/resourceGroups/other-rg`, 'a0000000-0000-4000-8000-000000000005'),
      ra(REGISTRY_ID, 'a0000000-0000-4000-8000-000000000006', 'ffffffff-0000-4000-8000-000000000000'),
    );
    t = await startTestEmulator(w, { subscriptionId: SHARED_SUB });
  });
  afterAll(async () => {
    await t.stop();
  });

  test("principalId filter: that principal's assignments at, above (incl. management group) and below the scope", async () => {
    const names = (
      await collect(t.authorization.roleAssignments.listForScope(REGISTRY_ID, { filter: `principalId eq '${P}'` }))
    )
      .map((r) => r.name?.slice(-1))
      .sort();
    expect(names).toEqual(['1', '2', '3', '4']);
  });

  test('atScope(): at or above only', async () => {
    const names = (await collect(t.authorization.roleAssignments.listForScope(REGISTRY_ID, { filter: 'atScope()' })))
      .map((r) => r.name?.slice(-1))
      .sort();
    expect(names).toEqual(['1', '2', '3', '6']);
  });

  test('listForScope at a management group scope', async () => {
    const names = (await collect(t.authorization.roleAssignments.listForScope(MG, { filter: 'atScope()' }))).map((r) =>
      r.name?.slice(-1),
    );
    expect(names).toEqual(['1']);
  });
});

describe('RBAC semantics behind canPull', () => {
  test('inheritance: AcrPull at the resource group of the registry covers it; at a sibling group it does not', async () => {
    const t = await startTestEmulator('test/worlds/missing-role.json', {
      subscriptionId: SHARED_SUB,
      propagationDelayMs: 0,
    });
    try {
      await t.authorization.roleAssignments.create(
        `/subscriptions/${SHARED_SUB}/resourceGroups/other-rg`,
        '66666666-6666-4666-8666-666666666666',
        { roleDefinitionId: roleDefId(ACR_PULL), principalId: UAI_PRINCIPAL },
      );
      expect(t.canPull(UAI_PRINCIPAL, IMAGE)).toMatchObject({
        ok: false,
        error: expect.stringContaining('UNAUTHORIZED'),
      });
      await t.authorization.roleAssignments.create(SHARED_RG, '77777777-7777-4777-8777-777777777777', {
        roleDefinitionId: roleDefId(ACR_PULL),
        principalId: UAI_PRINCIPAL,
      });
      expect(t.canPull(UAI_PRINCIPAL, IMAGE)).toEqual({ ok: true });
    } finally {
      await t.stop();
    }
  });

  test('propagation: a new assignment takes effect only after propagationDelayMs on the emulator clock', async () => {
    const t = await startTestEmulator('test/worlds/missing-role.json', {
      subscriptionId: SHARED_SUB,
      propagationDelayMs: 5 * 60_000,
    });
    try {
      await t.authorization.roleAssignments.create(REGISTRY_ID, '88888888-8888-4888-8888-888888888888', {
        roleDefinitionId: roleDefId(ACR_PULL),
        principalId: UAI_PRINCIPAL,
      });
      expect(t.canPull(UAI_PRINCIPAL, IMAGE).ok).toBe(false);
      t.clock.advance(5 * 60_000 - 1);
      expect(t.canPull(UAI_PRINCIPAL, IMAGE).ok).toBe(false);
      t.clock.advance(1);
      expect(t.canPull(UAI_PRINCIPAL, IMAGE).ok).toBe(true);
    } finally {
      await t.stop();
    }
  });

  test('deny assignments override allows and are listed by denyAssignments.listForScope', async () => {
    const w = loadWorld('test/worlds/arm-token-auth-disabled.json');
    const reg = w.resources.find((r) => r.type === 'Microsoft.ContainerRegistry/registries');
    ((reg?.['properties'] as Record<string, unknown>)['policies'] as Record<string, unknown>)[
      'azureADAuthenticationAsArmPolicy'
    ] = { status: 'enabled' };
    const t = await startTestEmulator(w, { subscriptionId: SHARED_SUB });
    expect(t.canPull(UAI_PRINCIPAL, IMAGE)).toEqual({ ok: true });
    await t.stop();
    w.resources.push({
      id: `${SHARED_RG}/providers/Microsoft.Authorization/denyAssignments/dddddddd-0000-4000-8000-000000000001`,
      type: 'Microsoft.Authorization/denyAssignments',
      name: 'dddddddd-0000-4000-8000-000000000001',
      properties: {
        denyAssignmentName: 'no pulls',
        permissions: [
          {
            actions: ['Microsoft.ContainerRegistry/registries/pull/read'],
            notActions: [],
            dataActions: [],
            notDataActions: [],
          },
        ],
        scope: SHARED_RG,
        doNotApplyToChildScopes: false,
        principals: [{ id: '00000000-0000-0000-0000-000000000000', type: 'SystemDefined' }],
        excludePrincipals: [],
        isSystemProtected: true,
      },
    });
    const t2 = await startTestEmulator(w, { subscriptionId: SHARED_SUB });
    try {
      expect(t2.canPull(UAI_PRINCIPAL, IMAGE)).toMatchObject({ ok: false });
      const denies = await collect(t2.authorization.denyAssignments.listForScope(REGISTRY_ID));
      expect(denies.map((d) => d.denyAssignmentName)).toEqual(['no pulls']);
      expect(
        await collect(
          t2.authorization.denyAssignments.listForScope(`/subscriptions/${SHARED_SUB}`, { filter: 'atScope()' }),
        ),
      ).toEqual([]);
    } finally {
      await t2.stop();
    }
  });

  test('legacy mode honours roles with the pull action (AcrPush, Reader, Contributor); ABAC mode only Repository Reader', async () => {
    for (const [role, legacy, abac] of [
      ['8311e382-0749-4cb8-b61a-304f252e45ec', true, false],
      [READER, true, false],
      ['b24988ac-6180-42a0-ab88-20f7382dd24c', true, false],
      [ACR_PULL, true, false],
      ['b93aa761-3e63-49ed-ac28-beffa264f7ac', false, true],
    ] as const) {
      for (const mode of ['LegacyRegistryPermissions', 'AbacRepositoryPermissions']) {
        const w = loadWorld('test/worlds/missing-role.json');
        const reg = w.resources.find((r) => r.type === 'Microsoft.ContainerRegistry/registries');
        (reg?.['properties'] as Record<string, unknown>)['roleAssignmentMode'] = mode;
        w.resources.push({
          id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/99999999-0000-4000-8000-000000000001`,
          type: 'Microsoft.Authorization/roleAssignments',
          properties: {
            roleDefinitionId: roleDefId(role),
            principalId: UAI_PRINCIPAL,
            createdOn: '2025-01-01T00:00:00Z',
          },
        });
        const t = await startTestEmulator(w);
        const expected = mode === 'LegacyRegistryPermissions' ? legacy : abac;
        expect({ role, mode, ok: t.canPull(UAI_PRINCIPAL, IMAGE).ok }).toEqual({ role, mode, ok: expected });
        await t.stop();
      }
    }
  });
});
