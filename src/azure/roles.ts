/**
 * Role vocabulary: the built-in roles the remediator names, by definition GUID, and which pull role a registry
 * honours. The one place a role's display name is written (plan, rules and summaries read it here).
 */
import { ROLE_IDS } from '../model';

/** Display names, keyed like ROLE_IDS. */
export const ROLE_NAME: Readonly<Record<keyof typeof ROLE_IDS, string>> = {
  acrPull: 'AcrPull',
  repositoryReader: 'Container Registry Repository Reader',
  rbacAdministrator: 'Role Based Access Control Administrator',
};

/** Display names by role definition GUID. */
export const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ROLE_IDS.acrPull]: ROLE_NAME.acrPull,
  [ROLE_IDS.repositoryReader]: ROLE_NAME.repositoryReader,
  [ROLE_IDS.rbacAdministrator]: ROLE_NAME.rbacAdministrator,
};

/** Display name of a role by GUID (lower case); undefined for roles outside the vocabulary. */
export function roleNameByGuid(guid: string): string | undefined {
  return ROLE_NAMES[guid.toLowerCase()];
}

export interface PullRole {
  guid: string;
  name: string;
}

/** The role that grants a pull in a registry's role-assignment mode: Repository Reader under ABAC, AcrPull otherwise. */
export function pullRoleFor(roleAssignmentMode: string | undefined): PullRole {
  const role = /abac/i.test(roleAssignmentMode ?? '') ? 'repositoryReader' : 'acrPull';
  return { guid: ROLE_IDS[role], name: ROLE_NAME[role] };
}
