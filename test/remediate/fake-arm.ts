/** A plain in-memory ArmPort for pure unit tests of the executor (no module mocking: a class implementing the port). */
import type {
  ArmPort,
  ContainerAppInfo,
  CreateRoleAssignmentRequest,
  CreateRoleAssignmentResult,
  RegistryInfo,
  RevisionInfo,
  RoleAssignmentInfo,
} from '../../src/azure/arm-port';
import { normalizeId, roleGuid } from '../../src/azure/ids';

export const SUB = '11111111-1111-1111-1111-111111111111';
export const RG = `/subscriptions/${SUB}/resourceGroups/web-rg`;
export const APP_ID = `${RG}/providers/Microsoft.App/containerApps/web`;
export const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/acr-rg/providers/Microsoft.ContainerRegistry/registries/contoso`;
export const UAI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
export const PRINCIPAL = 'aaaaaaaa-0000-0000-0000-000000000001';

export function makeApp(over: Partial<ContainerAppInfo> = {}): ContainerAppInfo {
  return {
    id: APP_ID,
    name: 'web',
    tags: {},
    identity: {
      type: 'UserAssigned',
      userAssignedIdentities: { [UAI_ID]: { principalId: PRINCIPAL, clientId: 'c1' } },
    },
    registries: [{ server: 'contoso.azurecr.io', identity: UAI_ID }],
    containers: [{ name: 'web', image: 'contoso.azurecr.io/web:1' }],
    initContainers: [],
    latestRevisionName: 'web--v1',
    ...over,
  };
}

export function makeRegistry(over: Partial<RegistryInfo> = {}): RegistryInfo {
  return {
    id: REGISTRY_ID,
    name: 'contoso',
    loginServer: 'contoso.azurecr.io',
    tags: {},
    roleAssignmentMode: 'LegacyRegistryPermissions',
    armTokenAuth: 'enabled',
    ...over,
  };
}

export class FakeArm implements ArmPort {
  apps = new Map<string, ContainerAppInfo>();
  registries = new Map<string, RegistryInfo>();
  revisions = new Map<string, RevisionInfo>();
  assignments: RoleAssignmentInfo[] = [];
  writes: Array<{ op: string; target: string; detail?: unknown }> = [];
  /** Next write throws this (once). */
  failNextWrite: Error | undefined;
  /** How a new revision comes up. */
  newRevisionState: Partial<RevisionInfo> = { provisioningState: 'Provisioned', runningState: 'Running' };

  constructor(app: ContainerAppInfo | undefined = makeApp(), registry: RegistryInfo | undefined = makeRegistry()) {
    if (app) this.apps.set(normalizeId(app.id), app);
    if (registry) this.registries.set(normalizeId(registry.id), registry);
  }
  private maybeFail(): void {
    if (this.failNextWrite !== undefined) {
      const e = this.failNextWrite;
      this.failNextWrite = undefined;
      throw e instanceof Error ? e : new Error(String(e));
    }
  }
  async getContainerApp(id: string) {
    return this.apps.get(normalizeId(id));
  }
  async getRevision(appId: string, name: string) {
    return this.revisions.get(`${normalizeId(appId)}/${name.toLowerCase()}`);
  }
  async listRevisions() {
    return [...this.revisions.values()];
  }
  async listRegistries() {
    return [...this.registries.values()];
  }
  async getRegistry(id: string) {
    return this.registries.get(normalizeId(id));
  }
  async listRoleAssignmentsForPrincipal(_scope: string, principalId: string) {
    return this.assignments.filter((a) => a.principalId === principalId);
  }
  async listRoleAssignmentsAtScope() {
    return this.assignments;
  }
  async getRoleDefinition() {
    return undefined;
  }
  async listRoleDefinitions() {
    return [];
  }
  async listDenyAssignments() {
    return [];
  }
  async getUserAssignedIdentity() {
    return undefined;
  }
  async listActivityLog() {
    return [];
  }
  async createRoleAssignment(req: CreateRoleAssignmentRequest): Promise<CreateRoleAssignmentResult> {
    this.writes.push({ op: 'createRoleAssignment', target: req.scope, detail: req });
    this.maybeFail();
    const same = this.assignments.find(
      (a) =>
        normalizeId(a.scope) === normalizeId(req.scope) &&
        roleGuid(a.roleDefinitionId) === roleGuid(req.roleDefinitionId) &&
        a.principalId === req.principalId,
    );
    if (same) return { created: false };
    const a: RoleAssignmentInfo = {
      id: `${req.scope}/providers/Microsoft.Authorization/roleAssignments/${req.name}`,
      name: req.name,
      scope: req.scope,
      roleDefinitionId: req.roleDefinitionId,
      principalId: req.principalId,
      principalType: req.principalType,
    };
    this.assignments.push(a);
    return { created: true, assignment: a };
  }
  async enableArmTokenAuth(id: string) {
    this.writes.push({ op: 'enableArmTokenAuth', target: id });
    this.maybeFail();
    const r = this.registries.get(normalizeId(id)) as RegistryInfo;
    r.armTokenAuth = 'enabled';
    return r;
  }
  async createRevision(appId: string, suffix: string) {
    this.writes.push({ op: 'createRevision', target: appId, detail: suffix });
    this.maybeFail();
    const app = this.apps.get(normalizeId(appId)) as ContainerAppInfo;
    const revisionName = `${app.name}--${suffix}`;
    this.revisions.set(`${normalizeId(appId)}/${revisionName}`, {
      id: `${appId}/revisions/${revisionName}`,
      name: revisionName,
      containers: app.containers,
      ...this.newRevisionState,
    });
    return { revisionName };
  }
}
