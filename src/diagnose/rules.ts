/**
 * Pure classification: facts → exactly one Diagnosis. No I/O, no clock (the time is in the facts).
 *
 * Each flavour has an EXPLICIT ordered list of named rules; the first rule whose `when` matches decides the kind.
 *
 * ACR pull failures (`ACR_PULL_RULES`), in order:
 *   1. image-not-found          the error says MANIFEST_UNKNOWN / NAME_UNKNOWN (no identity question can help)
 *   2. registry-not-found       the image's login server matches no registry the remediator can see
 *   3. network-blocked          the error names a network denial, or the registry disables public access / denies by default
 *   4. no-registry-identity     no `registries[]` entry with an identity for that login server
 *   5. identity-not-attached    the entry names a user-assigned identity the app lacks, or `system` without a system identity
 *   6. deny-assignment          a deny assignment blocks the principal's pull at the registry (→ arm-authz/deny-assignment)
 *   7. system-identity-on-create the system identity pulled on the app's first revision, before any role could exist
 *   8. abac-role-mismatch       ABAC registry; the principal holds AcrPull (not honoured) but no Repository Reader
 *   9. role-propagating         the right role exists at/above the registry but is younger than the propagation window
 *  10. missing-role             the principal holds no role that grants a pull at or above the registry
 *  11. arm-token-auth-disabled  the right role is in effect but authentication-as-arm is disabled
 *  12. unexplained              everything looks right: `unknown`, with the raw message and what was checked
 *
 * ARM AuthorizationFailed (`ARM_AUTHZ_RULES`), in order:
 *   1. deny-assignment          a deny assignment covers the action for the caller at the denied scope
 *   2. role-propagating         a granting role at a covering scope is younger than the window
 *   3. unexplained              a granting role at a covering scope is in effect: `unknown` (condition? stale token?)
 *   4. wrong-scope              a granting role sits at a scope that does not cover the denied scope (a sibling)
 *   5. acr-pull-denied          the action is `Microsoft.ContainerRegistry/registries/pull/read`
 *   6. missing-role             otherwise: the least-privilege built-in role that grants the action, at the exact scope
 */
import type { RoleAssignmentInfo, RoleDefinitionInfo } from '../azure/arm-port';
import { isAtOrAbove, parseResourceId, roleGuid, sameId, subscriptionRoleDefinitionId } from '../azure/ids';
import {
  ROLE_IDS,
  type Diagnosis,
  type DiagnosisDetails,
  type DiagnosisKind,
  type RegistryIdentityRef,
} from '../model';
import type { AcrPullFacts, ArmAuthzFacts, Facts, UnclassifiedFacts } from './facts-model';
import {
  ACR_PULL_ACTION,
  ACR_REPOSITORY_READ_DATA_ACTION,
  denyApplies,
  grantsAction,
  lookupRole,
  pickLeastPrivilegeRole,
} from './rbac';

/** A revision created within this time of the app itself counts as the app's first (create) revision. */
export const CREATE_REVISION_SLACK_MS = 15 * 60_000;

export interface Rule<F, A> {
  name: string;
  when(facts: F, analysis: A): boolean;
  build(facts: F, analysis: A): Diagnosis;
}

// ───────────────────────────── shared helpers ─────────────────────────────

const nameOf = (id: string): string => parseResourceId(id).name ?? id;

function plusMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

function isYoungerThanWindow(createdOn: string | undefined, now: string, windowMs: number): boolean {
  if (!createdOn) return false;
  const t = Date.parse(createdOn);
  return Number.isFinite(t) && t + windowMs > Date.parse(now);
}

function describeIdentity(id: RegistryIdentityRef | undefined): string {
  if (!id) return 'no identity';
  if (id.kind === 'system')
    return `the app's system-assigned identity${id.principalId ? ` (principal ${id.principalId})` : ''}`;
  return `user-assigned identity ${nameOf(id.resourceId)}${id.principalId ? ` (principal ${id.principalId})` : ''}`;
}

function roleNameOf(roleDefinitionId: string, defs: Readonly<Record<string, RoleDefinitionInfo>>): string {
  return lookupRole(roleDefinitionId, defs)?.roleName ?? roleGuid(roleDefinitionId);
}

