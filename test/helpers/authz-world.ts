/**
 * Worlds and events for issue 15 (AuthorizationFailed in depth), built in code so each cause is one small variation of
 * one tenant: management groups contoso-root → {mg-prod → SUB, mg-dev → SUB_DEV}, a container app `ops` with its
 * system identity and two user-assigned identities, and the failed request's Activity Log entry. Both doors' events
 * for the same ARM request (same correlation id) come from the same builder, so they describe one failure.
 */
import type { World } from '../../emulator/api';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const SUB = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
export const SUB_DEV = '1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a';
export const MG = (name: string): string => `/providers/Microsoft.Management/managementGroups/${name}`;
export const RG = `/subscriptions/${SUB}/resourceGroups/ops-rg`;
export const APP = `${RG}/providers/Microsoft.App/containerApps/ops`;
export const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/vm1`;
export const STORAGE = `${RG}/providers/Microsoft.Storage/storageAccounts/opsdata`;
export const READER_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ops-reader`;
export const DEPLOYER_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ops-deployer`;
/** The identity the code authenticates with (ops-reader). */
export const CALLER = '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d';
export const CALLER_CLIENT = '4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d7e';
/** ops-deployer: the identity that holds the role. */
export const DEPLOYER = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
export const DEPLOYER_CLIENT = '6d7e8f9a-0b1c-4d2e-9f3a-4b5c6d7e8f9a';
export const SYSTEM = '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';
/** A CI service principal with delegated role-assignment rights. */
export const CI = '8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b1c';
export const ROLE = {
  vmContributor: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  rbacAdmin: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  repositoryReader: 'b93aa761-3e63-49ed-ac28-beffa264f7ac',
};
export const NOW = '2026-11-21T10:00:00.000Z';
/** When ARM refused the request (a minute before the world's now). */
export const FAILED_AT = '2026-11-21T09:59:00.000Z';
export const DELEGATION_CONDITION =
  "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {7f951dda-4ed3-4680-a7ca-43fe172d538d, b93aa761-3e63-49ed-ac28-beffa264f7ac})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {7f951dda-4ed3-4680-a7ca-43fe172d538d, b93aa761-3e63-49ed-ac28-beffa264f7ac}))";
export const PRINCIPAL_CONDITION =
  "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Team] StringEquals 'platform'))";

type Res = World['resources'][number];

export function roleAssignment(
  scope: string,
  guid: string,
  principalId: string,
  roleGuid: string,
  extra: { createdOn?: string; condition?: string } = {},
): Res {
  return {
    id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${guid}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name: guid,
    properties: {
      scope,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId,
      principalType: 'ServicePrincipal',
      createdOn: extra.createdOn ?? '2026-10-01T08:00:00.000Z',
      ...(extra.condition ? { condition: extra.condition, conditionVersion: '2.0' } : {}),
    },
  };
}

function managementGroup(name: string, children: string[], parent?: string): Res {
  return {
    id: MG(name),
    type: 'Microsoft.Management/managementGroups',
    name,
    properties: {
      tenantId: TENANT,
      displayName: name,
      ...(parent ? { details: { parent: { id: MG(parent), name: parent } } } : {}),
      children: children.map((c) =>
        c.startsWith('/subscriptions/')
          ? { id: c, type: '/subscriptions', name: c.split('/')[2], displayName: c.split('/')[2] }
          : { id: MG(c), type: 'Microsoft.Management/managementGroups', name: c, displayName: c },
      ),
    },
  };
}

function identity(id: string, principalId: string, clientId: string): Res {
  return {
    id,
    type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    name: id.split('/').pop() ?? '',
    location: 'westeurope',
    properties: { tenantId: TENANT, principalId, clientId },
  };
}

/** The tenant every scenario starts from. */
export function baseResources(): Res[] {
  return [
    managementGroup('contoso-root', ['mg-prod', 'mg-dev']),
    managementGroup('mg-prod', [`/subscriptions/${SUB}`], 'contoso-root'),
    managementGroup('mg-dev', [`/subscriptions/${SUB_DEV}`], 'contoso-root'),
    identity(READER_ID, CALLER, CALLER_CLIENT),
    identity(DEPLOYER_ID, DEPLOYER, DEPLOYER_CLIENT),
    {
      id: APP,
      type: 'Microsoft.App/containerApps',
      name: 'ops',
      location: 'westeurope',
      identity: {
        type: 'SystemAssigned,UserAssigned',
        principalId: SYSTEM,
        tenantId: TENANT,
        userAssignedIdentities: {
          [READER_ID]: { principalId: CALLER, clientId: CALLER_CLIENT },
          [DEPLOYER_ID]: { principalId: DEPLOYER, clientId: DEPLOYER_CLIENT },
        },
      },
      properties: {
        provisioningState: 'Succeeded',
        latestRevisionName: 'ops--v1',
        latestReadyRevisionName: 'ops--v1',
        configuration: { registries: [] },
        template: { containers: [{ name: 'ops', image: 'mcr.microsoft.com/azure-cli:latest' }] },
      },
    },
  ];
}

export function authorizationFailedMessage(oid: string, action: string, scope: string): string {
  return JSON.stringify({
    error: {
      code: 'AuthorizationFailed',
      message: `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    },
  });
}

