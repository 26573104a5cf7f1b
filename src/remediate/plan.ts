/**
 * Planning: a Diagnosis → the fixes it calls for (CONTRACTS.md §1). Pure: no SDK, no clock, no I/O.
 * Statuses here are only `planned` (the executor decides, after the guardrails) or `manual` (never automatic).
 */
import { parseResourceId } from '../azure/ids';
import { ROLE_NAMES } from '../azure/roles';
import type { Config } from '../config';
import { ROLE_IDS, type Action, type ActionOf, type Diagnosis, type DiagnosisDetails } from '../model';
import { claimKeyForArmTokenAuth, claimKeyForAssignRole, claimKeyForRedeploy } from './ids';

const guidOf = (roleDefinitionId: string): string => (roleDefinitionId.split('/').pop() ?? '').toLowerCase();

/** The pull role a registry honours: Repository Reader in ABAC mode, AcrPull otherwise. */
export function selectPullRole(d: DiagnosisDetails): string {
  if (d.roleAssignmentMode === 'AbacRepositoryPermissions') return ROLE_IDS.repositoryReader;
  if (d.roleAssignmentMode === 'LegacyRegistryPermissions') return ROLE_IDS.acrPull;
  return d.requiredRoleDefinitionId ? guidOf(d.requiredRoleDefinitionId) : ROLE_IDS.acrPull;
}

export function describeRole(roleDefinitionId: string, fallback?: string): string {
  return ROLE_NAMES[guidOf(roleDefinitionId)] ?? fallback ?? guidOf(roleDefinitionId);
}

function assignPullRole(d: Diagnosis, principalId: string | undefined, note?: string): ActionOf<'assign-role'> {
  const x = d.details;
  const role = selectPullRole(x);
  if (!x.registryId)
    return {
      type: 'assign-role',
      status: 'manual',
      reason: 'the registry behind the image is not known: assign the pull role by hand',
      roleDefinitionId: role,
      ...(principalId ? { principalId } : {}),
    };
  if (!principalId)
    return {
      type: 'assign-role',
      status: 'manual',
      reason: `the principal of the app's registry identity is not known: assign ${describeRole(role)} on the registry by hand`,
      roleDefinitionId: role,
      scope: x.registryId,
    };
  return {
    type: 'assign-role',
    status: 'planned',
    scope: x.registryId,
    principalId,
    principalType: 'ServicePrincipal',
    roleDefinitionId: role,
    resourceId: x.registryId,
    claimKey: claimKeyForAssignRole(x.registryId, role, principalId),
    reason: `assign ${describeRole(role)} to principal ${principalId} at the registry scope${note ? ` (${note})` : ''}`,
  };
}

/** The step when ARM refused the deployment: a redeploy of the unchanged template would not run the failed image. */
export const RUN_DEPLOYMENT_AGAIN = 'run your deployment again';

function redeploy(d: Diagnosis, why: string): ActionOf<'redeploy-revision'> {
  const x = d.details;
  if (x.jobTrigger && !x.deploymentRefused)
    return {
      type: 'redeploy-revision',
      status: 'manual',
      ...(x.appId ? { resourceId: x.appId, scope: x.appId } : {}),
      reason: `a Container Apps job has no revisions: its next execution pulls ${x.image ?? 'the image'} again ${why}`,
    };
  if (x.deploymentRefused)
    return {
      type: 'redeploy-revision',
      status: 'manual',
      ...(x.appId ? { resourceId: x.appId, scope: x.appId } : {}),
      reason: `${RUN_DEPLOYMENT_AGAIN} ${why}: ARM refused the deployment of ${x.image ?? 'the image'} before any revision existed, so the app's current template does not carry it and redeploying it would prove nothing`,
    };
  if (!x.appId)
    return {
      type: 'redeploy-revision',
      status: 'manual',
      reason: 'the container app is not known: create a new revision by hand once the cause is fixed',
    };
  return {
    type: 'redeploy-revision',
    status: 'planned',
    scope: x.appId,
    resourceId: x.appId,
    claimKey: claimKeyForRedeploy(x.appId, x.revisionName),
    reason: `create a new revision of ${x.appName ?? x.appId}${x.revisionName ? ` to replace ${x.revisionName}` : ''} ${why}`,
  };
}

/**
 * A manually triggered Container Apps job runs nothing by itself once fixed: one execution proves the pull. Started by
 * the heal check once the job carries the image that failed, only where the operator allowed `start-job-execution` (it
 * runs the customer's workload); otherwise the exact step is left to a person.
 */
function startManualJob(d: Diagnosis, config: Pick<Config, 'allowedFixTypes'>): Action[] {
  const x = d.details;
  if (!x.appId || x.jobTrigger?.toLowerCase() !== 'manual') return [];
  const { resourceGroup, name } = parseResourceId(x.appId);
  const step = `az containerapp job start --name ${name ?? '<job>'} --resource-group ${resourceGroup ?? '<rg>'}`;
  const when = x.deploymentRefused
    ? `once your deployment carries ${x.image ?? 'the image'}`
    : 'once the fix is in effect';
  if (!config.allowedFixTypes.includes('start-job-execution'))
    return [
      {
        type: 'start-job-execution',
        status: 'manual',
        resourceId: x.appId,
        scope: x.appId,
        reason: `${when}, start the job to prove the pull: ${step} (the remediator starts it only where REMEDIATOR_ALLOWED_FIX_TYPES includes start-job-execution: it runs your workload)`,
      },
    ];
  return [
    {
      type: 'start-job-execution',
      status: 'planned',
      resourceId: x.appId,
      scope: x.appId,
      claimKey: claimKeyForJobStart(x.appId, x.image),
      reason: `${when}, the heal check starts one execution of job ${name ?? x.appId} (${step}) and reports healed when it runs`,
    },
  ];
}