function roleFound(
  a: RoleAssignmentInfo,
  defs: Readonly<Record<string, RoleDefinitionInfo>>,
): NonNullable<DiagnosisDetails['rolesFound']>[number] {
  const r: NonNullable<DiagnosisDetails['rolesFound']>[number] = {
    roleDefinitionId: a.roleDefinitionId,
    roleName: roleNameOf(a.roleDefinitionId, defs),
    scope: a.scope,
    assignmentId: a.id,
  };
  if (a.createdOn) r.createdOn = a.createdOn;
  return r;
}

function newest(as: readonly RoleAssignmentInfo[]): RoleAssignmentInfo | undefined {
  return [...as]
    .filter((a) => a.createdOn)
    .sort((x, y) => Date.parse(y.createdOn as string) - Date.parse(x.createdOn as string))[0];
}

function finish(
  kind: DiagnosisKind,
  resourceId: string,
  summary: string,
  evidence: string[],
  details: DiagnosisDetails,
  manualSteps?: string[],
): Diagnosis {
  const d: Diagnosis = { kind, resourceId, summary, evidence, details };
  if (manualSteps && manualSteps.length) d.manualSteps = manualSteps;
  return d;
}

// ───────────────────────────── ACR pull ─────────────────────────────

export interface AcrPullAnalysis {
  abac: boolean;
  principalId?: string;
  /** Assignments of the principal at or above the registry. */
  covering: RoleAssignmentInfo[];
  /** Covering assignments whose role grants a pull in the registry's mode. */
  right: RoleAssignmentInfo[];
  /** `right` ones older than the window (or without createdOn). */
  effective: RoleAssignmentInfo[];
  /** `right` ones younger than the window. */
  propagating: RoleAssignmentInfo[];
  /** Covering AcrPull assignments (for the ABAC mismatch). */
  acrPullHeld: RoleAssignmentInfo[];
  /** Roles whose definition could not be read. */
  unreadableRoles: string[];
  denyId?: { id: string; name?: string; scope?: string };
  requiredRoleGuid: string;
  requiredRoleName: string;
  revisionAtCreation: boolean;
  details: DiagnosisDetails;
  evidence: string[];
}

