/** Fact gathering for ARM AuthorizationFailed and RequestDisallowedByPolicy (see facts.ts for the round trips). */
import type { ArmPort, ContainerAppInfo, RoleAssignmentInfo, RoleDefinitionInfo } from '../azure/arm-port';
import { parseResourceId, roleGuid, sameId } from '../azure/ids';
import type { FailureEvent } from '../model';
import { readRequestedRoleDefinitionId } from './conditions';
import type { ArmAuthzFacts, ArmPolicyFacts, DenialOrigin } from './facts-model';
import {
  containerAppIdOf,
  identityFor,
  listAppsUsingPrincipal,
  managementGroupsOf,
  readRoleDefinitions,
  withEventDefaults,
  type FactDeps,
} from './facts-reads';
import type { AuthorizationFailure } from './messages';
import type { PolicyRefusal } from './policy-messages';
import { ACR_PULL_ACTION, grantsAction, lookupRole } from './rbac';

/**
 * The subscription's management-group ancestry from the management groups API (cached by the adapter); when it
 * cannot be read (no port method, no read permission), the management groups of the caller's assignments.
 */
async function readAncestry(arm: ArmPort, sub: string | undefined): Promise<string[] | undefined> {
  if (!sub || !arm.listManagementGroupAncestors) return undefined;
  try {
    return await arm.listManagementGroupAncestors(sub);
  } catch {
    return undefined;
  }
}

export async function gatherAuthzFacts(
  event: FailureEvent,
  failure: AuthorizationFailure,
  origin: DenialOrigin,
  deps: FactDeps,
): Promise<ArmAuthzFacts> {
  const { arm } = deps;
  const f = withEventDefaults(failure, event);
  const deniedScope = f.scope ?? event.resourceId;
  const principalId = f.callerObjectId;
  const sub = parseResourceId(deniedScope).subscriptionId;
  const readScope = sub ? `/subscriptions/${sub}` : deniedScope;
  const builtInsP = arm
    .listRoleDefinitions(readScope, "type eq 'BuiltInRole'")
    .catch(() => arm.listRoleDefinitions(readScope))
    .then((all) => all.filter((d) => d.roleType === undefined || /builtin/i.test(d.roleType)));
  const pullUseP = gatherPullUse(event, f, deps);
  const [assignments, denies, builtIns, pullUse, ancestry] = await Promise.all([
    principalId
      ? arm.listRoleAssignmentsForPrincipal(readScope, principalId)
      : Promise.resolve([] as RoleAssignmentInfo[]),
    arm.listDenyAssignments(deniedScope),
    builtInsP,
    pullUseP,
    readAncestry(arm, sub),
  ]);
  const roleDefinitions = await readRoleDefinitions(arm, assignments, builtIns);
  const facts: ArmAuthzFacts = {
    flavor: 'arm-authz',
    now: deps.now.toISOString(),
    propagationWindowMs: deps.propagationWindowMs,
    resourceId: event.resourceId,
    failure: f,
    messageSource: origin.messageSource,
    roleAssignments: assignments,
    roleDefinitions,
    denyAssignments: denies,
    builtInRoles: builtIns,
    managementGroupIds: ancestry ?? managementGroupsOf(assignments),
    managementGroupsSource: ancestry ? 'api' : 'assignments',
  };
  if (principalId) facts.callerPrincipalId = principalId;
  const type = event.caller?.principalType;
  if (type) facts.callerPrincipalType = type;
  if (pullUse) facts.pullUse = pullUse;
  if (origin.failedAt) facts.failedAt = origin.failedAt;
  const requested = readRequestedRoleDefinitionId(origin.requestBody);
  if (requested) facts.requestedRoleDefinitionId = requested;
  // Round 2, only when the caller holds no role for the action: another identity of the same workload may.
  if (
    principalId &&
    f.action &&
    !holdsAction(assignments, principalId, f.action, { ...builtInsById(builtIns), ...roleDefinitions })
  ) {
    const workload = await gatherWorkload(arm, principalId, readScope);
    if (workload) {
      facts.workload = workload;
      // Definitions of custom roles they hold (cached by the adapter), so the rule can tell which one grants it.
      Object.assign(facts.roleDefinitions, await readRoleDefinitions(arm, workload.roleAssignments, builtIns));
    }
  }
  return facts;
}

function builtInsById(defs: readonly RoleDefinitionInfo[]): Record<string, RoleDefinitionInfo> {
  const out: Record<string, RoleDefinitionInfo> = {};
  for (const d of defs) out[roleGuid(d.id || d.name)] = d;
  return out;
}

function holdsAction(
  assignments: readonly RoleAssignmentInfo[],
  principalId: string,
  action: string,
  defs: Record<string, RoleDefinitionInfo>,
): boolean {
  return assignments.some((a) => {
    if (!sameId(a.principalId, principalId)) return false;
    const def = lookupRole(a.roleDefinitionId, defs);
    return !!def && (grantsAction(def.permissions, action) || grantsAction(def.permissions, action, true));
  });
}

