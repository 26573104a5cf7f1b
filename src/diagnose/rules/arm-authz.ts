/**
 * The ARM AuthorizationFailed rule family: a denial → exactly one Diagnosis, by the first matching rule, in order:
 *   1. deny-assignment          a deny assignment covers the action for the caller at the denied scope
 *   2. role-propagating         a granting role at a covering scope is younger than the window
 *   3. condition-not-met        every granting role at a covering scope has an ABAC condition that excludes this request
 *   4. condition-unevaluable    …or one the remediator cannot evaluate: `unknown`, naming the condition (never a guess)
 *   5. unexplained              a granting role at a covering scope is in effect: `unknown` (stale token?)
 *   6. wrong-scope              a granting role sits at a scope that does not cover the denied scope (a sibling scope,
 *                               or a management group that is not an ancestor of the subscription)
 *   7. acr-pull-denied          the action is `Microsoft.ContainerRegistry/registries/pull/read`
 *   8. wrong-principal          the caller holds no role for it, but another identity of the same workload does
 *   9. missing-role             otherwise: the least-privilege built-in role that grants the action, at the exact scope
 * Management groups count only when they are ancestors of the denied scope's subscription (facts.managementGroupIds).
 */
import type { RoleAssignmentInfo, RoleDefinitionInfo } from '../../azure/arm-port';
import { evaluateCondition, type ConditionRequest, type ConditionVerdict } from '../conditions';
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

interface Grant {
  assignment: RoleAssignmentInfo;
  roleName: string;
  covering: boolean;
  propagating: boolean;
  /** The assignment's ABAC condition evaluated for this request (absent: no condition). */
  condition?: ConditionVerdict;
}

/** A covering grant that is in effect for this request (old enough, and no condition that excludes or is unknown). */
const isEffective = (g: Grant): boolean =>
  g.covering && !g.propagating && (!g.condition || g.condition.result === true);
const isConditionBlocked = (g: Grant): boolean =>
  g.covering && !g.propagating && !!g.condition && g.condition.result !== true;

export interface ArmAuthzAnalysis {
  principalId?: string;
  action?: string;
  deniedScope: string;
  grants: Grant[];
  /** Another identity of the caller's workload that holds a covering, effective role for the action. */
  other?: NonNullable<DiagnosisDetails['otherPrincipal']>;
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
      const g: Grant = {
        assignment: a,
        roleName: def.roleName,
        covering: isAtOrAbove(a.scope, deniedScope, f.managementGroupIds),
        propagating: isYoungerThanWindow(a.createdOn, f.now, f.propagationWindowMs),
      };
      if (a.condition && a.condition.trim() !== '') {
        const req: ConditionRequest = { action, scope: deniedScope };
        if (f.requestedRoleDefinitionId) req.requestedRoleDefinitionId = f.requestedRoleDefinitionId;
        g.condition = evaluateCondition(a.condition, req);
      }
      grants.push(g);
    }
  }
  const deny =
    action && principalId
      ? f.denyAssignments.find((d) => denyApplies(d, principalId, action, deniedScope, f.managementGroupIds))
      : undefined;
  const details: DiagnosisDetails = { deniedScope, rawMessage: f.failure.message };
  if (f.failedAt) details.failedAt = f.failedAt;
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
  if (f.managementGroupsSource === 'api') {
    const sub = parseResourceId(deniedScope).subscriptionId ?? '?';
    evidence.push(
      f.managementGroupIds.length
        ? `Management groups above subscription ${sub} (management groups API, nearest first): ${f.managementGroupIds.map(nameOf).join(' → ')}; assignments at any other management group do not cover it.`
        : `Subscription ${sub} sits under no management group the remediator can read.`,
    );
  }
  const out: ArmAuthzAnalysis = { deniedScope, grants, details, evidence };
  const other = grants.length === 0 && action ? findOtherPrincipal(f, action, deniedScope, defs) : undefined;
  if (other) out.other = other;
  if (principalId) out.principalId = principalId;
  if (action) out.action = action;
  if (deny) out.denyId = toDenyRef(deny);
  return out;
}

/** Another identity of the caller's workload whose role grants the action at a covering scope, in effect. */
function findOtherPrincipal(
  f: ArmAuthzFacts,
  action: string,
  deniedScope: string,
  defs: Readonly<Record<string, RoleDefinitionInfo>>,
): ArmAuthzAnalysis['other'] {
  const w = f.workload;
  if (!w) return undefined;
  for (const identity of w.identities) {
    for (const a of w.roleAssignments) {
      if (!sameId(a.principalId, identity.principalId) || a.condition) continue;
      const def = lookupRole(a.roleDefinitionId, defs);
      if (!def || !(grantsAction(def.permissions, action) || grantsAction(def.permissions, action, true))) continue;
      if (!isAtOrAbove(a.scope, deniedScope, f.managementGroupIds)) continue;
      if (isYoungerThanWindow(a.createdOn, f.now, f.propagationWindowMs)) continue;
      const other: NonNullable<ArmAuthzAnalysis['other']> = {
        principalId: identity.principalId,
        kind: identity.kind,
        workloadId: w.id,
        assignmentId: a.id,
        roleName: def.roleName,
        scope: a.scope,
      };
      if (identity.identityId) other.identityId = identity.identityId;
      if (identity.clientId) other.clientId = identity.clientId;
      return other;
    }
  }
  return undefined;
}