export function analyseAcrPull(f: AcrPullFacts): AcrPullAnalysis {
  const registryId = f.registry?.id;
  const mode = f.registry?.roleAssignmentMode ?? 'LegacyRegistryPermissions';
  const abac = /abac/i.test(mode);
  const principalId = f.identity?.principalId;
  const repo = f.image?.repository ?? f.pullError.repository;
  const covering =
    registryId && principalId
      ? f.roleAssignments.filter(
          (a) => sameId(a.principalId, principalId) && isAtOrAbove(a.scope, registryId, f.managementGroupIds ?? []),
        )
      : [];
  const unreadableRoles: string[] = [];
  const grantsPull = (a: RoleAssignmentInfo): boolean => {
    const def = lookupRole(a.roleDefinitionId, f.roleDefinitions);
    if (!def) {
      unreadableRoles.push(a.roleDefinitionId);
      return false;
    }
    // An ABAC condition that names repositories only covers the ones it names.
    if (
      abac &&
      a.condition &&
      /repositories/i.test(a.condition) &&
      repo &&
      !a.condition.toLowerCase().includes(repo.toLowerCase())
    )
      return false;
    const data = grantsAction(def.permissions, ACR_REPOSITORY_READ_DATA_ACTION, true);
    // Legacy mode checks the control-plane pull action (AcrPull, AcrPush, Reader's */read, Owner, Contributor…).
    return abac ? data : grantsAction(def.permissions, ACR_PULL_ACTION);
  };
  const right = covering.filter(grantsPull);
  const propagating = right.filter((a) => isYoungerThanWindow(a.createdOn, f.now, f.propagationWindowMs));
  const effective = right.filter((a) => !propagating.includes(a));
  const acrPullHeld = covering.filter((a) => roleGuid(a.roleDefinitionId) === ROLE_IDS.acrPull);
  const deny =
    registryId && principalId
      ? f.denyAssignments.find(
          (d) =>
            denyApplies(d, principalId, ACR_PULL_ACTION, registryId, f.managementGroupIds ?? []) ||
            denyApplies(d, principalId, ACR_REPOSITORY_READ_DATA_ACTION, registryId, f.managementGroupIds ?? []),
        )
      : undefined;
  const requiredRoleGuid = abac ? ROLE_IDS.repositoryReader : ROLE_IDS.acrPull;
  const requiredRoleName = abac ? 'Container Registry Repository Reader' : 'AcrPull';

  const created = f.app.createdAt ? Date.parse(f.app.createdAt) : NaN;
  const revCreated = f.revision?.createdTime ? Date.parse(f.revision.createdTime) : NaN;
  const revisionAtCreation =
    Number.isFinite(created) && Number.isFinite(revCreated) && revCreated - created <= CREATE_REVISION_SLACK_MS;

  const details: DiagnosisDetails = { appId: f.app.id, appName: f.app.name, rawMessage: f.message };
  if (f.revision) details.revisionName = f.revision.name;
  if (f.revision?.provisioningError) details.provisioningError = f.revision.provisioningError;
  if (f.image) {
    details.image = f.image.image;
    details.repository = f.image.repository;
    if (f.image.tag) details.tag = f.image.tag;
  } else if (f.pullError.repository) details.repository = f.pullError.repository;
  const loginServer = f.image?.loginServer ?? f.pullError.loginServer;
  if (loginServer) details.loginServer = loginServer;
  if (f.registry) {
    details.registryId = f.registry.id;
    details.registryTags = { ...f.registry.tags };
    details.roleAssignmentMode = mode;
    if (f.registry.armTokenAuth) details.armTokenAuth = f.registry.armTokenAuth;
  }
  if (f.identity) details.identity = f.identity;
  if (covering.length) details.rolesFound = covering.map((a) => roleFound(a, f.roleDefinitions));

  const evidence: string[] = [];
  evidence.push(
    `Revision ${f.revision?.name ?? f.app.latestRevisionName ?? '(unknown)'} of container app ${f.app.name} failed to pull${f.image ? ` ${f.image.image}` : ''}: ${f.pullError.tokens.join(', ')} (${f.messageSource === 'revision' ? 'revision provisioningError' : 'Activity Log status message'}).`,
  );
  if (f.registry) {
    evidence.push(
      `Login server ${f.registry.loginServer} belongs to registry ${f.registry.name} (${f.registry.id}), role assignment mode ${mode}, authentication-as-arm ${f.registry.armTokenAuth ?? 'unknown'}.`,
    );
  }
  if (f.registryEntry) {
    evidence.push(
      `The app's registries[] entry for ${f.registryEntry.server} uses ${f.registryEntry.identity ? describeIdentity(f.identity) : f.registryEntry.username ? `username ${f.registryEntry.username} (admin credentials)` : 'no identity'}.`,
    );
  }
  if (f.identity && principalId && f.registry) {
    evidence.push(
      covering.length
        ? `Principal ${principalId} holds at or above the registry: ${covering.map((a) => `${roleNameOf(a.roleDefinitionId, f.roleDefinitions)} at ${a.scope}${a.createdOn ? ` (created ${a.createdOn})` : ''}`).join('; ')}.`
        : `Principal ${principalId} holds no role assignment at or above ${f.registry.id}.`,
    );
  }
  for (const r of [...new Set(unreadableRoles)])
    evidence.push(`Role definition ${r} could not be read, so it is not counted as granting a pull.`);
  const out: AcrPullAnalysis = {
    abac,
    covering,
    right,
    effective,
    propagating,
    acrPullHeld,
    unreadableRoles,
    requiredRoleGuid,
    requiredRoleName,
    revisionAtCreation,
    details,
    evidence,
  };
  if (principalId) out.principalId = principalId;
  if (deny) out.denyId = toDenyRef(deny);
  return out;
}

/** The deny assignment as the evidence names it: id, and name and scope where ARM gave them. */
function toDenyRef(deny: { id: string; name?: string; scope?: string }): { id: string; name?: string; scope?: string } {
  return { id: deny.id, ...(deny.name ? { name: deny.name } : {}), ...(deny.scope ? { scope: deny.scope } : {}) };
}

function withRequiredRole(f: AcrPullFacts, a: AcrPullAnalysis): DiagnosisDetails {
  const sub = f.registry ? parseResourceId(f.registry.id).subscriptionId : undefined;
  return {
    ...a.details,
    requiredRoleDefinitionId: sub ? subscriptionRoleDefinitionId(sub, a.requiredRoleGuid) : a.requiredRoleGuid,
  };
}

