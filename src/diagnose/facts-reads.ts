/** Reads and small facts shared by the fact gatherers of every rule family (through the ArmPort only). */
import type { Logger } from 'pino';
import type {
  ArmPort,
  ContainerAppInfo,
  RegistryInfo,
  RoleAssignmentInfo,
  RoleDefinitionInfo,
} from '../azure/arm-port';
import { parseResourceId, roleGuid, sameId } from '../azure/ids';
import type { FailureEvent, RegistryIdentityRef } from '../model';
import type { AuthorizationFailure } from './messages';
import { KNOWN_ROLE_DEFINITIONS } from './rbac';

export interface FactDeps {
  arm: ArmPort;
  now: Date;
  propagationWindowMs: number;
  /** How long after the event a missing Activity Log entry is still waited for (default 15 minutes). */
  activityLogWaitMs?: number;
  log?: Logger;
  /** A second look at a revision failing on several registries: the login server whose failure is the story. */
  focusLoginServer?: string;
}

const CONTAINER_APP_TYPE = 'microsoft.app/containerapps';

/** The registries behind these login servers: one lookup by login server where the port can, else the registry map. */
export function findRegistriesFor(
  arm: ArmPort,
  loginServers: readonly string[],
  refresh = false,
): Promise<RegistryInfo[]> {
  const options = refresh ? { refresh: true } : undefined;
  if (arm.findRegistries) return arm.findRegistries(loginServers, options);
  return arm.listRegistries(options);
}

/** The container apps that run with this principal (system or user-assigned), where the port can list them. */
export async function listAppsUsingPrincipal(
  arm: ArmPort,
  principalId: string,
): Promise<ContainerAppInfo[] | undefined> {
  if (arm.listContainerAppsUsingPrincipal) return arm.listContainerAppsUsingPrincipal(principalId);
  return arm.listContainerApps ? arm.listContainerApps() : undefined;
}

/** The container app (or Container Apps job) an event is about (the app itself, or the app of a revision), else undefined. */
export function containerAppIdOf(resourceId: string): { appId: string; revisionName?: string } | undefined {
  const p = parseResourceId(resourceId);
  const type = (p.type ?? '').toLowerCase();
  if (type === CONTAINER_APP_TYPE || type === 'microsoft.app/jobs') return { appId: p.id };
  if (type === `${CONTAINER_APP_TYPE}/revisions` && p.parent && p.name)
    return { appId: p.parent, revisionName: p.name };
  return undefined;
}

export function identityFor(
  app: ContainerAppInfo,
  entryIdentity: string,
): { ref: RegistryIdentityRef; attached: boolean } {
  if (/^system$/i.test(entryIdentity)) {
    const attached = /systemassigned/i.test(app.identity.type) && !!app.identity.principalId;
    const ref: RegistryIdentityRef = { kind: 'system' };
    if (app.identity.principalId) ref.principalId = app.identity.principalId;
    return { ref, attached };
  }
  const key = Object.keys(app.identity.userAssignedIdentities).find((k) => sameId(k, entryIdentity));
  const ref: RegistryIdentityRef = { kind: 'user-assigned', resourceId: key ?? entryIdentity };
  const uai = key ? app.identity.userAssignedIdentities[key] : undefined;
  if (uai?.principalId) ref.principalId = uai.principalId;
  if (uai?.clientId) ref.clientId = uai.clientId;
  return { ref, attached: key !== undefined && /userassigned/i.test(app.identity.type) };
}

/**
 * Management groups named by assignment scopes. The principal-filtered list answers assignments at, above and below
 * the queried scope; a management group is never below a subscription, so every one returned is above it.
 */
export function managementGroupsOf(assignments: readonly RoleAssignmentInfo[]): string[] {
  const out: string[] = [];
  for (const a of assignments) {
    if (
      /^\/providers\/microsoft\.management\/managementgroups\/[^/]+\/?$/i.test(a.scope) &&
      !out.some((m) => sameId(m, a.scope))
    )
      out.push(a.scope);
  }
  return out;
}

/** Definitions (keyed by GUID) of roles the rules do not know, read through the port (the adapter caches them). */
export async function readRoleDefinitions(
  arm: ArmPort,
  assignments: readonly RoleAssignmentInfo[],
  known: ReadonlyArray<RoleDefinitionInfo> = [],
): Promise<Record<string, RoleDefinitionInfo>> {
  const knownGuids = new Set([...Object.keys(KNOWN_ROLE_DEFINITIONS), ...known.map((d) => roleGuid(d.id || d.name))]);
  const out: Record<string, RoleDefinitionInfo> = {};
  for (const d of known) out[roleGuid(d.id || d.name)] = d;
  const wanted = [...new Set(assignments.map((a) => a.roleDefinitionId))].filter((id) => !knownGuids.has(roleGuid(id)));
  const defs = await Promise.all(wanted.map((id) => arm.getRoleDefinition(id)));
  for (const d of defs) if (d) out[roleGuid(d.id || d.name)] = d;
  return out;
}

/** An authorization failure completed with what the event itself says (action, scope, caller). */
export function withEventDefaults(
  f: AuthorizationFailure,
  event: FailureEvent,
  auth?: { action?: string; scope?: string },
): AuthorizationFailure {
  const out = { ...f };
  if (!out.action) {
    const a = auth?.action ?? event.authorization?.action;
    if (a) out.action = a;
  }
  if (!out.scope) {
    const s = auth?.scope ?? event.authorization?.scope;
    if (s) out.scope = s;
  }
  if (!out.callerObjectId && event.caller?.principalId) out.callerObjectId = event.caller.principalId.toLowerCase();
  return out;
}