/** The claim of the one execution started for this image of this job. */
export function claimKeyForJobStart(jobId: string, image: string | undefined): string {
  return `start-job-execution|${jobId.toLowerCase()}|${(image ?? '(template)').toLowerCase()}`;
}

export function planActions(diagnosis: Diagnosis, config: Pick<Config, 'allowedFixTypes'>): Action[] {
  const actions = planFixes(diagnosis);
  // Only after a fix the remediator can make (or one already in effect): never for a manual kind.
  const fixing = actions.some((a) => a.type === 'assign-role' || a.type === 'enable-arm-token-auth');
  return fixing || diagnosis.kind === 'acr-pull/role-propagating'
    ? [...actions, ...startManualJob(diagnosis, config)]
    : actions;
}

function planFixes(diagnosis: Diagnosis): Action[] {
  const d = diagnosis;
  const x = d.details;
  switch (d.kind) {
    case 'acr-pull/missing-role':
    case 'acr-pull/abac-role-mismatch':
      return [assignPullRole(d, x.identity?.principalId), redeploy(d, 'after the role takes effect')];
    case 'acr-pull/system-identity-on-create':
      return [
        assignPullRole(
          d,
          x.identity?.principalId,
          'the system identity; prefer a user-assigned identity granted before the app is created',
        ),
        redeploy(d, 'after the role takes effect'),
      ];
    case 'acr-pull/arm-token-auth-disabled': {
      const enable: Action = x.registryId
        ? {
            type: 'enable-arm-token-auth',
            status: 'planned',
            scope: x.registryId,
            resourceId: x.registryId,
            claimKey: claimKeyForArmTokenAuth(x.registryId),
            reason: 'enable the registry policy authentication-as-arm (azureADAuthenticationAsArmPolicy)',
          }
        : {
            type: 'enable-arm-token-auth',
            status: 'manual',
            reason:
              'the registry is not known: run `az acr config authentication-as-arm update --status enabled` on it',
          };
      return [enable, redeploy(d, 'after the policy is enabled')];
    }
    case 'acr-pull/role-propagating':
      return [redeploy(d, `once the role has taken effect${x.effectiveAt ? ` (${x.effectiveAt})` : ''}`)];
    case 'arm-authz/acr-pull-denied': {
      const registryId = x.registryId ?? x.deniedScope;
      const assign = assignPullRole(
        { ...d, details: registryId ? { ...x, registryId } : x },
        x.callerPrincipalId,
        'only because a container app uses this principal for the registry',
      );
      return x.appId && x.revisionName ? [assign, redeploy(d, 'after the role takes effect')] : [assign];
    }
    case 'arm-authz/missing-role':
    case 'arm-authz/wrong-scope': {
      const role = x.recommendedRole;
      const wrong =
        d.kind === 'arm-authz/wrong-scope' && x.wrongScopeAssignment
          ? `; the existing assignment ${x.wrongScopeAssignment.assignmentId} sits at ${x.wrongScopeAssignment.scope}, which does not cover it`
          : '';
      const a: Action = {
        type: 'assign-role',
        status: 'manual',
        ...(x.deniedScope ? { scope: x.deniedScope } : {}),
        ...(x.callerPrincipalId ? { principalId: x.callerPrincipalId } : {}),
        ...(x.callerPrincipalType ? { principalType: x.callerPrincipalType } : {}),
        ...(role ? { roleDefinitionId: role.roleDefinitionId } : {}),
        reason: role
          ? `assign ${role.roleName} (least privilege for ${x.deniedAction ?? 'the denied action'}) at exactly ${x.deniedScope ?? 'the denied scope'}${wrong}; the remediator only ever grants pull roles`
          : `no built-in role found that grants ${x.deniedAction ?? 'the action'}: create or pick one and assign it at ${x.deniedScope ?? 'the denied scope'}${wrong}`,
      };
      return [a];
    }
    case 'acr-pull/identity-not-attached':
    case 'acr-pull/no-registry-identity':
    case 'acr-pull/image-not-found':
    case 'acr-pull/network-blocked':
    case 'acr-pull/registry-not-found':
    case 'arm-authz/deny-assignment':
    case 'arm-authz/role-propagating':
    case 'arm-authz/policy-denied':
    case 'arm-authz/condition-not-met':
    case 'arm-authz/wrong-principal':
    case 'registry-auth/credentials-rejected':
    case 'registry-auth/rate-limited':
    case 'secret-ref/key-vault-access-denied':
    case 'unknown':
    case 'unrelated':
      return [];
    default: {
      const never: never = d.kind;
      throw new Error(`unplanned diagnosis kind ${String(never)}`);
    }
  }
}
