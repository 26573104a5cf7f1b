/**
 * The ARM port: everything the remediator reads from or writes to Azure Resource Manager, as plain data.
 * The functional core depends only on this interface. The adapter over the real @azure/arm-* SDK clients lives in
 * `src/adapters/sdk-arm.ts` (tests run it against the ARM emulator over HTTPS).
 *
 * Conventions:
 * - ids are ARM ids as ARM returns them; compare case-insensitively (see `src/azure/ids.ts`).
 * - a 404 on a single-resource read resolves to `undefined`; every other ARM error rejects with the SDK's RestError
 *   (the caller decides whether it is transient).
 * - role definition ids are full ids (`/subscriptions/…/providers/Microsoft.Authorization/roleDefinitions/{guid}` or
 *   `/providers/Microsoft.Authorization/roleDefinitions/{guid}`); compare by GUID (`roleGuid()` in ids.ts).
 */

export interface ContainerAppInfo {
  id: string;
  name: string;
  location?: string;
  tags: Record<string, string>;
  identity: {
    type: string; // None | SystemAssigned | UserAssigned | SystemAssigned,UserAssigned
    principalId?: string; // system identity's principal
    userAssignedIdentities: Record<string, { principalId?: string; clientId?: string }>;
  };
  registries: Array<{ server: string; identity?: string; username?: string; passwordSecretRef?: string }>;
  containers: Array<{ name: string; image: string }>;
  initContainers: Array<{ name: string; image: string }>;
  latestRevisionName?: string;
  latestReadyRevisionName?: string;
  provisioningState?: string;
  revisionSuffix?: string;
  createdAt?: string;
  /** A Container Apps job's `configuration.triggerType` (`Manual`, `Schedule`, `Event`); absent for an app. */
  triggerType?: string;
}

export interface RevisionInfo {
  id: string;
  name: string;
  createdTime?: string;
  provisioningState?: string;
  runningState?: string;
  healthState?: string;
  provisioningError?: string;
  active?: boolean;
  containers: Array<{ name: string; image: string }>;
}

export interface RegistryInfo {
  id: string;
  name: string;
  loginServer: string;
  tags: Record<string, string>;
  roleAssignmentMode?: string; // LegacyRegistryPermissions | AbacRepositoryPermissions
  armTokenAuth?: string; // enabled | disabled (policies.azureADAuthenticationAsArmPolicy.status)
  publicNetworkAccess?: string; // Enabled | Disabled
  networkDefaultAction?: string; // Allow | Deny
  anonymousPullEnabled?: boolean;
  adminUserEnabled?: boolean;
  /** The registry's private endpoint connections: the endpoint's resource id and the connection status. */
  privateEndpoints?: Array<{ id: string; status?: string }>;
}

export interface RoleAssignmentInfo {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  createdOn?: string;
  condition?: string;
}

export interface RolePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinitionInfo {
  id: string;
  name: string; // GUID
  roleName: string;
  roleType?: string; // BuiltInRole | CustomRole
  description?: string;
  permissions: RolePermission[];
  assignableScopes: string[];
}

export interface DenyAssignmentInfo {
  id: string;
  name?: string;
  scope?: string;
  permissions: RolePermission[];
  principals: Array<{ id: string; type?: string }>;
  excludePrincipals: Array<{ id: string; type?: string }>;
  doNotApplyToChildScopes?: boolean;
}

export interface ActivityLogEntryInfo {
  correlationId?: string;
  eventTimestamp?: string;
  operationName?: string;
  status?: string;
  subStatus?: string;
  caller?: string;
  resourceId?: string;
  statusCode?: string;
  /** `properties.statusMessage`, a JSON string in Azure. */
  statusMessage?: string;
  /** `properties.requestbody`, when ARM logged the request body (role assignment writes do). */
  requestBody?: string;
  claims?: Record<string, string>;
  authorization?: { action?: string; scope?: string };
}

/** A policy assignment (Microsoft.Authorization/policyAssignments) as the remediator reads it. */
export interface PolicyAssignmentInfo {
  id: string;
  name: string;
  displayName?: string;
  scope?: string;
  policyDefinitionId?: string;
  /** `Default` (enforced) or `DoNotEnforce`. */
  enforcementMode?: string;
  notScopes: string[];
  parameters?: Record<string, unknown>;
}

/** A policy (or policy set) definition as the remediator reads it. */
export interface PolicyDefinitionInfo {
  id: string;
  name: string;
  displayName?: string;
  policyType?: string;
  /** `policyRule.then.effect` as written (may be a parameter expression such as `[parameters('effect')]`). */
  effect?: string;
  /** The effect parameter's default value, when the effect is a parameter. */
  effectDefault?: string;
}

export interface UserAssignedIdentityInfo {
  id: string;
  name: string;
  principalId?: string;
  clientId?: string;
  tenantId?: string;
}

export interface CreateRoleAssignmentRequest {
  scope: string;
  /** The assignment's GUID name (deterministic, see remediate/ids). */
  name: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string; // ServicePrincipal for managed identities
  description?: string;
}

