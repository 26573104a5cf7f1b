/**
 * Fact gathering against a fake ArmPort (pure unit tests): which reads happen, and in how many sequential rounds.
 * The fake holds every call until the test releases the whole pending batch, so a "round" is exactly one wave of
 * parallel calls — deterministic, no timing.
 */
import type {
  ActivityLogEntryInfo,
  ArmPort,
  ContainerAppInfo,
  RegistryInfo,
  RevisionInfo,
  RoleAssignmentInfo,
  RoleDefinitionInfo,
} from '../../src/azure/arm-port';
import { diagnose } from '../../src/diagnose';
import type { Diagnosis, FailureEvent } from '../../src/model';

const SUB = '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const APP = `${SUB}/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web`;
const UAI = `${SUB}/resourceGroups/web-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
const UAI2 = `${SUB}/resourceGroups/web-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-tools`;
const REG = `${SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/acmeacr`;
const REG2 = `${SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/toolsacr`;
const P1 = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const P2 = '3b4c5d6e-7f80-4912-a3b4-c5d6e7f80912';
const CALLER = '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b';
const pullError = (server: string, image: string, container = 'api') =>
  `Field 'template.containers.${container}.image' is invalid with details: 'Invalid value: "${server}/${image}": GET https:?scope=repository%3A${encodeURIComponent(image.split(':')[0] as string)}%3Apull&service=${server}: UNAUTHORIZED: authentication required'`;

interface FakeData {
  app?: ContainerAppInfo;
  revisions: RevisionInfo[];
  registries: RegistryInfo[];
  assignments: RoleAssignmentInfo[];
  activityLog: ActivityLogEntryInfo[];
  roleDefinitions: RoleDefinitionInfo[];
}

class RoundFake implements ArmPort {
  calls: string[] = [];
  pending: Array<() => void> = [];
  constructor(private readonly d: FakeData) {}
  private hold<T>(name: string, value: T): Promise<T> {
    this.calls.push(name);
    return new Promise((resolve) => this.pending.push(() => resolve(value)));
  }
  getContainerApp = (id: string) =>
    this.hold(
      'getContainerApp',
      this.d.app && this.d.app.id.toLowerCase() === id.toLowerCase() ? this.d.app : undefined,
    );
  getRevision = (_app: string, name: string) =>
    this.hold(
      'getRevision',
      this.d.revisions.find((r) => r.name === name),
    );
  listRevisions = () => this.hold('listRevisions', this.d.revisions);
  /** Warm cache: answers without a round trip. */
  listRegistries = async () => this.d.registries;
  getRegistry = (id: string) =>
    this.hold(
      'getRegistry',
      this.d.registries.find((r) => r.id === id),
    );
  listRoleAssignmentsForPrincipal = (_scope: string, principalId: string) =>
    this.hold(
      `listRoleAssignmentsForPrincipal:${principalId}`,
      this.d.assignments.filter((a) => a.principalId === principalId),
    );
  listRoleAssignmentsAtScope = () => this.hold('listRoleAssignmentsAtScope', this.d.assignments);
  getRoleDefinition = (id: string) =>
    this.hold(
      'getRoleDefinition',
      this.d.roleDefinitions.find((r) => id.toLowerCase().endsWith(r.name)),
    );
  /** Warm cache. */
  listRoleDefinitions = async () => this.d.roleDefinitions;
  listDenyAssignments = () => this.hold('listDenyAssignments', []);
  getUserAssignedIdentity = () => this.hold('getUserAssignedIdentity', undefined);
  listActivityLog = () => this.hold('listActivityLog', this.d.activityLog);
  createRoleAssignment = (): never => {
    throw new Error('diagnosis must not write');
  };
  enableArmTokenAuth = (): never => {
    throw new Error('diagnosis must not write');
  };
  createRevision = (): never => {
    throw new Error('diagnosis must not write');
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Run diagnose(), releasing the fake's pending calls one wave at a time; returns the diagnosis and the wave count. */
async function run(
  data: Partial<FakeData>,
  event: Partial<FailureEvent> = {},
): Promise<{ d: Diagnosis; rounds: number; calls: string[] }> {
  const fake = new RoundFake({
    revisions: [],
    registries: [],
    assignments: [],
    activityLog: [],
    roleDefinitions: [],
    ...data,
  });
  const ev: FailureEvent = {
    source: 'event-grid',
    id: 'e1',
    time: '2026-11-21T09:58:52Z',
    eventType: 'Microsoft.Resources.ResourceWriteFailure',
    subject: APP,
    resourceId: APP,
    operationName: 'Microsoft.App/containerApps/write',
    status: 'Failed',
    correlationId: 'c0ffee00-1234-4abc-8def-0123456789ab',
    subscriptionId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
    raw: {},
    ...event,
  };
  let done = false;
  const p = diagnose(ev, {
    arm: fake,
    clock: { now: () => new Date('2026-11-21T10:00:00Z') },
    config: { propagationWindowMs: 600_000 },
  }).finally(() => {
    done = true;
  });
  let rounds = 0;
  for (let guard = 0; guard < 50 && !done; guard++) {
    await tick();
    if (done) break;
    if (fake.pending.length === 0) continue;
    rounds++;
    fake.pending.splice(0).forEach((release) => release());
  }
  return { d: await p, rounds, calls: fake.calls };
}

function app(over: Partial<ContainerAppInfo> = {}): ContainerAppInfo {
  return {
    id: APP,
    name: 'web',
    tags: {},
    identity: { type: 'UserAssigned', userAssignedIdentities: { [UAI]: { principalId: P1 } } },
    registries: [{ server: 'acmeacr.azurecr.io', identity: UAI }],
    containers: [{ name: 'api', image: 'acmeacr.azurecr.io/api:latest' }],
    initContainers: [],
    latestRevisionName: 'web--v7',
    createdAt: '2025-06-01T09:00:00Z',
    ...over,
  };
}
const revision = (
  provisioningError?: string,
  containers = [{ name: 'api', image: 'acmeacr.azurecr.io/api:latest' }],
): RevisionInfo => ({
  id: `${APP}/revisions/web--v7`,
  name: 'web--v7',
  createdTime: '2026-11-21T09:58:45Z',
  provisioningState: provisioningError ? 'Failed' : 'Provisioned',
  runningState: provisioningError ? 'Failed' : 'Running',
  ...(provisioningError ? { provisioningError } : {}),
  containers,
});
const registry = (id: string, name: string): RegistryInfo => ({
  id,
  name,
  loginServer: `${name}.azurecr.io`,
  tags: {},
  roleAssignmentMode: 'LegacyRegistryPermissions',
  armTokenAuth: 'enabled',
  publicNetworkAccess: 'Enabled',
  networkDefaultAction: 'Allow',
});

describe('fact gathering', () => {
  it('seed shape: 2 sequential rounds, 4 reads (app; then revision ∥ role assignments ∥ deny assignments)', async () => {
    const r = await run({
      app: app(),
      revisions: [revision(pullError('acmeacr.azurecr.io', 'api:latest'))],
      registries: [registry(REG, 'acmeacr')],
    });
    expect(r.d.kind).toBe('acr-pull/missing-role');
    expect(r.rounds).toBe(2);
    expect(r.calls.sort()).toEqual(
      ['getContainerApp', 'getRevision', 'listDenyAssignments', `listRoleAssignmentsForPrincipal:${P1}`].sort(),
    );
  });

  it('several registries with different identities: reads only the failing one, in a third round', async () => {
    const a = app({
      identity: {
        type: 'UserAssigned',
        userAssignedIdentities: { [UAI]: { principalId: P1 }, [UAI2]: { principalId: P2 } },
      },
      registries: [
        { server: 'acmeacr.azurecr.io', identity: UAI },
        { server: 'toolsacr.azurecr.io', identity: UAI2 },
      ],
      initContainers: [{ name: 'migrate', image: 'toolsacr.azurecr.io/migrate:1' }],
    });
    const r = await run({
      app: a,
      revisions: [revision(pullError('toolsacr.azurecr.io', 'migrate:1', 'migrate'))],
      registries: [registry(REG, 'acmeacr'), registry(REG2, 'toolsacr')],
    });
    expect(r.d.kind).toBe('acr-pull/missing-role');
    expect(r.d.details.registryId).toBe(REG2);
    expect(r.d.details.identity?.principalId).toBe(P2);
    expect(r.rounds).toBe(3);
    expect(r.calls).not.toContain(`listRoleAssignmentsForPrincipal:${P1}`);
  });

  it('an unfamiliar role at the registry is read (one more round) and counted when it grants the pull', async () => {
    const custom: RoleDefinitionInfo = {
      id: '/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-4333-8444-555555555555',
      name: '11111111-2222-4333-8444-555555555555',
      roleName: 'Image Puller',
      roleType: 'CustomRole',
      permissions: [
        {
          actions: ['Microsoft.ContainerRegistry/registries/*/read'],
          notActions: [],
          dataActions: [],
          notDataActions: [],
        },
      ],
      assignableScopes: [SUB],
    };
    const r = await run({
      app: app(),
      revisions: [revision(pullError('acmeacr.azurecr.io', 'api:latest'))],
      registries: [{ ...registry(REG, 'acmeacr'), armTokenAuth: 'disabled' }],
      assignments: [
        {
          id: 'ra1',
          name: 'ra1',
          scope: REG,
          roleDefinitionId: custom.id,
          principalId: P1,
          createdOn: '2026-01-01T00:00:00Z',
        },
      ],
      roleDefinitions: [custom],
    });
    expect(r.d.kind).toBe('acr-pull/arm-token-auth-disabled');
    expect(r.d.details.rolesFound?.[0]?.roleName).toBe('Image Puller');
    expect(r.rounds).toBe(3);
  });

  it('a revision without a pull error: the Activity Log decides (AuthorizationFailed → arm-authz)', async () => {
    const msg = `{"error":{"code":"AuthorizationFailed","message":"The client 'x' with object id '${CALLER}' does not have authorization to perform action 'Microsoft.App/containerApps/write' over scope '${APP}' or the scope is invalid."}}`;
    const r = await run({
      app: app(),
      revisions: [revision()],
      registries: [registry(REG, 'acmeacr')],
      activityLog: [{ correlationId: 'c0ffee00-1234-4abc-8def-0123456789ab', status: 'Failed', statusMessage: msg }],
    });
    expect(r.d.kind).toBe('arm-authz/missing-role');
    expect(r.d.details.callerPrincipalId).toBe(CALLER);
    expect(r.calls).toContain('listActivityLog');
  });

  it('an old failing revision does not hide a refused write: the Activity Log speaks first', async () => {
    const msg = `{"error":{"code":"AuthorizationFailed","message":"The client 'x' with object id '${CALLER}' does not have authorization to perform action 'Microsoft.App/containerApps/write' over scope '${APP}' or the scope is invalid."}}`;
    const data = {
      app: app(),
      revisions: [revision(pullError('acmeacr.azurecr.io', 'api:latest'))],
      registries: [registry(REG, 'acmeacr')],
      activityLog: [{ correlationId: 'c0ffee00-1234-4abc-8def-0123456789ab', status: 'Failed', statusMessage: msg }],
    };
    const late = await run(data, { time: '2026-11-21T11:30:00Z' });
    expect(late.d.kind).toBe('arm-authz/missing-role');
    const fresh = await run(data); // the revision was created seconds before the event: it is the failure
    expect(fresh.d.kind).toBe('acr-pull/missing-role');
    expect(fresh.calls).not.toContain('listActivityLog');
  });

  it('the pull error can come from the Activity Log when the revision has none', async () => {
    const r = await run({
      app: app(),
      revisions: [revision()],
      registries: [registry(REG, 'acmeacr')],
      activityLog: [
        {
          correlationId: 'c0ffee00-1234-4abc-8def-0123456789ab',
          status: 'Failed',
          statusMessage: JSON.stringify({
            error: { code: 'ContainerAppOperationError', message: pullError('acmeacr.azurecr.io', 'api:latest') },
          }),
        },
      ],
    });
    expect(r.d.kind).toBe('acr-pull/missing-role');
    expect(r.d.evidence[0]).toContain('Activity Log');
  });

  it('an error nobody recognises is unknown with the raw message (never a guess)', async () => {
    const r = await run({
      app: app(),
      revisions: [revision("Container 'api' was terminated with exit code '137' and reason 'OOMKilled'.")],
      registries: [registry(REG, 'acmeacr')],
    });
    expect(r.d.kind).toBe('unknown');
    expect(r.d.details.rawMessage).toContain('OOMKilled');
    expect(r.d.summary).toContain('OOMKilled');
  });

  it('a healthy latest revision and no Activity Log entry: unknown, saying so', async () => {
    const r = await run({ app: app(), revisions: [revision()], registries: [registry(REG, 'acmeacr')] });
    expect(r.d.kind).toBe('unknown');
    expect(r.d.summary).toMatch(/healthy now/);
  });

  it('an app that no longer exists: unknown after one read', async () => {
    const r = await run({});
    expect(r.d.kind).toBe('unknown');
    expect(r.calls).toEqual(['getContainerApp']);
  });

  it('an alert that carries the AuthorizationFailed message reads no app and no Activity Log', async () => {
    const msg = `{"error":{"code":"AuthorizationFailed","message":"The client 'x' with object id '${CALLER}' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/write' over scope '${SUB}/resourceGroups/data-rg' or the scope is invalid."}}`;
    const r = await run(
      {
        roleDefinitions: [
          {
            id: '/providers/Microsoft.Authorization/roleDefinitions/17d1049b-9a84-46fb-8f53-869881c3d3ab',
            name: '17d1049b-9a84-46fb-8f53-869881c3d3ab',
            roleName: 'Storage Account Contributor',
            roleType: 'BuiltInRole',
            permissions: [
              { actions: ['Microsoft.Storage/storageAccounts/*'], notActions: [], dataActions: [], notDataActions: [] },
            ],
            assignableScopes: ['/'],
          },
        ],
      },
      { source: 'activity-log-alert', resourceId: SUB, statusDetail: { statusMessage: msg } },
    );
    expect(r.d.kind).toBe('arm-authz/missing-role');
    expect(r.d.details.recommendedRole?.roleName).toBe('Storage Account Contributor');
    expect(r.d.details.deniedScope).toBe(`${SUB}/resourceGroups/data-rg`);
    expect(r.calls.sort()).toEqual([`listRoleAssignmentsForPrincipal:${CALLER}`, 'listDenyAssignments'].sort());
    expect(r.rounds).toBe(1);
  });
});
