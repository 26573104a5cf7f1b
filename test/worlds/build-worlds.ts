/**
 * Generates the seed worlds test/worlds/<name>.json and their events <name>.event.json (one per diagnosis kind).
 * The failing revision's provisioningError is computed by the emulator's own pull evaluation, so every world is
 * internally consistent. Run: `npx tsx test/worlds/build-worlds.ts` (test/emulator/worlds.test.ts checks the output).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from '../../emulator/api';
import { EmulatorState, type Resource } from '../../emulator/state';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const SUB = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
export const SHARED_SUB = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
export const NOW = '2026-11-21T10:00:00Z';
const RG = `/subscriptions/${SUB}/resourceGroups/web-rg`;
const SHARED_RG = `/subscriptions/${SHARED_SUB}/resourceGroups/shared-rg`;
export const APP_ID = `${RG}/providers/Microsoft.App/containerApps/web`;
export const UAI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
export const UAI_PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const UAI_CLIENT = '0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d';
export const REGISTRY_ID = `${SHARED_RG}/providers/Microsoft.ContainerRegistry/registries/acmeacr`;
export const DEPLOYER_PRINCIPAL = 'd1c2b3a4-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const CONTAINER_APPS_CONTRIBUTOR = '358470bc-b998-42bd-ab17-a7e34c199c0f';
const ENV_ID = `${RG}/providers/Microsoft.App/managedEnvironments/prod-env`;

type R = Resource;

function roleAssignment(scope: string, name: string, roleGuid: string, principalId: string, createdOn: string, principalType = 'ServicePrincipal'): R {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name,
    properties: {
      roleDefinitionId: `${sub ? `/subscriptions/${sub}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId,
      principalType,
      scope,
      createdOn,
      updatedOn: createdOn,
      createdBy: DEPLOYER_PRINCIPAL,
      updatedBy: DEPLOYER_PRINCIPAL,
    },
  };
}

function uai(name = 'web-pull', principalId = UAI_PRINCIPAL, clientId = UAI_CLIENT): R {
  return {
    id: `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
    type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    name,
    location: 'westeurope',
    tags: {},
    properties: { tenantId: TENANT, principalId, clientId },
  };
}

function registry(over: Record<string, unknown> = {}, policyStatus = 'enabled', name = 'acmeacr'): R {
  return {
    id: `${SHARED_RG}/providers/Microsoft.ContainerRegistry/registries/${name}`,
    type: 'Microsoft.ContainerRegistry/registries',
    name,
    location: 'westeurope',
    tags: {},
    sku: { name: 'Premium', tier: 'Premium' },
    properties: {
      loginServer: `${name}.azurecr.io`,
      creationDate: '2025-03-01T12:00:00Z',
      provisioningState: 'Succeeded',
      adminUserEnabled: false,
      publicNetworkAccess: 'Enabled',
      networkRuleBypassOptions: 'AzureServices',
      dataEndpointEnabled: false,
      networkRuleSet: { defaultAction: 'Allow', ipRules: [] },
      roleAssignmentMode: 'LegacyRegistryPermissions',
      anonymousPullEnabled: false,
      zoneRedundancy: 'Disabled',
      policies: {
        quarantinePolicy: { status: 'disabled' },
        trustPolicy: { type: 'Notary', status: 'disabled' },
        retentionPolicy: { days: 7, status: 'disabled' },
        exportPolicy: { status: 'enabled' },
        azureADAuthenticationAsArmPolicy: { status: policyStatus },
      },
      ...over,
    },
  };
}

interface AppSpec {
  image?: string;
  identity?: Record<string, unknown>;
  registries?: Array<Record<string, unknown>>;
  createdAt?: string;
  /** `configuration.secrets[]` as ARM returns them on GET (no values). */
  secrets?: Array<Record<string, unknown>>;
  /** No previous healthy revision (first deployment). */
  firstRevision?: boolean;
}