export interface CreateRoleAssignmentResult {
  /** false when ARM answered 409 RoleAssignmentExists (already there under another name) or it existed by that name. */
  created: boolean;
  assignment?: RoleAssignmentInfo;
}

export interface ArmPort {
  // ── reads ──
  getContainerApp(appId: string): Promise<ContainerAppInfo | undefined>;
  getRevision(appId: string, revisionName: string): Promise<RevisionInfo | undefined>;
  /**
   * Every container app in every readable subscription (optional: used only to find which app pulls with a principal
   * that ARM denied `registries/pull/read`; fakes may omit it).
   */
  listContainerApps?(): Promise<ContainerAppInfo[]>;
  listRevisions(appId: string): Promise<RevisionInfo[]>;
  /**
   * Every registry in every subscription the remediator can read (the adapter caches the login-server map).
   * `refresh: true` bypasses the cache (used once when a login server is not in the cached map).
   */
  listRegistries(options?: { refresh?: boolean }): Promise<RegistryInfo[]>;
  /**
   * The registries whose login server is one of `loginServers` (case-insensitive), cached per login server. Against
   * Azure: one Resource Graph query (paged) whatever the number of subscriptions; where Resource Graph is refused, the
   * `listRegistries` map. `refresh: true` bypasses the cache (bounded like `listRegistries`). Optional: without it,
   * callers filter `listRegistries()`.
   */
  findRegistries?(loginServers: readonly string[], options?: { refresh?: boolean }): Promise<RegistryInfo[]>;
  /**
   * Container apps whose system or user-assigned identity is `principalId` (one Resource Graph query; where it is
   * refused, `listContainerApps` filtered). Optional.
   */
  listContainerAppsUsingPrincipal?(principalId: string): Promise<ContainerAppInfo[]>;
  getRegistry(registryId: string): Promise<RegistryInfo | undefined>;
  /** Assignments of `principalId` at, above and below `scope` (ARM `$filter=principalId eq '…'`). */
  listRoleAssignmentsForPrincipal(scope: string, principalId: string): Promise<RoleAssignmentInfo[]>;
  /** Assignments at or above `scope` (ARM `$filter=atScope()`). */
  listRoleAssignmentsAtScope(scope: string): Promise<RoleAssignmentInfo[]>;
  getRoleDefinition(roleDefinitionId: string): Promise<RoleDefinitionInfo | undefined>;
  /** Role definitions assignable at `scope` (built-in and custom); optional OData filter e.g. `type eq 'BuiltInRole'`. */
  listRoleDefinitions(scope: string, filter?: string): Promise<RoleDefinitionInfo[]>;
  /** Deny assignments that apply at `scope` (at or above). */
  listDenyAssignments(scope: string): Promise<DenyAssignmentInfo[]>;
  getUserAssignedIdentity(identityId: string): Promise<UserAssignedIdentityInfo | undefined>;
  /**
   * Management group ids above a subscription, nearest first (the management groups API's entities, cached by the
   * adapter). Optional: fakes may omit it, and the diagnosis then falls back to the assignments ARM returned.
   */
  listManagementGroupAncestors?(subscriptionId: string): Promise<string[]>;
  /** A policy assignment by id (optional, as above; 404 → undefined). */
  getPolicyAssignment?(assignmentId: string): Promise<PolicyAssignmentInfo | undefined>;
  /** A policy definition or policy set definition by id (optional, as above; 404 → undefined). */
  getPolicyDefinition?(definitionId: string): Promise<PolicyDefinitionInfo | undefined>;
  /** Activity Log entries with that correlation id in [from, to]. */
  listActivityLog(subscriptionId: string, correlationId: string, from: Date, to: Date): Promise<ActivityLogEntryInfo[]>;

  // ── writes ──
  createRoleAssignment(req: CreateRoleAssignmentRequest): Promise<CreateRoleAssignmentResult>;
  /** PATCH the registry's authentication-as-arm policy to enabled (long-running operation, awaited). */
  enableArmTokenAuth(registryId: string): Promise<RegistryInfo>;
  /**
   * Start a new revision of the app with the same template and the given revision suffix (PATCH of the container app,
   * awaited as an LRO). Resolves to the new revision's name. When the revision was created but failed to provision
   * (the LRO failed), it still resolves, with the revision's `provisioningError`; other failures reject.
   */
  /**
   * Start one execution of a Container Apps job (`POST …/jobs/{name}/start`, awaited as an LRO) with the job's own
   * template. Resolves to the execution's name. Absent where the port cannot (test fakes).
   */
  startJobExecution?(jobId: string, options?: { correlationId?: string }): Promise<{ executionName: string }>;
  createRevision(
    appId: string,
    revisionSuffix: string,
    /** `correlationId`: sent as `x-ms-correlation-request-id`, so the write's own Event Grid event is recognised. */
    options?: { correlationId?: string },
  ): Promise<{ revisionName: string; provisioningError?: string }>;
}
