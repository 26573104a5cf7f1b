/**
 * The ACR pull rule family: an image pull failure → exactly one Diagnosis, by the first matching rule, in order:
 *   1. image-not-found          the error says MANIFEST_UNKNOWN / NAME_UNKNOWN (no identity question can help)
 *   2. rate-limited             the registry throttled the pull (TOOMANYREQUESTS) → registry-auth/rate-limited
 *   3. registry-not-found       the image's ACR login server matches no registry the remediator can see
 *   4. network-blocked          the error is network-shaped (IP refused, DNS, timeout). A registry that answered
 *                               UNAUTHORIZED was reached, whatever its publicNetworkAccess says (private endpoints)
 *   5. credentials-rejected     a registry outside ACR refused the pull, or ACR refused the entry's admin username
 *                               → registry-auth/credentials-rejected (never registry-not-found, never ACR advice)
 *   6. no-registry-identity     no `registries[]` entry with an identity for that login server
 *   7. identity-not-attached    the entry names a user-assigned identity the app lacks, or `system` without a system identity
 *   8. deny-assignment          a deny assignment blocks the principal's pull at the registry (→ arm-authz/deny-assignment)
 *   9. system-identity-on-create the system identity pulled on the app's first revision, before any role could exist
 *  10. abac-role-mismatch       ABAC registry; the principal holds AcrPull (not honoured) but no Repository Reader
 *  11. role-propagating         the right role exists at/above the registry but is younger than the propagation window
 *  12. missing-role             the principal holds no role that grants a pull at or above the registry
 *  13. arm-token-auth-disabled  the right role is in effect but authentication-as-arm is disabled
 *  14. unexplained              everything looks right: `unknown`, with the raw message and what was checked
 */
import type { RoleAssignmentInfo } from '../../azure/arm-port';
import { parseResourceId } from '../../azure/ids';
import type { AcrPullFacts } from '../facts-model';
import { ACR_PULL_ACTION } from '../rbac';
import { analyseAcrPull, describePrivateEndpoints, withRequiredRole, type AcrPullAnalysis } from './acr-pull-analysis';
import { azEnableArmTokenAuth, azIdentityAssign, azNewRevision, azRegistrySet, azRoleAssign } from './az-commands';
import { isNetworkShaped } from '../messages';
import { CREDENTIALS_REJECTED_RULE, isOutsideAcr, RATE_LIMITED_RULE } from './registry-auth';
import { describeIdentity, finish, nameOf, newest, plusMs, workloadNoun, type Rule, type RuleFamily } from './rule';

function assignStep(f: AcrPullFacts, a: AcrPullAnalysis): string {
  return azRoleAssign(a.principalId, 'ServicePrincipal', a.requiredRoleName, f.registry?.id ?? '<registry-id>');
}

function redeployStep(f: AcrPullFacts): string {
  return azNewRevision(f.app.name, parseResourceId(f.app.id).resourceGroup);
}

