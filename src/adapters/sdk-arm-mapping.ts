/**
 * Mapping of the Azure SDK's models onto the ArmPort's plain types, and the error helpers the SDK adapter shares.
 * Pure (no clients, no I/O).
 */
import type { ContainerApp, Revision } from '@azure/arm-appcontainers';
import type { DenyAssignment, Permission, RoleAssignment, RoleDefinition } from '@azure/arm-authorization';
import type { Registry } from '@azure/arm-containerregistry';
import type { EventData } from '@azure/arm-monitor';
import type {
  ActivityLogEntryInfo,
  ContainerAppInfo,
  DenyAssignmentInfo,
  RegistryInfo,
  RevisionInfo,
  RoleAssignmentInfo,
  RoleDefinitionInfo,
  RolePermission,
} from '../azure/arm-port';
import { parseResourceId, roleGuid } from '../azure/ids';

export function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const s = (err as { statusCode?: unknown }).statusCode;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}

export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; details?: unknown; response?: { bodyAsText?: unknown } };
  if (typeof e.code === 'string' && e.code !== '' && !/^(REQUEST_SEND_ERROR|PARSE_ERROR)$/.test(e.code)) return e.code;
  const details = e.details as { error?: { code?: unknown } } | undefined;
  if (typeof details?.error?.code === 'string') return details.error.code;
  const body = e.response?.bodyAsText;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { error?: { code?: unknown } };
      if (typeof parsed.error?.code === 'string') return parsed.error.code;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

/** Resolve to undefined on 404, rethrow anything else. */
export async function orUndefinedOn404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export const iso = (d: Date | string | undefined): string | undefined =>
  d === undefined ? undefined : d instanceof Date ? d.toISOString() : String(d);

/** Copy only defined values (exactOptionalPropertyTypes). */
export function defined<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

// ───────────────────────────── SDK model → port types ─────────────────────────────

export function toContainerAppInfo(app: ContainerApp, fallbackId: string): ContainerAppInfo {
  const uai: ContainerAppInfo['identity']['userAssignedIdentities'] = {};
  for (const [k, v] of Object.entries(app.identity?.userAssignedIdentities ?? {})) {
    uai[k] = defined({ principalId: v.principalId, clientId: v.clientId });
  }
  const identity: ContainerAppInfo['identity'] = defined({
    type: app.identity?.type ?? 'None',
    principalId: app.identity?.principalId,
    userAssignedIdentities: uai,
  });
  return defined<ContainerAppInfo>({
    id: app.id ?? fallbackId,
    // ARM's name is the id's last segment; a body `name` that disagrees (hand-written worlds do) must not win.
    name: parseResourceId(app.id ?? fallbackId).name ?? app.name ?? '',
    location: app.location,
    tags: { ...(app.tags ?? {}) },
    identity,
    registries: (app.configuration?.registries ?? []).map((r) =>
      defined({
        server: r.server ?? '',
        identity: r.identity,
        username: r.username,
        passwordSecretRef: r.passwordSecretRef,
      }),
    ),
    containers: (app.template?.containers ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' })),
    initContainers: (app.template?.initContainers ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' })),
    latestRevisionName: app.latestRevisionName,
    latestReadyRevisionName: app.latestReadyRevisionName,
    provisioningState: app.provisioningState,
    revisionSuffix: app.template?.revisionSuffix,
    createdAt: iso(app.systemData?.createdAt),
  });
}

export function toRevisionInfo(rev: Revision, appId: string): RevisionInfo {
  const name = rev.name ?? '';
  return defined<RevisionInfo>({
    id: rev.id ?? `${appId}/revisions/${name}`,
    name,
    createdTime: iso(rev.createdTime),
    provisioningState: rev.provisioningState,
    runningState: rev.runningState,
    healthState: rev.healthState,
    provisioningError: rev.provisioningError,
    active: rev.active,
    containers: [...(rev.template?.initContainers ?? []), ...(rev.template?.containers ?? [])].map((c) => ({
      name: c.name ?? '',
      image: c.image ?? '',
    })),
  });
}

export function toRegistryInfo(r: Registry): RegistryInfo {
  return defined<RegistryInfo>({
    id: r.id ?? '',
    name: r.name ?? '',
    loginServer: r.loginServer ?? '',
    tags: { ...(r.tags ?? {}) },
    roleAssignmentMode: r.roleAssignmentMode,
    armTokenAuth: r.policies?.azureADAuthenticationAsArmPolicy?.status,
    publicNetworkAccess: r.publicNetworkAccess,
    networkDefaultAction: r.networkRuleSet?.defaultAction,
    anonymousPullEnabled: r.anonymousPullEnabled,
    adminUserEnabled: r.adminUserEnabled,
    privateEndpoints: r.privateEndpointConnections?.length
      ? r.privateEndpointConnections.map((c) =>
          defined({ id: c.privateEndpoint?.id ?? c.id ?? '', status: c.privateLinkServiceConnectionState?.status }),
        )
      : undefined,
  });
}

export function toRoleAssignmentInfo(a: RoleAssignment): RoleAssignmentInfo {
  const id = a.id ?? '';
  return defined<RoleAssignmentInfo>({
    id,
    name: a.name ?? parseResourceId(id).name ?? '',
    scope: a.scope ?? parseResourceId(id).scope ?? '',
    roleDefinitionId: a.roleDefinitionId ?? '',
    principalId: a.principalId ?? '',
    principalType: a.principalType,
    createdOn: iso(a.createdOn),
    condition: a.condition,
  });
}

export function toPermission(p: Permission): RolePermission {
  return {
    actions: [...(p.actions ?? [])],
    notActions: [...(p.notActions ?? [])],
    dataActions: [...(p.dataActions ?? [])],
    notDataActions: [...(p.notDataActions ?? [])],
  };
}

export function toRoleDefinitionInfo(d: RoleDefinition): RoleDefinitionInfo {
  return defined<RoleDefinitionInfo>({
    id: d.id ?? '',
    name: d.name ?? roleGuid(d.id ?? ''),
    roleName: d.roleName ?? d.name ?? '',
    roleType: d.roleType,
    description: d.description,
    permissions: (d.permissions ?? []).map(toPermission),
    assignableScopes: [...(d.assignableScopes ?? [])],
  });
}

export function toDenyAssignmentInfo(d: DenyAssignment): DenyAssignmentInfo {
  return defined<DenyAssignmentInfo>({
    id: d.id ?? '',
    name: d.denyAssignmentName ?? d.name,
    scope: d.scope,
    permissions: (d.permissions ?? []).map(toPermission),
    principals: (d.principals ?? []).map((p) => defined({ id: p.id ?? '', type: p.type })),
    excludePrincipals: (d.excludePrincipals ?? []).map((p) => defined({ id: p.id ?? '', type: p.type })),
    doNotApplyToChildScopes: d.doNotApplyToChildScopes,
  });
}

export function toActivityLogEntryInfo(e: EventData): ActivityLogEntryInfo {
  const props = e.properties ?? {};
  return defined<ActivityLogEntryInfo>({
    correlationId: e.correlationId,
    eventTimestamp: iso(e.eventTimestamp),
    operationName: e.operationName?.value,
    status: e.status?.value,
    subStatus: e.subStatus?.value,
    caller: e.caller,
    resourceId: e.resourceId,
    statusCode: props['statusCode'],
    statusMessage: props['statusMessage'],
    requestBody: props['requestbody'] ?? props['requestBody'],
    claims: e.claims ? { ...e.claims } : undefined,
    authorization: e.authorization
      ? defined({ action: e.authorization.action, scope: e.authorization.scope })
      : undefined,
  });
}