function app(spec: AppSpec): { app: R; revisions: R[] } {
  const image = spec.image ?? 'acmeacr.azurecr.io/api:1.4.2';
  const suffix = spec.firstRevision ? 'v1' : 'v7';
  const identity = spec.identity ?? { type: 'UserAssigned', userAssignedIdentities: { [UAI_ID]: { principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT } } };
  const registries = spec.registries ?? [{ server: 'acmeacr.azurecr.io', identity: UAI_ID }];
  const template = { revisionSuffix: suffix, containers: [{ name: 'api', image, resources: { cpu: 0.5, memory: '1Gi' } }], scale: { minReplicas: 1, maxReplicas: 3 } };
  const a: R = {
    id: APP_ID,
    type: 'Microsoft.App/containerApps',
    name: 'web',
    location: 'West Europe',
    tags: {},
    systemData: { createdBy: 'deployer@contoso.com', createdByType: 'User', createdAt: spec.createdAt ?? '2025-06-01T09:00:00Z', lastModifiedBy: 'deployer@contoso.com', lastModifiedByType: 'User', lastModifiedAt: '2026-11-21T09:58:40Z' },
    identity,
    properties: {
      provisioningState: 'Failed',
      runningStatus: 'Running',
      managedEnvironmentId: ENV_ID,
      environmentId: ENV_ID,
      workloadProfileName: 'Consumption',
      latestRevisionName: `web--${suffix}`,
      ...(spec.firstRevision ? {} : { latestReadyRevisionName: 'web--v6' }),
      latestRevisionFqdn: `web--${suffix}.kindwave-1234.westeurope.azurecontainerapps.io`,
      configuration: {
        activeRevisionsMode: 'Single',
        registries,
        secrets: spec.secrets ?? [],
        ingress: { external: true, targetPort: 8080, transport: 'Auto', traffic: [{ weight: 100, latestRevision: true }] },
      },
      template,
    },
  };
  const { revisionSuffix: _s, ...revTemplate } = template;
  const revisions: R[] = [
    {
      id: `${APP_ID}/revisions/web--${suffix}`,
      type: 'Microsoft.App/containerApps/revisions',
      name: `web--${suffix}`,
      properties: {
        createdTime: '2026-11-21T09:58:45Z',
        lastActiveTime: '2026-11-21T09:58:45Z',
        fqdn: `web--${suffix}.kindwave-1234.westeurope.azurecontainerapps.io`,
        template: revTemplate,
        active: false,
        replicas: 0,
        trafficWeight: 0,
        healthState: 'Unhealthy',
        provisioningState: 'Failed',
        provisioningError: 'computed below',
        runningState: 'Failed',
      },
    },
  ];
  if (!spec.firstRevision)
    revisions.push({
      id: `${APP_ID}/revisions/web--v6`,
      type: 'Microsoft.App/containerApps/revisions',
      name: 'web--v6',
      properties: {
        createdTime: '2026-10-02T14:00:00Z',
        lastActiveTime: '2026-10-02T14:00:00Z',
        fqdn: 'web--v6.kindwave-1234.westeurope.azurecontainerapps.io',
        template: { containers: [{ name: 'api', image: 'acmeacr.azurecr.io/api:1.4.1', resources: { cpu: 0.5, memory: '1Gi' } }], scale: { minReplicas: 1, maxReplicas: 3 } },
        active: true,
        replicas: 1,
        trafficWeight: 100,
        healthState: 'Healthy',
        provisioningState: 'Provisioned',
        runningState: 'Running',
      },
    });
  return { app: a, revisions };
}

const IMAGES = { 'acmeacr.azurecr.io': ['api:latest', 'api:1.4.1', 'api:1.4.2', 'worker:2.0.0'] };
const OLD = '2025-06-01T09:05:00Z';

/** Fill the failing revision's provisioningError with what the emulator computes for this world. */
function finish(world: World): World {
  const state = new EmulatorState(world);
  for (const r of world.resources) {
    const p = r['properties'] as Record<string, unknown> | undefined;
    if (r.type !== 'Microsoft.App/containerApps/revisions' || p?.['provisioningState'] !== 'Failed') continue;
    const appId = r.id.replace(/\/revisions\/[^/]+$/, '');
    const a = state.get(appId);
    if (!a) throw new Error(`no app for ${r.id}`);
    const verdict = state.evaluateTemplate(a, p['template'] as Record<string, unknown>);
    if (verdict.ok) throw new Error(`world inconsistency: ${r.id} is Failed but the emulator would pull it`);
    p['provisioningError'] = verdict.provisioningError;
  }
  return world;
}