/** The container app (or job) one of whose identities is `principalId`, with its other identities and their roles. */
async function gatherWorkload(
  arm: ArmPort,
  principalId: string,
  readScope: string,
): Promise<ArmAuthzFacts['workload']> {
  // One Resource Graph query for the apps running as this principal (the subscription listing where it is refused).
  const apps = await listAppsUsingPrincipal(arm, principalId);
  if (!apps) return undefined;
  const pid = principalId.toLowerCase();
  const app = apps.find(
    (a) =>
      a.identity.principalId?.toLowerCase() === pid ||
      Object.values(a.identity.userAssignedIdentities).some((u) => u.principalId?.toLowerCase() === pid),
  );
  if (!app) return undefined;
  const identities = identitiesOf(app).filter((i) => i.principalId.toLowerCase() !== pid);
  if (!identities.length) return { id: app.id, identities, roleAssignments: [] };
  const lists = await Promise.all(identities.map((i) => arm.listRoleAssignmentsForPrincipal(readScope, i.principalId)));
  return { id: app.id, identities, roleAssignments: lists.flat() };
}

function identitiesOf(app: ContainerAppInfo): NonNullable<ArmAuthzFacts['workload']>['identities'] {
  const out: NonNullable<ArmAuthzFacts['workload']>['identities'] = [];
  if (app.identity.principalId) out.push({ principalId: app.identity.principalId, kind: 'system' });
  for (const [identityId, u] of Object.entries(app.identity.userAssignedIdentities)) {
    if (!u.principalId) continue;
    const i: (typeof out)[number] = { principalId: u.principalId, kind: 'user-assigned', identityId };
    if (u.clientId) i.clientId = u.clientId;
    out.push(i);
  }
  return out;
}

/** RequestDisallowedByPolicy: read the assignment and definition ARM names (when the port can). */
export async function gatherPolicyFacts(
  event: FailureEvent,
  refusal: PolicyRefusal,
  origin: DenialOrigin,
  deps: FactDeps,
  auth?: { action?: string; scope?: string },
): Promise<ArmPolicyFacts> {
  const { arm } = deps;
  const v = refusal.violations[0];
  const [assignment, definition] = await Promise.all([
    v && arm.getPolicyAssignment ? arm.getPolicyAssignment(v.assignmentId).catch(() => undefined) : undefined,
    v?.definitionId && arm.getPolicyDefinition
      ? arm.getPolicyDefinition(v.setDefinitionId ?? v.definitionId).catch(() => undefined)
      : undefined,
  ]);
  // A set's member definition is what refused; read it too when ARM named it (one more read, only for sets).
  const member =
    v?.setDefinitionId && v.definitionId && arm.getPolicyDefinition
      ? await arm.getPolicyDefinition(v.definitionId).catch(() => undefined)
      : undefined;
  const facts: ArmPolicyFacts = {
    flavor: 'arm-policy',
    resourceId: event.resourceId,
    refusal,
    messageSource: origin.messageSource,
    deniedScope: auth?.scope ?? event.authorization?.scope ?? event.resourceId,
  };
  const action = auth?.action ?? event.authorization?.action ?? event.operationName;
  if (action) facts.action = action;
  if (origin.failedAt) facts.failedAt = origin.failedAt;
  if (event.caller?.principalId) facts.callerPrincipalId = event.caller.principalId.toLowerCase();
  if (event.caller?.principalType) facts.callerPrincipalType = event.caller.principalType;
  if (assignment) facts.assignment = assignment;
  const def = member ?? definition;
  if (def) facts.definition = def;
  return facts;
}

/** For a denied ACR pull on a container app's behalf: which registry and identity of that app use the caller. */
async function gatherPullUse(
  event: FailureEvent,
  f: AuthorizationFailure,
  deps: FactDeps,
): Promise<ArmAuthzFacts['pullUse']> {
  if ((f.action ?? '').toLowerCase() !== ACR_PULL_ACTION.toLowerCase() || !f.callerObjectId) return undefined;
  const caller = f.callerObjectId.toLowerCase();
  const registryId =
    f.scope && parseResourceId(f.scope).type?.toLowerCase() === 'microsoft.containerregistry/registries'
      ? f.scope
      : undefined;
  const target = containerAppIdOf(event.resourceId);
  // The registry's login server, to prefer the app entry that pulls from exactly that registry (read alongside).
  const registryP = registryId ? deps.arm.getRegistry(registryId) : Promise.resolve(undefined);
  registryP.catch(() => undefined);
  let apps: ContainerAppInfo[];
  if (target) {
    const app = await deps.arm.getContainerApp(target.appId);
    apps = app ? [app] : [];
  } else {
    const using = await listAppsUsingPrincipal(deps.arm, caller);
    if (!using) return undefined;
    apps = using;
  }
  const registry = await registryP;
  let best: NonNullable<ArmAuthzFacts['pullUse']> | undefined;
  for (const app of apps) {
    for (const entry of app.registries) {
      if (!entry.identity) continue;
      const { ref, attached } = identityFor(app, entry.identity);
      if (!attached || ref.principalId?.toLowerCase() !== caller) continue;
      const use: NonNullable<ArmAuthzFacts['pullUse']> = { appId: app.id, loginServer: entry.server, identity: ref };
      if (registryId) use.registryId = registryId;
      if (registry?.roleAssignmentMode) use.roleAssignmentMode = registry.roleAssignmentMode;
      if (app.latestRevisionName && app.latestRevisionName !== app.latestReadyRevisionName)
        use.failingRevisionName = app.latestRevisionName;
      if (!registry || entry.server.toLowerCase() === registry.loginServer.toLowerCase()) return use;
      best ??= use;
    }
  }
  return registry ? undefined : best;
}
