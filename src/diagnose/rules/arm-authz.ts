/**
 * The ARM AuthorizationFailed rule family: a denial → exactly one Diagnosis, by the first matching rule, in order:
 *   1. deny-assignment          a deny assignment covers the action for the caller at the denied scope
 *   2. role-propagating         a granting role at a covering scope is younger than the window
 *   3. unexplained              a granting role at a covering scope is in effect: `unknown` (condition? stale token?)
 *   4. wrong-scope              a granting role sits at a scope that does not cover the denied scope (a sibling)
 *   5. acr-pull-denied          the action is `Microsoft.ContainerRegistry/registries/pull/read`
 *   6. missing-role             otherwise: the least-privilege built-in role that grants the action, at the exact scope
 */
import type { RoleAssignmentInfo, RoleDefinitionInfo } from '../../azure/arm-port';
import { isAtOrAbove, parseResourceId, roleGuid, sameId, subscriptionRoleDefinitionId } from '../../azure/ids';
import { pullRoleFor } from '../../azure/roles';
import type { DiagnosisDetails } from '../../model';
import type { ArmAuthzFacts } from '../facts-model';
import { ACR_PULL_ACTION, denyApplies, grantsAction, lookupRole, pickLeastPrivilegeRole } from '../rbac';
import { azRoleAssign } from './az-commands';
import {
  finish,
  isYoungerThanWindow,
  nameOf,
  newest,
  plusMs,
  roleFound,
  roleNameOf,
  toDenyRef,
  type DenyRef,
  type Rule,
  type RuleFamily,
} from './rule';

export interface ArmAuthzAnalysis {
  principalId?: string;
  action?: string;
  deniedScope: string;
  grants: Array<{ assignment: RoleAssignmentInfo; roleName: string; covering: boolean; propagating: boolean }>;
  denyId?: DenyRef;
  details: DiagnosisDetails;
  evidence: string[];
}

export function analyseArmAuthz(f: ArmAuthzFacts): ArmAuthzAnalysis {
  const principalId = f.failure.callerObjectId ?? f.callerPrincipalId;
  const action = f.failure.action;
  const deniedScope = f.failure.scope ?? f.resourceId;
  const grants: ArmAuthzAnalysis['grants'] = [];
  const defs: Record<string, RoleDefinitionInfo> = {};
  for (const d of f.builtInRoles) defs[roleGuid(d.id || d.name)] = d;
  Object.assign(defs, f.roleDefinitions);
  if (action && principalId) {
    for (const a of f.roleAssignments) {
      if (!sameId(a.principalId, principalId)) continue;
      const def = lookupRole(a.roleDefinitionId, defs);
      if (!def || !(grantsAction(def.permissions, action) || grantsAction(def.permissions, action, true))) continue;
      grants.push({
        assignment: a,
        roleName: def.roleName,
        covering: isAtOrAbove(a.scope, deniedScope, f.managementGroupIds),
        propagating: isYoungerThanWindow(a.createdOn, f.now, f.propagationWindowMs),
      });
    }
  }
  const deny =
    action && principalId
      ? f.denyAssignments.find((d) => denyApplies(d, principalId, action, deniedScope, f.managementGroupIds))
      : undefined;
  const details: DiagnosisDetails = { deniedScope, rawMessage: f.failure.message };
  if (action) details.deniedAction = action;
  if (principalId) details.callerPrincipalId = principalId;
  if (f.callerPrincipalType) details.callerPrincipalType = f.callerPrincipalType;
  const mine = principalId ? f.roleAssignments.filter((a) => sameId(a.principalId, principalId)) : [];
  if (mine.length) details.rolesFound = mine.map((a) => roleFound(a, defs));
  const evidence = [
    `ARM answered ${f.failure.code} (${f.messageSource === 'event' ? 'from the event' : 'from the Activity Log entry'}): principal ${principalId ?? '(unknown)'} may not perform ${action ?? '(unknown action)'} over ${deniedScope}.`,
    mine.length
      ? `The principal's role assignments in that subscription: ${mine.map((a) => `${roleNameOf(a.roleDefinitionId, defs)} at ${a.scope}`).join('; ')}.`
      : `The principal holds no role assignment in that subscription or above it.`,
  ];
  const out: ArmAuthzAnalysis = { deniedScope, grants, details, evidence };
  if (principalId) out.principalId = principalId;
  if (action) out.action = action;
  if (deny) out.denyId = toDenyRef(deny);
  return out;
}

