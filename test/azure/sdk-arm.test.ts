/**
 * The ArmPort adapter over the real @azure/arm-* SDK clients, against the ARM emulator over HTTPS.
 */
import { readFileSync } from 'node:fs';
import { createSdkArmPort, type SdkArmPort } from '../../src/adapters/sdk-arm';
import { ROLE_IDS } from '../../src/model';
import { startTestEmulator, staticCredential, type TestEmulator } from '../helpers/emulator';

const SUB = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const SHARED_SUB = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
const APP = `/subscriptions/${SUB}/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web`;
const UAI = `/subscriptions/${SUB}/resourceGroups/web-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const REG = `/subscriptions/${SHARED_SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/acmeacr`;

class TestClock {
  constructor(private t = Date.parse('2026-11-21T10:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

async function withPort(
  world: string,
  fn: (port: SdkArmPort, emu: TestEmulator, clock: TestClock) => Promise<void>,
): Promise<void> {
  const emu = await startTestEmulator(`test/worlds/${world}.json`);
  const clock = new TestClock();
  try {
    const port = createSdkArmPort({
      endpoint: emu.endpoint,
      credential: staticCredential,
      tlsCa: emu.ca,
      clock,
      retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
      cacheTtlMs: 60_000,
    });
    await fn(port, emu, clock);
  } finally {
    await emu.stop();
  }
}

describe('createSdkArmPort', () => {
  it('reads a container app, its revisions and identity as plain data; 404 → undefined', () =>
    withPort('missing-role', async (port) => {
      const app = await port.getContainerApp(APP.toLowerCase().replace('/resourcegroups/', '/resourceGroups/'));
      expect(app).toMatchObject({ name: 'web', latestRevisionName: 'web--v7', createdAt: '2025-06-01T09:00:00.000Z' });
      expect(app?.registries).toEqual([{ server: 'acmeacr.azurecr.io', identity: UAI }]);
      expect(app?.identity.type).toBe('UserAssigned');
      expect(Object.values(app?.identity.userAssignedIdentities ?? {})[0]?.principalId).toBe(PRINCIPAL);
      expect(app?.containers[0]?.image).toMatch(/^acmeacr\.azurecr\.io\/api:/);

      const rev = await port.getRevision(APP, 'web--v7');
      expect(rev).toMatchObject({
        name: 'web--v7',
        provisioningState: 'Failed',
        createdTime: '2026-11-21T09:58:45.000Z',
      });
      expect(rev?.provisioningError).toMatch(/UNAUTHORIZED/);
      expect((await port.listRevisions(APP)).map((r) => r.name).sort()).toEqual(['web--v6', 'web--v7']);

      expect(await port.getContainerApp(APP.replace('/web', '/nope'))).toBeUndefined();
      expect(await port.getRevision(APP, 'web--nope')).toBeUndefined();
      expect(await port.getRegistry(REG.replace('acmeacr', 'nope'))).toBeUndefined();
      expect(await port.getUserAssignedIdentity(UAI)).toMatchObject({ name: 'web-pull', principalId: PRINCIPAL });
    }));

  it('lists registries across subscriptions, caches the map with a TTL on the injected clock', () =>
    withPort('missing-role', async (port, emu, clock) => {
      const regs = await port.listRegistries();
      expect(regs.map((r) => r.id.toLowerCase())).toEqual([REG.toLowerCase()]);
      expect(regs[0]).toMatchObject({
        loginServer: 'acmeacr.azurecr.io',
        roleAssignmentMode: 'LegacyRegistryPermissions',
        armTokenAuth: 'enabled',
        publicNetworkAccess: 'Enabled',
      });
      const cold = port.requestCount();
      expect(cold).toBeGreaterThanOrEqual(2); // subscriptions + registries per subscription

      emu.clearRequestLog();
      await port.listRegistries();
      expect(emu.requestLog).toHaveLength(0);
      expect(port.requestCount()).toBe(cold);

      clock.advance(61_000);
      await port.listRegistries();
      expect(emu.requestLog.length).toBeGreaterThanOrEqual(2);

      // a forced refresh right after a load is ignored (bounded), a later one reads again
      emu.clearRequestLog();
      await port.listRegistries({ refresh: true });
      expect(emu.requestLog).toHaveLength(0);
      clock.advance(60_000);
      await port.listRegistries({ refresh: true });
      expect(emu.requestLog.length).toBeGreaterThanOrEqual(2);
    }));

  it('reads role assignments by principal and at scope, and caches role definitions', () =>
    withPort('abac-role-mismatch', async (port, emu) => {
      const mine = await port.listRoleAssignmentsForPrincipal(REG, PRINCIPAL);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ principalId: PRINCIPAL, scope: expect.stringMatching(/registries\/acmeacr$/i) });
      expect(mine[0]?.roleDefinitionId).toMatch(new RegExp(`${ROLE_IDS.acrPull}$`));
      expect(mine[0]?.createdOn).toMatch(/^\d{4}-/);
      expect((await port.listRoleAssignmentsAtScope(REG)).some((a) => a.principalId === PRINCIPAL)).toBe(true);
      expect(await port.listRoleAssignmentsForPrincipal(REG, '00000000-1111-2222-3333-444444444444')).toEqual([]);

      emu.clearRequestLog();
      const d1 = await port.getRoleDefinition(mine[0]?.roleDefinitionId as string);
      const d2 = await port.getRoleDefinition(ROLE_IDS.acrPull);
      expect(d1).toMatchObject({ roleName: 'AcrPull' });
      expect(d1?.permissions[0]?.actions).toContain('Microsoft.ContainerRegistry/registries/pull/read');
      expect(d2?.roleName).toBe('AcrPull');
      expect(emu.requestLog).toHaveLength(1); // same GUID: one request

      const builtIns = await port.listRoleDefinitions(`/subscriptions/${SUB}`, "type eq 'BuiltInRole'");
      expect(builtIns.map((r) => r.roleName)).toEqual(expect.arrayContaining(['AcrPull', 'Reader', 'Owner']));
      expect(
        await port.getRoleDefinition(
          '/providers/Microsoft.Authorization/roleDefinitions/12345678-aaaa-4bbb-8ccc-123456789012',
        ),
      ).toBeUndefined();
    }));

  it('reads deny assignments and the Activity Log by correlation id', () =>
    withPort('arm-authz-deny-assignment', async (port) => {
      const denies = await port.listDenyAssignments(APP);
      expect(denies).toHaveLength(1);
      expect(denies[0]?.permissions[0]?.actions).toContain('*/write');
      const world = JSON.parse(readFileSync('test/worlds/arm-authz-deny-assignment.json', 'utf8')) as {
        activityLog: Array<{ correlationId: string }>;
      };
      const cid = world.activityLog[0]?.correlationId as string;
      const entries = await port.listActivityLog(
        SUB,
        cid,
        new Date('2026-11-21T09:00:00Z'),
        new Date('2026-11-21T10:00:00Z'),
      );
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ correlationId: cid, status: 'Failed', statusCode: 'Forbidden' });
      expect(entries[0]?.statusMessage).toMatch(/AuthorizationFailed/);
      expect(
        await port.listActivityLog(SUB, cid, new Date('2026-11-20T09:00:00Z'), new Date('2026-11-20T10:00:00Z')),
      ).toEqual([]);
    }));

  it('creates a role assignment with principalType; the same one again is not created twice', () =>
    withPort('missing-role', async (port, emu) => {
      const req = {
        scope: REG,
        name: '0f0e0d0c-0b0a-4909-8807-060504030201',
        roleDefinitionId: `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_IDS.acrPull}`,
        principalId: PRINCIPAL,
        principalType: 'ServicePrincipal',
      };
      const first = await port.createRoleAssignment(req);
      expect(first.created).toBe(true);
      expect(first.assignment).toMatchObject({ principalId: PRINCIPAL, principalType: 'ServicePrincipal' });
      const again = await port.createRoleAssignment(req);
      expect(again.created).toBe(false);
      const otherName = await port.createRoleAssignment({ ...req, name: '1f0e0d0c-0b0a-4909-8807-060504030201' });
      expect(otherName).toEqual({ created: false }); // 409 RoleAssignmentExists
      expect(emu.requestLog.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([
        201,
        expect.any(Number),
        409,
      ]);
      expect(await port.listRoleAssignmentsForPrincipal(REG, PRINCIPAL)).toHaveLength(1);
    }));

  it('enables authentication-as-arm with a registry PATCH (LRO awaited)', () =>
    withPort('arm-token-auth-disabled', async (port, emu) => {
      expect((await port.getRegistry(REG))?.armTokenAuth).toBe('disabled');
      const updated = await port.enableArmTokenAuth(REG);
      expect(updated.armTokenAuth).toBe('enabled');
      expect((await port.getRegistry(REG))?.armTokenAuth).toBe('enabled');
      expect(emu.requestLog.filter((r) => r.write).map((r) => r.method)).toEqual(['PATCH']);
      // the other policies are kept
      const raw = emu.snapshot().resources.find((r) => r.id.toLowerCase() === REG.toLowerCase()) as unknown as {
        properties: { policies: Record<string, { status?: string }> };
      };
      expect(raw.properties.policies['exportPolicy']?.status).toBe('enabled');
      expect(raw.properties.policies['retentionPolicy']).toBeDefined();
    }));

  it('starts a new revision with the same template and the given suffix', () =>
    withPort('missing-role', async (port, emu) => {
      const before = await port.getContainerApp(APP);
      const { revisionName, provisioningError } = await port.createRevision(APP, 'heal01');
      expect(revisionName).toBe('web--heal01');
      expect(provisioningError).toMatch(/UNAUTHORIZED/);
      const rev = await port.getRevision(APP, revisionName);
      expect(rev?.containers.map((c) => c.image)).toEqual(before?.containers.map((c) => c.image));
      expect(rev?.provisioningError).toMatch(/UNAUTHORIZED/); // still no role: the emulator fails the new revision too
      expect(emu.requestLog.filter((r) => r.write).map((r) => r.method)).toEqual(['PATCH']);
    }));

  it('a revision that provisions resolves without an error', () =>
    withPort('role-propagating', async (port, emu) => {
      emu.clock.advance(10 * 60_000); // the AcrPull of this world is in effect now
      const r = await port.createRevision(APP, 'heal02');
      expect(r).toEqual({ revisionName: 'web--heal02' });
      expect((await port.getRevision(APP, 'web--heal02'))?.provisioningState).toMatch(/Provisioned|Provisioning/);
    }));

  it('retries transient faults and counts every HTTP request', () =>
    withPort('missing-role', async (port, emu) => {
      emu.addFault({ path: 'containerApps/web$', kind: 'error', status: 503, times: 1 });
      const before = port.requestCount();
      expect((await port.getContainerApp(APP))?.name).toBe('web');
      expect(port.requestCount() - before).toBe(2);
      emu.addFault({ path: 'containerApps/web$', kind: 'error', status: 403 });
      await expect(port.getContainerApp(APP)).rejects.toMatchObject({ statusCode: 403 });
    }));
});