function gridEvent(id: string, correlationId: string, time: string, resourceId = APP_ID, operation = 'Microsoft.App/containerApps/write'): Record<string, unknown> {
  return {
    id,
    topic: `/subscriptions/${SUB}`,
    subject: resourceId.replace('/resourceGroups/', '/resourcegroups/'),
    eventType: 'Microsoft.Resources.ResourceWriteFailure',
    eventTime: time,
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      authorization: {
        scope: resourceId,
        action: operation,
        evidence: {
          role: 'Contributor',
          roleAssignmentScope: `/subscriptions/${SUB}`,
          roleAssignmentId: '0d1c2b3a49584f6e8d7c6b5a49382716',
          roleDefinitionId: CONTRIBUTOR.replace(/-/g, ''),
          principalId: DEPLOYER_PRINCIPAL.replace(/-/g, ''),
          principalType: 'User',
        },
      },
      claims: {
        aud: 'https://management.core.windows.net/',
        iss: `https://sts.windows.net/${TENANT}/`,
        appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        'http://schemas.microsoft.com/identity/claims/objectidentifier': DEPLOYER_PRINCIPAL,
        'http://schemas.microsoft.com/identity/claims/tenantid': TENANT,
        name: 'Deployer',
        ipaddr: '203.0.113.17',
      },
      correlationId,
      httpRequest: {
        clientRequestId: '4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8',
        clientIpAddress: '203.0.113.17',
        method: 'PATCH',
        url: `https://management.azure.com${resourceId}?api-version=2025-07-01`,
      },
      resourceProvider: 'Microsoft.App',
      resourceUri: resourceId,
      operationName: operation,
      status: 'Failed',
      subscriptionId: SUB,
      tenantId: TENANT,
    },
  };
}