function describeOther(o: NonNullable<ArmAuthzAnalysis['other']>): string {
  return o.kind === 'system'
    ? `the system-assigned identity of ${nameOf(o.workloadId)} (principal ${o.principalId})`
    : `user-assigned identity ${nameOf(o.identityId ?? o.principalId)} (principal ${o.principalId}${o.clientId ? `, client id ${o.clientId}` : ''})`;
}

function conditionDetails(g: Grant): NonNullable<DiagnosisDetails['condition']> {
  return {
    assignmentId: g.assignment.id,
    roleName: g.roleName,
    scope: g.assignment.scope,
    expression: g.assignment.condition ?? '',
    result: g.condition?.result === false ? 'false' : 'unknown',
    reason: g.condition?.reason ?? '',
  };
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
    name: 'condition-not-met',
    when: (_f, a) =>
      !a.grants.some(isEffective) &&
      a.grants.some(isConditionBlocked) &&
      a.grants.filter(isConditionBlocked).every((g) => g.condition?.result === false),
    build: (f, a) => {
      const g = a.grants.find(isConditionBlocked) as Grant;
      return finish(
        'arm-authz/condition-not-met',
        a.deniedScope,
        `Principal ${a.principalId} holds ${g.roleName} at ${g.assignment.scope}, but its condition excludes this request: ${g.condition?.reason ?? ''}.`,
        [
          ...a.evidence,
          `Assignment ${g.assignment.id} (${g.roleName} at ${g.assignment.scope}) grants ${a.action} only where its condition holds: ${g.assignment.condition ?? ''}`,
          `Evaluated for this request: ${g.condition?.reason ?? ''} → the condition is false.`,
        ],
        { ...a.details, condition: conditionDetails(g) },
        [
          `az role assignment show --ids "${g.assignment.id}" --query "{role:roleDefinitionName,condition:condition}"`,
          'Make the request fit the condition (for a delegation condition: assign only the roles it lists), or ask the owner of the assignment to change its condition.',
        ],
      );
    },
  },
  {
    name: 'condition-unevaluable',
    when: (_f, a) => !a.grants.some(isEffective) && a.grants.some(isConditionBlocked),
    build: (f, a) => {
      const g = a.grants.find((x) => isConditionBlocked(x) && x.condition?.result === 'unknown') as Grant;
      return finish(
        'unknown',
        a.deniedScope,
        `Principal ${a.principalId} holds ${g.roleName} at ${g.assignment.scope} with a condition the remediator cannot evaluate for this request (${g.condition?.reason ?? ''}); it may be what denied ${a.action}.`,
        [
          ...a.evidence,
          `Assignment ${g.assignment.id} carries the condition: ${g.assignment.condition ?? ''}`,
          `Not evaluated: ${g.condition?.reason ?? ''}.`,
        ],
        { ...a.details, condition: conditionDetails(g) },
        [`Check the condition of ${g.assignment.id} against the request by hand: ${g.assignment.condition ?? ''}`],
      );
    },
  },
  {
    name: 'unexplained',
    when: (_f, a) => a.grants.some(isEffective),
    build: (f, a) => {
      const g = a.grants.find(isEffective) as Grant;
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
    name: 'wrong-principal',
    when: (_f, a) => a.other !== undefined,
    build: (f, a) => {
      const o = a.other as NonNullable<ArmAuthzAnalysis['other']>;
      const app = nameOf(o.workloadId);
      const rg = parseResourceId(o.workloadId).resourceGroup ?? '<rg>';
      const select =
        o.kind === 'user-assigned'
          ? `Make the code authenticate as ${describeOther(o)}: az containerapp update --name ${app} --resource-group ${rg} --set-env-vars AZURE_CLIENT_ID=${o.clientId ?? '<client-id>'}   # DefaultAzureCredential / ManagedIdentityCredential pick the identity by AZURE_CLIENT_ID`
          : `Make the code authenticate as the system-assigned identity of ${app}: remove AZURE_CLIENT_ID from its environment (az containerapp update --name ${app} --resource-group ${rg} --remove-env-vars AZURE_CLIENT_ID), or pass no client id to ManagedIdentityCredential`;
      const least = a.action ? pickLeastPrivilegeRole(f.builtInRoles, a.action) : undefined;
      return finish(
        'arm-authz/wrong-principal',
        a.deniedScope,
        `Principal ${a.principalId} holds no role for ${a.action}, but ${describeOther(o)} of the same workload ${app} holds ${o.roleName ?? 'a role'} at ${o.scope}: the code uses the wrong identity.`,
        [
          ...a.evidence,
          `${app} (${o.workloadId}) has the caller ${a.principalId} among its identities, and also ${describeOther(o)}.`,
          `Assignment ${o.assignmentId}: ${o.roleName ?? '?'} at ${o.scope} grants ${a.action} to that identity and covers ${a.deniedScope}.`,
        ],
        { ...a.details, otherPrincipal: o },
        [
          select,
          least
            ? `Or, if the caller's identity is the one meant to do this: ${azRoleAssign(a.principalId, f.callerPrincipalType, least.roleName, a.deniedScope)}`
            : 'Or grant the caller a role that allows the action at the denied scope.',
        ],
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