/** One failed ARM request: the Activity Log entry and the two doors' events, all with the same correlation id. */
export interface Failure {
  correlationId: string;
  callerOid: string;
  operationName: string;
  resourceId: string;
  scope: string;
  statusMessage: string;
  statusCode?: string;
  requestBody?: string;
  failedAt?: string;
}

function claims(oid: string): Record<string, string> {
  return {
    aud: 'https://management.core.windows.net/',
    iss: `https://sts.windows.net/${TENANT}/`,
    idtyp: 'app',
    appid: '0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d',
    'http://schemas.microsoft.com/identity/claims/objectidentifier': oid,
    'http://schemas.microsoft.com/identity/claims/tenantid': TENANT,
  };
}

export function activityLogEntry(f: Failure, opts: { submissionTimestamp?: string } = {}): Record<string, unknown> {
  const at = f.failedAt ?? FAILED_AT;
  return {
    authorization: { action: f.operationName, scope: f.scope },
    caller: f.callerOid,
    channels: 'Operation',
    claims: claims(f.callerOid),
    correlationId: f.correlationId,
    eventDataId: `${f.correlationId.slice(0, 8)}-0000-4000-8000-000000000001`,
    eventName: { value: 'EndRequest', localizedValue: 'End request' },
    category: { value: 'Administrative', localizedValue: 'Administrative' },
    level: 'Error',
    resourceGroupName: 'ops-rg',
    resourceId: f.resourceId,
    operationName: { value: f.operationName, localizedValue: f.operationName },
    properties: {
      statusCode: f.statusCode ?? 'Forbidden',
      statusMessage: f.statusMessage,
      ...(f.requestBody ? { requestbody: f.requestBody } : {}),
    },
    status: { value: 'Failed', localizedValue: 'Failed' },
    subStatus: { value: f.statusCode ?? 'Forbidden', localizedValue: 'Forbidden (HTTP Status Code: 403)' },
    eventTimestamp: at,
    ...(opts.submissionTimestamp ? { submissionTimestamp: opts.submissionTimestamp } : {}),
    subscriptionId: SUB,
    tenantId: TENANT,
  };
}

/** The Event Grid door's event (EventGridSchema): no error in it, only the correlation id. */
export function eventGridEvent(
  f: Failure,
  id: string,
  eventType = 'Microsoft.Resources.ResourceWriteFailure',
): unknown {
  return [
    {
      id,
      topic: `/subscriptions/${SUB}`,
      subject: f.resourceId,
      eventType,
      eventTime: f.failedAt ?? FAILED_AT,
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        authorization: { scope: f.scope, action: f.operationName },
        claims: claims(f.callerOid),
        correlationId: f.correlationId,
        resourceProvider: f.operationName.split('/')[0],
        resourceUri: f.resourceId,
        operationName: f.operationName,
        status: 'Failed',
        subscriptionId: SUB,
        tenantId: TENANT,
      },
    },
  ];
}

/** The alert door's event (common alert schema, Activity Log - Administrative): carries the entry's status. */
export function alertEvent(f: Failure, alertGuid: string): unknown {
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${alertGuid}`,
        alertRule: 'remediator-authorization-failed',
        severity: 'Sev4',
        signalType: 'Activity Log',
        monitorCondition: 'Fired',
        monitoringService: 'Activity Log - Administrative',
        alertTargetIDs: [f.resourceId],
        firedDateTime: f.failedAt ?? FAILED_AT,
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {
        authorization: { action: f.operationName, scope: f.scope },
        channels: 'Operation',
        claims: JSON.stringify(claims(f.callerOid)),
        caller: f.callerOid,
        correlationId: f.correlationId,
        eventSource: 'Administrative',
        eventTimestamp: f.failedAt ?? FAILED_AT,
        level: 'Error',
        operationName: f.operationName,
        status: 'Failed',
        subStatus: f.statusCode ?? 'Forbidden',
        properties: {
          statusCode: f.statusCode ?? 'Forbidden',
          statusMessage: f.statusMessage,
          ...(f.requestBody ? { requestbody: f.requestBody } : {}),
        },
      },
    },
  };
}

export function world(
  resources: Res[],
  activityLog: Array<Record<string, unknown>>,
  extra: Partial<World> = {},
): World {
  return { now: NOW, tenantId: TENANT, resources: [...baseResources(), ...resources], activityLog, ...extra };
}