export const ACR_PULL_RULES: ReadonlyArray<Rule<AcrPullFacts, AcrPullAnalysis>> = [
  {
    name: 'image-not-found',
    when: (f) => f.pullError.kind === 'image-not-found',
    build: (f, a) => {
      const what = f.pullError.missingTag
        ? `tag ${f.pullError.missingTag} of ${a.details.repository ?? 'the repository'}`
        : (a.details.image ?? 'the image');
      return finish(
        'acr-pull/image-not-found',
        f.app.id,
        `${workloadNoun(f.app, true)} ${f.app.name} cannot start: ${what} does not exist in ${a.details.loginServer ?? 'the registry'}.`,
        [
          ...a.evidence,
          `The registry answered ${f.pullError.tokens.join(', ')}: the repository or tag does not exist.`,
        ],
        a.details,
        [
          `Push ${a.details.image ?? 'the image'} to ${a.details.loginServer ?? 'the registry'}, or point the container at an existing tag, then deploy again.`,
        ],
      );
    },
  },
  RATE_LIMITED_RULE,
  {
    name: 'registry-not-found',
    when: (f) => !f.registry && !isOutsideAcr(f),
    build: (f, a) =>
      finish(
        'acr-pull/registry-not-found',
        f.app.id,
        `${workloadNoun(f.app, true)} ${f.app.name} pulls from ${a.details.loginServer ?? 'a registry'} which matches no container registry the remediator can see.`,
        [
          ...a.evidence,
          `No registry with login server ${a.details.loginServer ?? '(unknown)'} exists in any subscription the remediator can read.`,
        ],
        a.details,
        [
          `Check the image's login server for typos; if the registry lives in a subscription the remediator cannot read, grant it Reader there or fix the pull manually.`,
        ],
      ),
  },
  {
    name: 'network-blocked',
    when: (f) => isNetworkShaped(f.pullError.kind),
    build: (f, a) => {
      const reasons: string[] = [];
      if (f.pullError.kind === 'host-not-found')
        reasons.push(
          `the login server ${a.details.loginServer ?? ''} does not resolve from the environment (DNS / private endpoint)`,
        );
      if (f.pullError.kind === 'network-blocked')
        reasons.push(
          f.pullError.clientIp
            ? `the registry refused client IP ${f.pullError.clientIp}`
            : 'the registry refused the network path',
        );
      const endpoints = f.registry ? describePrivateEndpoints(f.registry) : undefined;
      if (/^disabled$/i.test(f.registry?.publicNetworkAccess ?? ''))
        reasons.push(
          endpoints
            ? `public network access is Disabled and the environment did not reach the registry through its ${endpoints} (the endpoint must be Approved, in the environment's virtual network or a peered one, and the privatelink DNS zone linked to that network)`
            : 'public network access is Disabled and the registry has no private endpoint connection',
        );
      if (/^deny$/i.test(f.registry?.networkDefaultAction ?? '')) reasons.push('the firewall default action is Deny');
      const details = { ...a.details, networkBlock: reasons.join('; ') };
      return finish(
        'acr-pull/network-blocked',
        f.app.id,
        `${workloadNoun(f.app, true)} ${f.app.name} cannot reach registry ${f.registry?.name ?? a.details.loginServer ?? ''}: ${reasons.join('; ')}.`,
        [...a.evidence, `Network: ${reasons.join('; ')}.`],
        details,
        [
          'Allow the Container Apps environment to reach the registry (private endpoint in its VNet, or an IP rule for its outbound IPs), then deploy again.',
        ],
      );
    },
  },
  CREDENTIALS_REJECTED_RULE,
  {
    name: 'no-registry-identity',
    when: (f) => !f.registryEntry || !f.registryEntry.identity,
    build: (f, a) =>
      finish(
        'acr-pull/no-registry-identity',
        f.app.id,
        `${workloadNoun(f.app, true)} ${f.app.name} has no managed identity configured to pull from ${a.details.loginServer ?? 'the registry'}.`,
        [
          ...a.evidence,
          f.registryEntry
            ? `configuration.registries[] has an entry for ${f.registryEntry.server} without an identity${f.registryEntry.username ? ` (username ${f.registryEntry.username})` : ''}.`
            : `configuration.registries[] has no entry for ${a.details.loginServer ?? 'the login server'}, so the pull is anonymous.`,
        ],
        a.details,
        [
          `Give the app an identity for the registry: ${azRegistrySet(f.app.name, parseResourceId(f.app.id).resourceGroup, a.details.loginServer)}`,
          `Grant that identity ${a.requiredRoleName} on ${f.registry?.id ?? 'the registry'}, then deploy again.`,
        ],
      ),
  },
  {
    name: 'identity-not-attached',
    when: (f) => f.identityAttached === false,
    build: (f, a) => {
      const named = f.registryEntry?.identity ?? '';
      const isSystem = /^system$/i.test(named);
      return finish(
        'acr-pull/identity-not-attached',
        f.app.id,
        isSystem
          ? `${workloadNoun(f.app, true)} ${f.app.name} pulls from ${a.details.loginServer ?? 'the registry'} with its system identity, but the app has no system-assigned identity.`
          : `${workloadNoun(f.app, true)} ${f.app.name} pulls from ${a.details.loginServer ?? 'the registry'} with identity ${nameOf(named)}, which is not attached to the app.`,
        [
          ...a.evidence,
          `The app's identity type is ${f.app.identity.type}; attached user-assigned identities: ${Object.keys(f.app.identity.userAssignedIdentities).map(nameOf).join(', ') || 'none'}.`,
        ],
        a.details,
        [
          azIdentityAssign(f.app.name, parseResourceId(f.app.id).resourceGroup, isSystem ? undefined : named),
          `Make sure that identity holds ${a.requiredRoleName} on ${f.registry?.id ?? 'the registry'}, then deploy again.`,
        ],
      );
    },
  },
  {
    name: 'deny-assignment',
    when: (_f, a) => a.denyId !== undefined,
    build: (f, a) =>
      finish(
        'arm-authz/deny-assignment',
        f.app.id,
        `A deny assignment (${a.denyId?.name ?? a.denyId?.id}) blocks ${describeIdentity(f.identity)} from pulling from registry ${f.registry?.name ?? ''}.`,
        [
          ...a.evidence,
          `Deny assignment ${a.denyId?.id} at ${a.denyId?.scope ?? '(scope unknown)'} denies the pull for principal ${a.principalId}.`,
        ],
        {
          ...a.details,
          denyAssignment: a.denyId as { id: string },
          deniedAction: ACR_PULL_ACTION,
          ...(f.registry ? { deniedScope: f.registry.id } : {}),
        },
        [
          'Deny assignments are managed by their owner (e.g. a deployment stack or managed application): ask them to exclude this principal.',
        ],
      ),
  },
  {
    name: 'system-identity-on-create',
    when: (f, a) =>
      f.identity?.kind === 'system' &&
      a.revisionAtCreation &&
      (a.effective.length === 0 ||
        a.right.some(
          (r) =>
            !!r.createdOn && !!f.revision?.createdTime && Date.parse(r.createdOn) > Date.parse(f.revision.createdTime),
        )),
    build: (f, a) => {
      const details = withRequiredRole(f, a);
      const n = newest(a.right);
      if (n?.createdOn) {
        details.newestAssignmentCreatedOn = n.createdOn;
        details.effectiveAt = plusMs(n.createdOn, f.propagationWindowMs);
      }
      return finish(
        'acr-pull/system-identity-on-create',
        f.app.id,
        `${workloadNoun(f.app, true)} ${f.app.name} was created pulling with its system identity (principal ${a.principalId ?? '?'}), which could not hold ${a.requiredRoleName} on ${f.registry?.name ?? 'the registry'} before the app existed.`,
        [
          ...a.evidence,
          `The app was created at ${f.app.createdAt ?? '?'} and the failing revision at ${f.revision?.createdTime ?? '?'}: the system identity only exists from the app's creation.`,
        ],
        details,
        [
          assignStep(f, a),
          redeployStep(f),
          'Prefer a user-assigned identity for registry pulls: it can be granted the role before the app is created.',
        ],
      );
    },
  },
  {
    name: 'abac-role-mismatch',
    when: (_f, a) => a.abac && a.right.length === 0 && a.acrPullHeld.length > 0,
    build: (f, a) =>
      finish(
        'acr-pull/abac-role-mismatch',
        f.app.id,
        `Registry ${f.registry?.name ?? ''} uses ABAC repository permissions, so the AcrPull role of ${describeIdentity(f.identity)} is not honoured; it needs Container Registry Repository Reader.`,
        [
          ...a.evidence,
          `In AbacRepositoryPermissions mode AcrPull is not honoured; no Container Registry Repository Reader assignment covers the registry.`,
        ],
        withRequiredRole(f, a),
        [assignStep(f, a), redeployStep(f)],
      ),
  },
  {
    name: 'role-propagating',
    when: (_f, a) => a.effective.length === 0 && a.propagating.length > 0,
    build: (f, a) => {
      const n = newest(a.propagating) as RoleAssignmentInfo;
      const effectiveAt = plusMs(n.createdOn as string, f.propagationWindowMs);
      return finish(
        'acr-pull/role-propagating',
        f.app.id,
        `${a.requiredRoleName} for ${describeIdentity(f.identity)} on ${f.registry?.name ?? 'the registry'} was created at ${n.createdOn} and should take effect by ${effectiveAt}.`,
        [
          ...a.evidence,
          `The newest matching assignment (${n.id}) is younger than the propagation window of ${Math.round(f.propagationWindowMs / 60_000)} minutes.`,
        ],
        { ...withRequiredRole(f, a), newestAssignmentCreatedOn: n.createdOn as string, effectiveAt },
        [`Wait until ${effectiveAt}, then: ${redeployStep(f)}`],
      );
    },
  },
  {
    name: 'missing-role',
    when: (_f, a) => a.right.length === 0,
    build: (f, a) =>
      finish(
        'acr-pull/missing-role',
        f.app.id,
        `${describeIdentity(f.identity)} has no ${a.requiredRoleName} on registry ${f.registry?.name ?? ''}, so ${workloadNoun(f.app)} ${f.app.name} cannot pull ${a.details.image ?? 'its image'}.`.replace(
          /^./,
          (c) => c.toUpperCase(),
        ),
        [
          ...a.evidence,
          `Needed: ${a.requiredRoleName} (${a.requiredRoleGuid}) for principal ${a.principalId ?? '?'} at ${f.registry?.id ?? 'the registry'} or above.`,
        ],
        withRequiredRole(f, a),
        [assignStep(f, a), redeployStep(f)],
      ),
  },
  {
    name: 'arm-token-auth-disabled',
    when: (f, a) => a.effective.length > 0 && /^disabled$/i.test(f.registry?.armTokenAuth ?? ''),
    build: (f, a) =>
      finish(
        'acr-pull/arm-token-auth-disabled',
        f.app.id,
        `${describeIdentity(f.identity)} holds a pull role on registry ${f.registry?.name ?? ''}, but the registry's authentication-as-arm policy is disabled, so the pull token is refused.`.replace(
          /^./,
          (c) => c.toUpperCase(),
        ),
        [
          ...a.evidence,
          `policies.azureADAuthenticationAsArmPolicy.status is disabled on ${f.registry?.id ?? 'the registry'}.`,
        ],
        withRequiredRole(f, a),
        [azEnableArmTokenAuth(f.registry?.name), redeployStep(f)],
      ),
  },
  {
    name: 'unexplained',
    when: () => true,
    build: (f, a) =>
      finish(
        'unknown',
        f.app.id,
        `${workloadNoun(f.app, true)} ${f.app.name} failed to pull although ${describeIdentity(f.identity)} holds an effective pull role on ${f.registry?.name ?? 'the registry'}: ${f.message}`,
        [
          ...a.evidence,
          'Every check passed (registry found, network open, identity attached, role in effect, authentication-as-arm enabled); the raw error is in the details.',
        ],
        withRequiredRole(f, a),
        ['Read the raw error; check the registry for a repository-scoped token or condition, then redeploy to retry.'],
      ),
  },
];

export const ACR_PULL_FAMILY: RuleFamily<AcrPullFacts, AcrPullAnalysis> = {
  analyse: analyseAcrPull,
  rules: ACR_PULL_RULES,
};