function authzFailure(args: { correlationId: string; caller: string; action: string; scope: string; time: string }): { activity: Record<string, unknown>; alert: Record<string, unknown> } {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(args.scope)?.[1] ?? SUB;
  const statusMessage = JSON.stringify({
    error: {
      code: 'AuthorizationFailed',
      message: `The client '${args.caller}' with object id '${args.caller}' does not have authorization to perform action '${args.action}' over scope '${args.scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    },
  });
  const claims = {
    aud: 'https://management.core.windows.net/',
    iss: `https://sts.windows.net/${TENANT}/`,
    appid: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
    idtyp: 'app',
    'http://schemas.microsoft.com/identity/claims/objectidentifier': args.caller,
    'http://schemas.microsoft.com/identity/claims/tenantid': TENANT,
  };
  const eventDataId = `${args.correlationId.slice(0, 8)}-aaaa-4bbb-8ccc-${args.correlationId.slice(-12)}`;
  const rg = /\/resourceGroups\/([^/]+)/i.exec(args.scope)?.[1] ?? '';
  const activity = {
    authorization: { action: args.action, scope: args.scope },
    caller: args.caller,
    channels: 'Operation',
    claims,
    correlationId: args.correlationId,
    description: '',
    eventDataId,
    eventName: { value: 'EndRequest', localizedValue: 'End request' },
    category: { value: 'Administrative', localizedValue: 'Administrative' },
    level: 'Error',
    resourceGroupName: rg,
    resourceProviderName: { value: args.action.split('/')[0], localizedValue: args.action.split('/')[0] },
    resourceId: args.scope,
    operationId: args.correlationId,
    operationName: { value: args.action, localizedValue: args.action },
    properties: { statusCode: 'Forbidden', statusMessage, eventCategory: 'Administrative', entity: args.scope, message: args.action, hierarchy: `${TENANT}/${sub}` },
    status: { value: 'Failed', localizedValue: 'Failed' },
    subStatus: { value: 'Forbidden', localizedValue: 'Forbidden (HTTP Status Code: 403)' },
    eventTimestamp: args.time,
    submissionTimestamp: args.time,
    subscriptionId: sub,
    tenantId: TENANT,
  };
  const alert = {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/${sub}/providers/Microsoft.AlertsManagement/alerts/${eventDataId}`,
        alertRule: 'remediator-authorization-failed',
        severity: 'Sev4',
        signalType: 'Activity Log',
        monitorCondition: 'Fired',
        monitoringService: 'Activity Log - Administrative',
        alertTargetIDs: [`/subscriptions/${sub}`],
        configurationItems: [sub],
        originAlertId: eventDataId,
        firedDateTime: args.time,
        description: 'AuthorizationFailed on a write',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {
        authorization: { action: args.action, scope: args.scope },
        channels: 'Operation',
        claims: JSON.stringify(claims),
        caller: args.caller,
        correlationId: args.correlationId,
        eventSource: 'Administrative',
        eventTimestamp: args.time,
        eventDataId,
        level: 'Error',
        operationName: args.action,
        operationId: args.correlationId,
        status: 'Failed',
        subStatus: 'Forbidden',
        submissionTimestamp: args.time,
        properties: { statusCode: 'Forbidden', statusMessage },
      },
    },
  };
  return { activity, alert };
}

export interface SeedCase {
  name: string;
  kind: string;
  description: string;
  world: World;
  event: unknown;
}

function base(resources: R[], extra: Partial<World> = {}): World {
  return structuredClone({ now: NOW, tenantId: TENANT, resources, images: IMAGES, activityLog: [], ...extra });
}

function acrCase(name: string, kind: string, description: string, resources: R[], extra: Partial<World> = {}): SeedCase {
  const n = name.length.toString(16).padStart(2, '0');
  return {
    name,
    kind,
    description,
    world: finish(base(resources, extra)),
    event: gridEvent(`8e7d6c5b-4a39-4281-9f0e-1d2c3b4a59${n}`, `c0ffee00-1234-4abc-8def-0123456789${n}`, '2026-11-21T09:58:52.1234567Z'),
  };
}

export function buildSeedCases(): SeedCase[] {
  const cases: SeedCase[] = [];
  const std = app({});
  const pullRole = (createdOn = OLD, scope = REGISTRY_ID, name = '3f2e1d0c-b9a8-4765-8432-10fedcba9876', role = ACR_PULL, principal = UAI_PRINCIPAL): R =>
    roleAssignment(scope, name, role, principal, createdOn);

  cases.push(acrCase('missing-role', 'acr-pull/missing-role', 'User-assigned identity web-pull is set on registries[] and attached, but holds no pull role on acmeacr (in another subscription).', [std.app, ...std.revisions, uai(), registry()]));
  cases.push(
    acrCase('abac-role-mismatch', 'acr-pull/abac-role-mismatch', 'Registry in ABAC mode (AbacRepositoryPermissions); web-pull holds AcrPull, which ABAC mode does not honour.', [
      std.app,
      ...std.revisions,
      uai(),
      registry({ roleAssignmentMode: 'AbacRepositoryPermissions' }),
      pullRole(),
    ]),
  );
  {
    const sys = app({
      identity: { type: 'SystemAssigned', principalId: '5c4b3a29-1807-4f6e-9d5c-4b3a29180706', tenantId: TENANT },
      registries: [{ server: 'acmeacr.azurecr.io', identity: 'system' }],
      createdAt: '2026-11-21T09:58:40Z',
      firstRevision: true,
    });
    cases.push(acrCase('system-identity-on-create', 'acr-pull/system-identity-on-create', 'App created pulling with its system identity, which could not hold AcrPull before the app existed.', [sys.app, ...sys.revisions, registry()]));
  }
  cases.push(
    acrCase('arm-token-auth-disabled', 'acr-pull/arm-token-auth-disabled', 'web-pull holds AcrPull on acmeacr, but the registry has azureADAuthenticationAsArmPolicy disabled.', [
      std.app,
      ...std.revisions,
      uai(),
      registry({}, 'disabled'),
      pullRole(),
    ]),
  );
  cases.push(
    acrCase('role-propagating', 'acr-pull/role-propagating', 'AcrPull for web-pull was created at 09:58:00, two minutes before now; the emulator propagation delay is 5 minutes.', [
      std.app,
      ...std.revisions,
      uai(),
      registry(),
      pullRole('2026-11-21T09:58:00Z'),
    ]),
  );
  {
    const other = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-runtime`;
    const na = app({ identity: { type: 'UserAssigned', userAssignedIdentities: { [other]: { principalId: '6b5a4938-2716-4054-a3b2-c1d0e9f8a7b6', clientId: '1b2c3d4e-5f60-4718-89a0-b1c2d3e4f506' } } } });
    cases.push(
      acrCase('identity-not-attached', 'acr-pull/identity-not-attached', 'registries[].identity names web-pull (which holds AcrPull), but only web-runtime is attached to the app.', [
        na.app,
        ...na.revisions,
        uai(),
        uai('web-runtime', '6b5a4938-2716-4054-a3b2-c1d0e9f8a7b6', '1b2c3d4e-5f60-4718-89a0-b1c2d3e4f506'),
        registry(),
        pullRole(),
      ]),
    );
  }
  {
    const nr = app({ registries: [] });
    cases.push(acrCase('no-registry-identity', 'acr-pull/no-registry-identity', 'The app has no registries[] entry for acmeacr.azurecr.io: the pull is anonymous and the registry refuses it.', [nr.app, ...nr.revisions, uai(), registry(), pullRole()]));
  }
  {
    const nf = app({ image: 'acmeacr.azurecr.io/api:2.0.0' });
    cases.push(acrCase('image-not-found', 'acr-pull/image-not-found', 'web-pull can pull, but tag api:2.0.0 does not exist in acmeacr (MANIFEST_UNKNOWN).', [nf.app, ...nf.revisions, uai(), registry(), pullRole()]));
  }
  cases.push(
    acrCase('network-blocked', 'acr-pull/network-blocked', 'web-pull holds AcrPull, but acmeacr has publicNetworkAccess Disabled and networkRuleSet defaultAction Deny.', [
      std.app,
      ...std.revisions,
      uai(),
      registry({ publicNetworkAccess: 'Disabled', networkRuleSet: { defaultAction: 'Deny', ipRules: [] } }),
      pullRole(),
    ]),
  );
  {
    const rn = app({ image: 'contosoacr.azurecr.io/api:1.4.2', registries: [{ server: 'contosoacr.azurecr.io', identity: UAI_ID }] });
    cases.push(acrCase('registry-not-found', 'acr-pull/registry-not-found', 'The image login server contosoacr.azurecr.io matches no registry in any visible subscription.', [rn.app, ...rn.revisions, uai(), registry()]));
  }

  // ---- arm-authz ------------------------------------------------------------------------------------------------
  const DEPLOY_SP = '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b';
  const authzCase = (name: string, kind: string, description: string, resources: R[], action: string, scope: string, caller = DEPLOY_SP): SeedCase => {
    const n = name.length.toString(16).padStart(2, '0');
    const f = authzFailure({ correlationId: `a11ce000-5678-4def-9abc-0123456789${n}`, caller, action, scope, time: '2026-11-21T09:59:10.5120000Z' });
    return { name, kind, description, world: finish(base(resources, { activityLog: [f.activity] })), event: f.alert };
  };
  const healthyApp = (): R[] => {
    const a = app({});
    // a healthy app for the arm-authz worlds (nothing failing on the revision side)
    const props = a.app['properties'] as Record<string, unknown>;
    props['provisioningState'] = 'Succeeded';
    props['latestRevisionName'] = 'web--v6';
    props['latestRevisionFqdn'] = 'web--v6.kindwave-1234.westeurope.azurecontainerapps.io';
    (props['template'] as Record<string, unknown>)['revisionSuffix'] = 'v6';
    (props['template'] as Record<string, unknown>)['containers'] = [{ name: 'api', image: 'acmeacr.azurecr.io/api:1.4.1', resources: { cpu: 0.5, memory: '1Gi' } }];
    return [a.app, ...a.revisions.filter((r) => r.name === 'web--v6')];
  };
  const writeAction = 'Microsoft.App/containerApps/write';
  cases.push(
    authzCase(
      'arm-authz-missing-role',
      'arm-authz/missing-role',
      'deploy-sp holds only Reader on the subscription and was denied Microsoft.App/containerApps/write on the app.',
      [...healthyApp(), uai(), registry(), pullRole(), roleAssignment(`/subscriptions/${SUB}`, '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', READER, DEPLOY_SP, OLD)],
      writeAction,
      APP_ID,
    ),
  );
  cases.push(
    authzCase(
      'arm-authz-wrong-scope',
      'arm-authz/wrong-scope',
      'deploy-sp holds Container Apps Contributor on the sibling resource group staging-rg, not on web-rg.',
      [...healthyApp(), uai(), registry(), pullRole(), roleAssignment(`/subscriptions/${SUB}/resourceGroups/staging-rg`, '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', CONTAINER_APPS_CONTRIBUTOR, DEPLOY_SP, OLD)],
      writeAction,
      APP_ID,
    ),
  );
  cases.push(
    authzCase(
      'arm-authz-deny-assignment',
      'arm-authz/deny-assignment',
      'deploy-sp holds Contributor on the subscription, but a deny assignment on web-rg blocks Microsoft.App/containerApps/write for everyone.',
      [
        ...healthyApp(),
        uai(),
        registry(),
        pullRole(),
        roleAssignment(`/subscriptions/${SUB}`, '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f', CONTRIBUTOR, DEPLOY_SP, OLD),
        {
          id: `${RG}/providers/Microsoft.Authorization/denyAssignments/4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a`,
          type: 'Microsoft.Authorization/denyAssignments',
          name: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
          properties: {
            denyAssignmentName: 'Deny writes by deployment stack web-stack',
            description: 'Created by deployment stack web-stack (denySettings mode denyWriteAndDelete).',
            permissions: [{ actions: ['*/write', '*/delete'], notActions: [], dataActions: [], notDataActions: [] }],
            scope: RG,
            doNotApplyToChildScopes: false,
            principals: [{ id: '00000000-0000-0000-0000-000000000000', type: 'SystemDefined', displayName: 'All Principals' }],
            excludePrincipals: [{ id: DEPLOYER_PRINCIPAL, type: 'User' }],
            isSystemProtected: true,
          },
        },
      ],
      writeAction,
      APP_ID,
    ),
  );
  cases.push(
    authzCase(
      'arm-authz-role-propagating',
      'arm-authz/role-propagating',
      'deploy-sp was granted Container Apps Contributor on web-rg at 09:58:30, 90 seconds before the failure.',
      [...healthyApp(), uai(), registry(), pullRole(), roleAssignment(RG, '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b0', CONTAINER_APPS_CONTRIBUTOR, DEPLOY_SP, '2026-11-21T09:58:30Z')],
      writeAction,
      APP_ID,
    ),
  );
  {
    const a = app({});
    cases.push(
      authzCase(
        'arm-authz-acr-pull-denied',
        'arm-authz/acr-pull-denied',
        'AuthorizationFailed for Microsoft.ContainerRegistry/registries/pull/read by web-pull, the identity the app uses for acmeacr (no pull role).',
        [a.app, ...a.revisions, uai(), registry()],
        'Microsoft.ContainerRegistry/registries/pull/read',
        REGISTRY_ID,
        UAI_PRINCIPAL,
      ),
    );
  }
  cases.push(...buildWildCases());
  return cases;
}

/** A healthy app on web--v6 (api:1.4.1), for worlds whose failure never created a revision. */
function healthyWeb(spec: AppSpec = {}): R[] {
  const a = app(spec);
  const props = a.app['properties'] as Record<string, unknown>;
  const template = props['template'] as Record<string, unknown>;
  props['provisioningState'] = 'Succeeded';
  props['latestRevisionName'] = 'web--v6';
  props['latestRevisionFqdn'] = 'web--v6.kindwave-1234.westeurope.azurecontainerapps.io';
  template['revisionSuffix'] = 'v6';
  template['containers'] = [{ name: 'api', image: 'acmeacr.azurecr.io/api:1.4.1', resources: { cpu: 0.5, memory: '1Gi' } }];
  return [a.app, ...a.revisions.filter((r) => r.name === 'web--v6')];
}

/** The Activity Log entry of a write ARM refused with 400 (as the emulator records one). */
function refusedWriteActivity(correlationId: string, resourceId: string, message: string, time: string, operation = 'Microsoft.App/containerApps/write'): Record<string, unknown> {
  const statusMessage = JSON.stringify({ error: { code: 'InvalidParameterValueInContainerTemplate', message } });
  return {
    authorization: { action: operation, scope: resourceId },
    caller: DEPLOYER_PRINCIPAL,
    channels: 'Operation',
    correlationId,
    description: '',
    eventDataId: `${correlationId.slice(0, 8)}-bbbb-4ccc-8ddd-${correlationId.slice(-12)}`,
    eventName: { value: 'EndRequest', localizedValue: 'End request' },
    category: { value: 'Administrative', localizedValue: 'Administrative' },
    level: 'Error',
    resourceGroupName: 'web-rg',
    resourceProviderName: { value: 'Microsoft.App', localizedValue: 'Microsoft.App' },
    resourceId,
    operationId: correlationId,
    operationName: { value: operation, localizedValue: operation },
    properties: { statusCode: 'BadRequest', statusMessage },
    status: { value: 'Failed', localizedValue: 'Failed' },
    subStatus: { value: 'BadRequest', localizedValue: 'Bad Request (HTTP Status Code: 400)' },
    eventTimestamp: time,
    submissionTimestamp: time,
    subscriptionId: SUB,
    tenantId: TENANT,
  };
}

/**
 * A write ARM refused with 400 before anything changed: the world as it stands, the Activity Log entry of the refusal
 * (its message computed by the emulator's own evaluation of the write) and the write's Failed event.
 */
function refusedCase(
  c: { name: string; kind: string; n: string; resourceId: string; operation: string },
  description: string,
  world: World,
  refusal: (state: EmulatorState) => string | undefined,
): SeedCase {
  const message = refusal(new EmulatorState(world));
  if (!message) throw new Error(`world inconsistency: the emulator would accept the write of ${c.name}`);
  const correlationId = `c0ffee00-1234-4abc-8def-0123456789${c.n}`;
  const time = '2026-11-21T09:58:52.1234567Z';
  return {
    name: c.name,
    kind: c.kind,
    description,
    world: { ...world, activityLog: [refusedWriteActivity(correlationId, c.resourceId, message, time, c.operation)] },
    event: gridEvent(`8e7d6c5b-4a39-4281-9f0e-1d2c3b4a59${c.n}`, correlationId, time, c.resourceId, c.operation),
  };
}

/**
 * Issue 14's families beyond acr-pull, one world per kind: a GHCR username the registry refuses, Docker Hub's
 * anonymous throttle, and a Key Vault secret reference the app's identity cannot read (ARM refuses the write at once:
 * the world holds the healthy app, the Activity Log entry of the refusal and its Failed event).
 */
function buildWildCases(): SeedCase[] {
  const cases: SeedCase[] = [];
  const ghcr = app({
    image: 'ghcr.io/contoso/api:2.1',
    registries: [{ server: 'ghcr.io', username: 'old-bot', passwordSecretRef: 'ghcr-token' }],
    secrets: [{ name: 'ghcr-token' }],
  });
  cases.push(
    acrCase('registry-auth-credentials-rejected', 'registry-auth/credentials-rejected', 'The app pulls ghcr.io/contoso/api:2.1 with username old-bot (passwordSecretRef ghcr-token); GHCR accepts only contoso-bot: UNAUTHORIZED.', [ghcr.app, ...ghcr.revisions, uai(), registry()], {
      externalRegistries: { 'ghcr.io': { users: ['contoso-bot'] } },
    }),
  );
  const hub = app({ image: 'docker.io/library/nginx:1.27', registries: [] });
  cases.push(
    acrCase('registry-auth-rate-limited', 'registry-auth/rate-limited', "The app pulls docker.io/library/nginx:1.27 anonymously; Docker Hub's pull rate limit answers TOOMANYREQUESTS.", [hub.app, ...hub.revisions, uai(), registry()], {
      externalRegistries: { 'docker.io': { rateLimited: true } },
    }),
  );
  {
    const vaultId = `${RG}/providers/Microsoft.KeyVault/vaults/web-kv`;
    const vault: R = {
      id: vaultId,
      type: 'Microsoft.KeyVault/vaults',
      name: 'web-kv',
      location: 'westeurope',
      tags: {},
      properties: {
        tenantId: TENANT,
        sku: { family: 'A', name: 'standard' },
        vaultUri: 'https://web-kv.vault.azure.net/',
        enableRbacAuthorization: true,
        accessPolicies: [],
        publicNetworkAccess: 'Enabled',
        provisioningState: 'Succeeded',
      },
    };
    const resources = [...healthyWeb(), uai(), registry(), roleAssignment(REGISTRY_ID, '3f2e1d0c-b9a8-4765-8432-10fedcba9876', ACR_PULL, UAI_PRINCIPAL, OLD), vault];
    const wanted = structuredClone(resources[0] as R);
    const config = (wanted['properties'] as Record<string, Record<string, unknown>>)['configuration'] as Record<string, unknown>;
    config['secrets'] = [{ name: 'db-password', keyVaultUrl: 'https://web-kv.vault.azure.net/secrets/db-password', identity: UAI_ID }];
    cases.push(
      refusedCase(
        { name: 'secret-ref-key-vault-access-denied', kind: 'secret-ref/key-vault-access-denied', n: 'f1', resourceId: APP_ID, operation: 'Microsoft.App/containerApps/write' },
        'A deployment adds secret db-password (keyVaultUrl on web-kv, identity web-pull); web-pull holds no Key Vault Secrets User on the RBAC vault: ARM refused the write (400), the app still runs web--v6.',
        base(resources),
        (state) => state.keyVault.findSecretRefusal(wanted),
      ),
    );
  }
  {
    // A manually triggered Container Apps job whose update to worker:2.0.0 ARM refused (pull identity without AcrPull).
    const jobId = `${RG}/providers/Microsoft.App/jobs/batch`;
    const job: R = {
      id: jobId,
      type: 'Microsoft.App/jobs',
      name: 'batch',
      location: 'West Europe',
      identity: { type: 'UserAssigned', userAssignedIdentities: { [UAI_ID]: { principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT } } },
      properties: {
        provisioningState: 'Succeeded',
        environmentId: ENV_ID,
        workloadProfileName: 'Consumption',
        configuration: { triggerType: 'Manual', replicaTimeout: 1800, replicaRetryLimit: 1, manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }, registries: [{ server: 'acmeacr.azurecr.io', identity: UAI_ID }] },
        template: { containers: [{ name: 'worker', image: 'acmeacr.azurecr.io/api:1.4.1', resources: { cpu: 0.5, memory: '1Gi' } }] },
      },
    };
    const resources = [...healthyWeb(), uai(), registry(), job];
    const template = { containers: [{ name: 'worker', image: 'acmeacr.azurecr.io/worker:2.0.0', resources: { cpu: 0.5, memory: '1Gi' } }] };
    const wanted: R = { ...structuredClone(job), properties: { ...(job['properties'] as object), template } };
    cases.push(
      refusedCase(
        { name: 'job-missing-role', kind: 'acr-pull/missing-role', n: 'f2', resourceId: jobId, operation: 'Microsoft.App/jobs/write' },
        'Manual Container Apps job batch: an update to worker:2.0.0 was refused (400) because web-pull holds no AcrPull; the job still carries api:1.4.1.',
        base(resources, { pullRefusals: 'all' }),
        (state) => state.apps.findRefusal(wanted, template),
      ),
    );
  }
  return cases;
}

export const WORLDS_DIR = __dirname;

if (require.main === module) {
  for (const c of buildSeedCases()) {
    writeFileSync(join(WORLDS_DIR, `${c.name}.json`), `${JSON.stringify(c.world, null, 1)}\n`);
    writeFileSync(join(WORLDS_DIR, `${c.name}.event.json`), `${JSON.stringify(c.event, null, 1)}\n`);
  }
  console.log('wrote', buildSeedCases().length, 'worlds');
}
