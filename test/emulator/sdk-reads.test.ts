/**
 * Conformance: every read the remediator needs, through the real SDK clients against the emulator over HTTPS.
 */
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { fetchJson } from './https-fetch';
import { APP_ID, REGISTRY_ID, SHARED_SUB, SUB, UAI_PRINCIPAL } from '../worlds/build-worlds';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('emulator reads through the real SDK clients', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator('test/worlds/arm-token-auth-disabled.json');
  });
  afterAll(async () => {
    await t.stop();
  });

  test('containerApps.get returns the app with flattened configuration and template', async () => {
    const app = await t.containerApps.containerApps.get('web-rg', 'web');
    expect(app.id).toBe(APP_ID);
    expect(app.latestRevisionName).toBe('web--v7');
    expect(app.latestReadyRevisionName).toBe('web--v6');
    expect(app.configuration?.registries?.[0]?.server).toBe('acmeacr.azurecr.io');
    expect(app.template?.containers?.[0]?.image).toBe('acmeacr.azurecr.io/api:1.4.2');
    expect(app.identity?.type).toBe('UserAssigned');
  });

  test('containerApps.listBySubscription and listByResourceGroup', async () => {
    expect((await collect(t.containerApps.containerApps.listBySubscription())).map((a) => a.name)).toEqual(['web']);
    expect((await collect(t.containerApps.containerApps.listByResourceGroup('web-rg'))).map((a) => a.name)).toEqual([
      'web',
    ]);
    expect(
      await collect(t.containerApps.containerApps.listByResourceGroup('shared-rg')).catch(
        (e: { statusCode: number }) => e.statusCode,
      ),
    ).toBe(404);
  });

  test('containerAppsRevisions.getRevision and listRevisions', async () => {
    const rev = await t.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', 'web--v7');
    expect(rev.provisioningState).toBe('Failed');
    expect(rev.runningState).toBe('Failed');
    expect(rev.provisioningError).toContain('UNAUTHORIZED: authentication required');
    const names = (await collect(t.containerApps.containerAppsRevisions.listRevisions('web-rg', 'web')))
      .map((r) => r.name)
      .sort();
    expect(names).toEqual(['web--v6', 'web--v7']);
  });

  test('registries.get / list / listByResourceGroup in another subscription', async () => {
    const shared = t.clientsFor(SHARED_SUB);
    const reg = await shared.registries.registries.get('shared-rg', 'acmeacr');
    expect(reg.id).toBe(REGISTRY_ID);
    expect(reg.loginServer).toBe('acmeacr.azurecr.io');
    expect(reg.policies?.azureADAuthenticationAsArmPolicy?.status).toBe('disabled');
    expect(reg.roleAssignmentMode).toBe('LegacyRegistryPermissions');
    expect((await collect(shared.registries.registries.list())).map((r) => r.name)).toEqual(['acmeacr']);
    expect((await collect(shared.registries.registries.listByResourceGroup('shared-rg'))).map((r) => r.name)).toEqual([
      'acmeacr',
    ]);
    expect(await collect(t.registries.registries.list())).toEqual([]);
  });

  test('userAssignedIdentities.get', async () => {
    const id = await t.msi.userAssignedIdentities.get('web-rg', 'web-pull');
    expect(id.principalId).toBe(UAI_PRINCIPAL);
    expect(id.clientId).toBe('0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d');
  });

  test('subscriptions.list derives every subscription from resource ids', async () => {
    const subs = (await collect(t.subscriptions.subscriptions.list())).map((s) => s.subscriptionId).sort();
    expect(subs).toEqual([SUB, SHARED_SUB].sort());
  });

  test('role definitions: list by roleName and type, get, getById', async () => {
    const byName = await collect(
      t.authorization.roleDefinitions.list(REGISTRY_ID, { filter: "roleName eq 'AcrPull'" }),
    );
    expect(byName).toHaveLength(1);
    expect(byName[0]?.id).toBe(
      `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
    );
    expect(byName[0]?.permissions?.[0]?.actions).toEqual(['Microsoft.ContainerRegistry/registries/pull/read']);
    const builtIns = await collect(
      t.authorization.roleDefinitions.list(`/subscriptions/${SUB}`, { filter: "type eq 'BuiltInRole'" }),
    );
    const names = builtIns.map((d) => d.roleName);
    for (const n of [
      'AcrPull',
      'AcrPush',
      'AcrDelete',
      'Container Registry Repository Reader',
      'Reader',
      'Contributor',
      'Owner',
      'User Access Administrator',
      'Role Based Access Control Administrator',
      'Storage Blob Data Reader',
      'Key Vault Secrets User',
      'Container Apps Contributor',
    ])
      expect(names).toContain(n);
    const reader = await t.authorization.roleDefinitions.get(
      `/subscriptions/${SUB}`,
      'b93aa761-3e63-49ed-ac28-beffa264f7ac',
    );
    expect(reader.roleName).toBe('Container Registry Repository Reader');
    expect(reader.permissions?.[0]?.dataActions).toContain(
      'Microsoft.ContainerRegistry/registries/repositories/content/read',
    );
    const byId = await t.authorization.roleDefinitions.getById(
      '/providers/Microsoft.Authorization/roleDefinitions/f58310d9-a9f6-439a-9e8d-f62e7b41a168',
    );
    expect(byId.roleName).toBe('Role Based Access Control Administrator');
    await expect(
      t.authorization.roleDefinitions.get('/', '00000000-1111-4222-8333-444444444444'),
    ).rejects.toMatchObject({ statusCode: 404, code: 'RoleDefinitionDoesNotExist' });
  });

  test('a missing resource is 404 ResourceNotFound with ARM error shape and request ids', async () => {
    const err = (await t.containerApps.containerApps.get('web-rg', 'nope').catch((e: unknown) => e)) as {
      statusCode: number;
      code: string;
      response?: { headers: { get(n: string): string | undefined } };
    };
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ResourceNotFound');
    expect(err.response?.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.response?.headers.get('x-ms-correlation-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('ids are case-insensitive: lower-cased paths find the resource and ids come back as stored', async () => {
    const app = await t.containerApps.containerApps.get('WEB-RG', 'WEB');
    expect(app.id).toBe(APP_ID);
    const ras = await collect(
      t.authorization.roleAssignments.listForScope(REGISTRY_ID.toLowerCase(), {
        filter: `principalId eq '${UAI_PRINCIPAL.toUpperCase()}'`,
      }),
    );
    expect(ras.map((r) => r.scope)).toEqual([REGISTRY_ID]);
  });

  test('resource groups are derived (GET over HTTPS)', async () => {
    const res = await fetchJson(t, `/subscriptions/${SUB}/resourcegroups?api-version=2022-09-01`);
    expect((res.body as { value: Array<{ name: string }> }).value.map((g) => g.name)).toEqual(['web-rg']);
  });
});

test('with pageSize, lists are paged with nextLink and the SDK iterators follow it', async () => {
  const t = await startTestEmulator('test/worlds/arm-token-auth-disabled.json', { pageSize: 2 });
  try {
    const defs = await collect(
      t.authorization.roleDefinitions.list(`/subscriptions/${SUB}`, { filter: "type eq 'BuiltInRole'" }),
    );
    expect(defs.length).toBeGreaterThanOrEqual(12);
    expect(new Set(defs.map((d) => d.name)).size).toBe(defs.length);
    const pages = t.requestLog.filter((r) => r.path.endsWith('/roleDefinitions'));
    expect(pages).toHaveLength(Math.ceil(defs.length / 2));
    expect(pages[1]?.url).toContain('%24skiptoken=2');
  } finally {
    await t.stop();
  }
});
