/** Fact gathering for ARM AuthorizationFailed (see facts.ts for the round trips). */
import type { ContainerAppInfo, RoleAssignmentInfo } from '../azure/arm-port';
import { parseResourceId, sameId } from '../azure/ids';
import type { FailureEvent } from '../model';
import type { ArmAuthzFacts } from './facts-model';
import {
  containerAppIdOf,
  identityFor,
  managementGroupsOf,
  readRoleDefinitions,
  withEventDefaults,
  type FactDeps,
} from './facts-reads';
import type { AuthorizationFailure } from './messages';
import { ACR_PULL_ACTION } from './rbac';

export async function gatherAuthzFacts(
  event: FailureEvent,
  failure: AuthorizationFailure,
  source: ArmAuthzFacts['messageSource'],
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
  const [assignments, denies, builtIns, pullUse] = await Promise.all([
    principalId
      ? arm.listRoleAssignmentsForPrincipal(readScope, principalId)
      : Promise.resolve([] as RoleAssignmentInfo[]),
    arm.listDenyAssignments(deniedScope),
    builtInsP,
    pullUseP,
  ]);
  const roleDefinitions = await readRoleDefinitions(arm, assignments, builtIns);
  const facts: ArmAuthzFacts = {
    flavor: 'arm-authz',
    now: deps.now.toISOString(),
    propagationWindowMs: deps.propagationWindowMs,
    resourceId: event.resourceId,
    failure: f,
    messageSource: source,
    roleAssignments: assignments,
    roleDefinitions,
    denyAssignments: denies,
    builtInRoles: builtIns,
    managementGroupIds: managementGroupsOf(assignments),
  };
  if (principalId) facts.callerPrincipalId = principalId;
  const type = event.caller?.principalType;
  if (type) facts.callerPrincipalType = type;
  if (pullUse) facts.pullUse = pullUse;
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
  let apps: ContainerAppInfo[];
  if (target) {
    const app = await deps.arm.getContainerApp(target.appId);
    apps = app ? [app] : [];
  } else if (deps.arm.listContainerApps) {
    apps = await deps.arm.listContainerApps();
  } else return undefined;
  // The registry's login server, to prefer the app entry that pulls from exactly that registry.
  const registry = registryId ? (await deps.arm.listRegistries()).find((r) => sameId(r.id, registryId)) : undefined;
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