export const ARM_AUTHZ_RULES: ReadonlyArray<Rule<ArmAuthzFacts, ArmAuthzAnalysis>> = [
  {
    name: 'deny-assignment',
    when: (_f, a) => a.denyId !== undefined,
    build: (f, a) =>
      finish(
        'arm-authz/deny-assignment',
        a.deniedScope,
        `Deny assignment ${a.denyId?.name ?? a.denyId?.id} blocks ${a.action} for principal ${a.principalId} at ${a.deniedScope}.`,
        [
          ...a.evidence,
          `Deny assignment ${a.denyId?.id} (scope ${a.denyId?.scope ?? '?'}) covers ${a.action} for this principal; deny assignments override role assignments.`,
        ],
        { ...a.details, denyAssignment: a.denyId as { id: string } },
        [
          'Ask the owner of the deny assignment (deployment stack, managed application or Blueprint) to exclude this principal or the action.',
        ],
      ),
  },
  {
    name: 'role-propagating',
    when: (_f, a) => a.grants.some((g) => g.covering) && a.grants.filter((g) => g.covering).every((g) => g.propagating),
    build: (f, a) => {
      const n = newest(a.grants.filter((g) => g.covering).map((g) => g.assignment)) as RoleAssignmentInfo;
      const effectiveAt = plusMs(n.createdOn as string, f.propagationWindowMs);
      return finish(
        'arm-authz/role-propagating',
        a.deniedScope,
        `Principal ${a.principalId} was granted ${a.action} at ${n.scope} at ${n.createdOn}; it should take effect by ${effectiveAt}.`,
        [
          ...a.evidence,
          `Assignment ${n.id} is younger than the propagation window of ${Math.round(f.propagationWindowMs / 60_000)} minutes.`,
        ],
        { ...a.details, newestAssignmentCreatedOn: n.createdOn as string, effectiveAt },
        [`Retry the operation after ${effectiveAt} (the caller may need a fresh token).`],
      );
    },
  },
  {
    name: 'unexplained',
    when: (_f, a) => a.grants.some((g) => g.covering && !g.propagating),
    build: (f, a) => {
      const g = a.grants.find((x) => x.covering && !x.propagating) as ArmAuthzAnalysis['grants'][number];
      return finish(
        'unknown',
        a.deniedScope,
        `Principal ${a.principalId} holds ${g.roleName} at ${g.assignment.scope}, which grants ${a.action}, yet ARM denied it: ${f.failure.message}`,
        [
          ...a.evidence,
          `${g.roleName} at ${g.assignment.scope} grants the action and is older than the propagation window; a condition or a stale token may be the cause.`,
        ],
        a.details,
        ['Check the assignment for a condition, and retry with a fresh token.'],
      );
    },
  },
  {
    name: 'wrong-scope',
    when: (_f, a) => a.grants.some((g) => !g.covering),
    build: (f, a) => {
      const g = a.grants.find((x) => !x.covering) as ArmAuthzAnalysis['grants'][number];
      // Recommend the least-privilege built-in role that grants the action (the misplaced one may be broader).
      const least = a.action ? pickLeastPrivilegeRole(f.builtInRoles, a.action) : undefined;
      const recommendedRole = least
        ? { roleDefinitionId: least.id || least.name, roleName: least.roleName }
        : { roleDefinitionId: g.assignment.roleDefinitionId, roleName: g.roleName };
      return finish(
        'arm-authz/wrong-scope',
        a.deniedScope,
        `Principal ${a.principalId} holds ${g.roleName} at ${g.assignment.scope}, which does not cover ${a.deniedScope}.`,
        [
          ...a.evidence,
          `Assignment ${g.assignment.id} grants ${a.action} but at ${g.assignment.scope}, a scope that does not contain ${a.deniedScope}.`,
        ],
        {
          ...a.details,
          recommendedRole,
          wrongScopeAssignment: { assignmentId: g.assignment.id, scope: g.assignment.scope, roleName: g.roleName },
        },
        [
          azRoleAssign(a.principalId, f.callerPrincipalType, recommendedRole.roleName, a.deniedScope),
          `Remove ${g.assignment.id} if it was meant for ${a.deniedScope}.`,
        ],
      );
    },
  },
  {
    name: 'acr-pull-denied',
    when: (_f, a) => (a.action ?? '').toLowerCase() === ACR_PULL_ACTION.toLowerCase(),
    build: (f, a) => {
      const sub = parseResourceId(a.deniedScope).subscriptionId;
      const { guid, name: roleName } = pullRoleFor(f.pullUse?.roleAssignmentMode);
      const roleId = sub ? subscriptionRoleDefinitionId(sub, guid) : guid;
      const details: DiagnosisDetails = {
        ...a.details,
        requiredRoleDefinitionId: roleId,
        recommendedRole: { roleDefinitionId: roleId, roleName },
      };
      if (f.pullUse) {
        details.appId = f.pullUse.appId;
        details.appName = nameOf(f.pullUse.appId);
        if (f.pullUse.registryId) details.registryId = f.pullUse.registryId;
        if (f.pullUse.loginServer) details.loginServer = f.pullUse.loginServer;
        if (f.pullUse.identity) details.identity = f.pullUse.identity;
        if (f.pullUse.roleAssignmentMode) details.roleAssignmentMode = f.pullUse.roleAssignmentMode;
        if (f.pullUse.failingRevisionName) details.revisionName = f.pullUse.failingRevisionName;
      }
      return finish(
        'arm-authz/acr-pull-denied',
        a.deniedScope,
        `Principal ${a.principalId} may not pull from ${nameOf(a.deniedScope)}: it holds no ${roleName} at or above the registry.`,
        [
          ...a.evidence,
          f.pullUse
            ? `Container app ${nameOf(f.pullUse.appId)} uses this principal for ${f.pullUse.loginServer ?? 'the registry'}.`
            : 'No container app was found that uses this principal for this registry.',
        ],
        details,
        [azRoleAssign(a.principalId, 'ServicePrincipal', roleName, a.deniedScope)],
      );
    },
  },
  {
    name: 'missing-role',
    when: () => true,
    build: (f, a) => {
      const role = a.action ? pickLeastPrivilegeRole(f.builtInRoles, a.action) : undefined;
      const details: DiagnosisDetails = { ...a.details };
      if (role) details.recommendedRole = { roleDefinitionId: role.id || role.name, roleName: role.roleName };
      return finish(
        'arm-authz/missing-role',
        a.deniedScope,
        `Principal ${a.principalId ?? '(unknown)'} holds no role granting ${a.action ?? 'the action'} at or above ${a.deniedScope}${role ? `; the least-privilege built-in role that grants it is ${role.roleName}` : ''}.`,
        [
          ...a.evidence,
          role
            ? `${role.roleName} (${role.name}) is the narrowest built-in role that grants ${a.action}.`
            : `No built-in role definition was found that grants ${a.action ?? 'the action'}.`,
        ],
        details,
        role
          ? [azRoleAssign(a.principalId, f.callerPrincipalType, role.roleName, a.deniedScope)]
          : ['Create or pick a role that grants the action and assign it at the denied scope.'],
      );
    },
  },
];

export const ARM_AUTHZ_FAMILY: RuleFamily<ArmAuthzFacts, ArmAuthzAnalysis> = {
  analyse: analyseArmAuthz,
  rules: ARM_AUTHZ_RULES,
};