function assignStep(f: AcrPullFacts, a: AcrPullAnalysis): string {
  return `az role assignment create --assignee-object-id ${a.principalId ?? '<principal-id>'} --assignee-principal-type ServicePrincipal --role "${a.requiredRoleName}" --scope "${f.registry?.id ?? '<registry-id>'}"`;
}

function redeployStep(f: AcrPullFacts): string {
  const p = parseResourceId(f.app.id);
  return `az containerapp update --name ${f.app.name} --resource-group ${p.resourceGroup ?? '<rg>'} --revision-suffix <new-suffix>   # start a new revision`;
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
        `Container app ${f.app.name} cannot start: ${what} does not exist in ${a.details.loginServer ?? 'the registry'}.`,
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
  {
    name: 'registry-not-found',
    when: (f) => !f.registry,
    build: (f, a) =>
      finish(
        'acr-pull/registry-not-found',
        f.app.id,
        `Container app ${f.app.name} pulls from ${a.details.loginServer ?? 'a registry'} which matches no container registry the remediator can see.`,
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
    when: (f) =>
      f.pullError.kind === 'network-blocked' ||
      f.pullError.kind === 'host-not-found' ||
      /^disabled$/i.test(f.registry?.publicNetworkAccess ?? '') ||
      /^deny$/i.test(f.registry?.networkDefaultAction ?? ''),
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
      if (/^disabled$/i.test(f.registry?.publicNetworkAccess ?? '')) reasons.push('public network access is Disabled');
      if (/^deny$/i.test(f.registry?.networkDefaultAction ?? '')) reasons.push('the firewall default action is Deny');
      const details = { ...a.details, networkBlock: reasons.join('; ') };
      return finish(
        'acr-pull/network-blocked',
        f.app.id,
        `Container app ${f.app.name} cannot reach registry ${f.registry?.name ?? a.details.loginServer ?? ''}: ${reasons.join('; ')}.`,
        [...a.evidence, `Network: ${reasons.join('; ')}.`],
        details,
        [
          'Allow the Container Apps environment to reach the registry (private endpoint in its VNet, or an IP rule for its outbound IPs), then deploy again.',
        ],
      );
    },
  },
  {
    name: 'no-registry-identity',
    when: (f) => !f.registryEntry || !f.registryEntry.identity,
    build: (f, a) =>
      finish(
        'acr-pull/no-registry-identity',
        f.app.id,
        `Container app ${f.app.name} has no managed identity configured to pull from ${a.details.loginServer ?? 'the registry'}.`,
        [
          ...a.evidence,
          f.registryEntry
            ? `configuration.registries[] has an entry for ${f.registryEntry.server} without an identity${f.registryEntry.username ? ` (username ${f.registryEntry.username})` : ''}.`
            : `configuration.registries[] has no entry for ${a.details.loginServer ?? 'the login server'}, so the pull is anonymous.`,
        ],
        a.details,
        [
          `Give the app an identity for the registry: az containerapp registry set --name ${f.app.name} --resource-group ${parseResourceId(f.app.id).resourceGroup ?? '<rg>'} --server ${a.details.loginServer ?? '<login-server>'} --identity <system|identity-resource-id>`,
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
          ? `Container app ${f.app.name} pulls from ${a.details.loginServer ?? 'the registry'} with its system identity, but the app has no system-assigned identity.`
          : `Container app ${f.app.name} pulls from ${a.details.loginServer ?? 'the registry'} with identity ${nameOf(named)}, which is not attached to the app.`,
        [
          ...a.evidence,
          `The app's identity type is ${f.app.identity.type}; attached user-assigned identities: ${Object.keys(f.app.identity.userAssignedIdentities).map(nameOf).join(', ') || 'none'}.`,
        ],
        a.details,
        [
          isSystem
            ? `az containerapp identity assign --name ${f.app.name} --resource-group ${parseResourceId(f.app.id).resourceGroup ?? '<rg>'} --system-assigned`
            : `az containerapp identity assign --name ${f.app.name} --resource-group ${parseResourceId(f.app.id).resourceGroup ?? '<rg>'} --user-assigned ${named}`,
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
        `Container app ${f.app.name} was created pulling with its system identity (principal ${a.principalId ?? '?'}), which could not hold ${a.requiredRoleName} on ${f.registry?.name ?? 'the registry'} before the app existed.`,
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
        `${describeIdentity(f.identity)} has no ${a.requiredRoleName} on registry ${f.registry?.name ?? ''}, so container app ${f.app.name} cannot pull ${a.details.image ?? 'its image'}.`.replace(
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
        [
          `az acr config authentication-as-arm update --registry ${f.registry?.name ?? '<registry>'} --status enabled   # only if your policy allows it`,
          redeployStep(f),
        ],
      ),
  },
  {
    name: 'unexplained',
    when: () => true,
    build: (f, a) =>
      finish(
        'unknown',
        f.app.id,
        `Container app ${f.app.name} failed to pull although ${describeIdentity(f.identity)} holds an effective pull role on ${f.registry?.name ?? 'the registry'}: ${f.message}`,
        [
          ...a.evidence,
          'Every check passed (registry found, network open, identity attached, role in effect, authentication-as-arm enabled); the raw error is in the details.',
        ],
        withRequiredRole(f, a),
        ['Read the raw error; check the registry for a repository-scoped token or condition, then redeploy to retry.'],
      ),
  },
];

// ───────────────────────────── ARM AuthorizationFailed ─────────────────────────────

export interface ArmAuthzAnalysis {
  principalId?: string;
  action?: string;
  deniedScope: string;
  grants: Array<{ assignment: RoleAssignmentInfo; roleName: string; covering: boolean; propagating: boolean }>;
  denyId?: { id: string; name?: string; scope?: string };
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

function azAssign(
  principalId: string | undefined,
  principalType: string | undefined,
  roleName: string,
  scope: string,
): string {
  return `az role assignment create --assignee-object-id ${principalId ?? '<principal-id>'}${principalType ? ` --assignee-principal-type ${principalType}` : ''} --role "${roleName}" --scope "${scope}"`;
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
          azAssign(a.principalId, f.callerPrincipalType, recommendedRole.roleName, a.deniedScope),
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
      const abac = /abac/i.test(f.pullUse?.roleAssignmentMode ?? '');
      const guid = abac ? ROLE_IDS.repositoryReader : ROLE_IDS.acrPull;
      const roleName = abac ? 'Container Registry Repository Reader' : 'AcrPull';
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
        [azAssign(a.principalId, 'ServicePrincipal', roleName, a.deniedScope)],
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
          ? [azAssign(a.principalId, f.callerPrincipalType, role.roleName, a.deniedScope)]
          : ['Create or pick a role that grants the action and assign it at the denied scope.'],
      );
    },
  },
];

// ───────────────────────────── entry point ─────────────────────────────

function classifyUnclassified(f: UnclassifiedFacts): Diagnosis {
  const details: DiagnosisDetails = {};
  if (f.rawMessage) details.rawMessage = f.rawMessage;
  if (f.appId) details.appId = f.appId;
  if (f.revisionName) details.revisionName = f.revisionName;
  return finish(
    'unknown',
    f.resourceId,
    `${f.reason}${f.rawMessage ? ` Raw: ${f.rawMessage}` : ''}`,
    f.evidence,
    details,
  );
}

/** Apply an ordered rule list; returns the diagnosis and the name of the rule that decided it. */
export function applyRules<F, A>(
  rules: ReadonlyArray<Rule<F, A>>,
  facts: F,
  analysis: A,
): { rule: string; diagnosis: Diagnosis } {
  for (const r of rules) if (r.when(facts, analysis)) return { rule: r.name, diagnosis: r.build(facts, analysis) };
  throw new Error('rule list without a catch-all');
}

/** Facts → exactly one Diagnosis (pure). */
export function classify(facts: Facts): Diagnosis {
  return classifyWithRule(facts).diagnosis;
}

/** Same as classify, also naming the rule that matched (for logs and tests). */
export function classifyWithRule(facts: Facts): { rule: string; diagnosis: Diagnosis } {
  switch (facts.flavor) {
    case 'acr-pull':
      return applyRules(ACR_PULL_RULES, facts, analyseAcrPull(facts));
    case 'arm-authz':
      return applyRules(ARM_AUTHZ_RULES, facts, analyseArmAuthz(facts));
    case 'unclassified':
      return { rule: 'unclassified', diagnosis: classifyUnclassified(facts) };
    default: {
      const never: never = facts;
      throw new Error(`unexpected facts ${JSON.stringify(never)}`);
    }
  }
}
