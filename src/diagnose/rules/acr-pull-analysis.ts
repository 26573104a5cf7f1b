/** The ACR pull family's analysis: what the facts say about the pulling identity's roles at the registry. Pure. */
import type { RegistryInfo, RoleAssignmentInfo } from '../../azure/arm-port';
import { isAtOrAbove, parseResourceId, roleGuid, sameId, subscriptionRoleDefinitionId } from '../../azure/ids';
import { pullRoleFor } from '../../azure/roles';
import { ROLE_IDS, type DiagnosisDetails } from '../../model';
import type { AcrPullFacts } from '../facts-model';
import { isNetworkShaped } from '../messages';
import { ACR_PULL_ACTION, ACR_REPOSITORY_READ_DATA_ACTION, denyApplies, grantsAction, lookupRole } from '../rbac';
import {
  describeIdentity,
  isYoungerThanWindow,
  roleFound,
  roleNameOf,
  toDenyRef,
  workloadNoun,
  type DenyRef,
} from './rule';

/** A revision created within this time of the app itself counts as the app's first (create) revision. */
export const CREATE_REVISION_SLACK_MS = 15 * 60_000;

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
  denyId?: DenyRef;
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
  const { guid: requiredRoleGuid, name: requiredRoleName } = pullRoleFor(mode);

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
  const failed = f.image?.image.toLowerCase();
  const inTemplate = [...f.app.containers, ...f.app.initContainers].some((c) => c.image.toLowerCase() === failed);
  const refused = f.messageSource === 'activity-log' && failed !== undefined && !inTemplate;
  if (refused) details.deploymentRefused = true;
  if (f.app.triggerType) details.jobTrigger = f.app.triggerType;
  if (f.registry) {
    details.registryId = f.registry.id;
    details.registryTags = { ...f.registry.tags };
    details.roleAssignmentMode = mode;
    if (f.registry.armTokenAuth) details.armTokenAuth = f.registry.armTokenAuth;
  }
  if (f.identity) details.identity = f.identity;
  const alike = (f.sameRegistryFailures ?? []).filter((o) => o.error === f.pullError.kind);
  if (f.image && alike.length) details.images = [f.image.image, ...alike.map((o) => o.image)];
  if (f.otherFailures?.length) details.otherFailingRegistries = f.otherFailures.map((o) => o.loginServer);
  if (covering.length) details.rolesFound = covering.map((a) => roleFound(a, f.roleDefinitions));

  const evidence: string[] = [];
  if (refused)
    evidence.push(
      `ARM refused the deployment of ${f.image?.image ?? 'the image'} before any revision existed: ${workloadNoun(f.app)} ${f.app.name} still runs its previous template (the failing image is not in it).`,
    );
  evidence.push(
    `Revision ${f.revision?.name ?? f.app.latestRevisionName ?? '(unknown)'} of ${workloadNoun(f.app)} ${f.app.name} failed to pull${f.image ? ` ${f.image.image}` : ''}: ${f.pullError.tokens.join(', ')} (${f.messageSource === 'revision' ? 'revision provisioningError' : 'Activity Log status message'}).`,
  );
  for (const o of f.sameRegistryFailures ?? [])
    evidence.push(
      o.error === f.pullError.kind
        ? `The same revision also failed to pull ${o.image} from the same registry the same way (${o.error}): one story, the same fix covers it.`
        : `The same revision also failed to pull ${o.image} from the same registry, differently (${o.error}): this story's fix does not cover it.`,
    );
  for (const o of f.otherFailures ?? [])
    evidence.push(
      `The same revision also failed to pull ${o.image} from ${o.loginServer} (${o.error}): that registry is its own story.`,
    );
  if (f.registry) {
    evidence.push(
      `Login server ${f.registry.loginServer} belongs to registry ${f.registry.name} (${f.registry.id}), role assignment mode ${mode}, authentication-as-arm ${f.registry.armTokenAuth ?? 'unknown'}.`,
    );
  }
  const closed =
    /^disabled$/i.test(f.registry?.publicNetworkAccess ?? '') || /^deny$/i.test(f.registry?.networkDefaultAction ?? '');
  if (f.registry && closed && !isNetworkShaped(f.pullError.kind))
    evidence.push(
      `Registry ${f.registry.name} is closed to the public network (publicNetworkAccess ${f.registry.publicNetworkAccess ?? '?'}, default action ${f.registry.networkDefaultAction ?? '?'}), yet it answered ${f.pullError.tokens.join(', ')}: it was reached (${describePrivateEndpoints(f.registry) ?? 'private endpoint'}), so the network is not the cause.`,
    );
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

/** The details with the role the fix needs, as a subscription-scoped role definition id. */
export function withRequiredRole(f: AcrPullFacts, a: AcrPullAnalysis): DiagnosisDetails {
  const sub = f.registry ? parseResourceId(f.registry.id).subscriptionId : undefined;
  return {
    ...a.details,
    requiredRoleDefinitionId: sub ? subscriptionRoleDefinitionId(sub, a.requiredRoleGuid) : a.requiredRoleGuid,
  };
}

/** `private endpoint pe-a (Approved), private endpoint pe-b (Pending)`, or undefined when the registry has none. */
export function describePrivateEndpoints(registry: RegistryInfo): string | undefined {
  const list = registry.privateEndpoints ?? [];
  if (list.length === 0) return undefined;
  return list
    .map((e) => `private endpoint ${e.id.split('/').pop() ?? e.id}${e.status ? ` (${e.status})` : ''}`)
    .join(', ');
}
