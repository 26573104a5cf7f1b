/**
 * Pure RBAC evaluation: wildcard action matching, what a role grants, which deny assignment applies, and the
 * least-privilege built-in role for an action.
 */
import type { DenyAssignmentInfo, RoleDefinitionInfo, RolePermission } from '../azure/arm-port';
import { isAtOrAbove, roleGuid, sameId } from '../azure/ids';
import { ROLE_NAME } from '../azure/roles';
import { ROLE_IDS } from '../model';

export const ACR_PULL_ACTION = 'Microsoft.ContainerRegistry/registries/pull/read';
/** The data action ABAC-mode registries check for a pull (Container Registry Repository Reader grants it). */
export const ACR_REPOSITORY_READ_DATA_ACTION = 'Microsoft.ContainerRegistry/registries/repositories/content/read';
/** Principal id ARM uses in deny assignments for "everyone". */
export const EVERYONE_PRINCIPAL_ID = '00000000-0000-0000-0000-000000000000';

/** Built-in definitions the rules know without a request (DOMAIN.md). Anything else is read through the port (cached). */
export const KNOWN_ROLE_DEFINITIONS: Readonly<Record<string, RoleDefinitionInfo>> = {
  [ROLE_IDS.acrPull]: {
    id: `/providers/Microsoft.Authorization/roleDefinitions/${ROLE_IDS.acrPull}`,
    name: ROLE_IDS.acrPull,
    roleName: ROLE_NAME.acrPull,
    roleType: 'BuiltInRole',
    permissions: [{ actions: [ACR_PULL_ACTION], notActions: [], dataActions: [], notDataActions: [] }],
    assignableScopes: ['/'],
  },
  [ROLE_IDS.repositoryReader]: {
    id: `/providers/Microsoft.Authorization/roleDefinitions/${ROLE_IDS.repositoryReader}`,
    name: ROLE_IDS.repositoryReader,
    roleName: ROLE_NAME.repositoryReader,
    roleType: 'BuiltInRole',
    permissions: [
      {
        actions: [],
        notActions: [],
        dataActions: [
          ACR_REPOSITORY_READ_DATA_ACTION,
          'Microsoft.ContainerRegistry/registries/repositories/metadata/read',
        ],
        notDataActions: [],
      },
    ],
    assignableScopes: ['/'],
  },
};

/** ARM action pattern match: case-insensitive, `*` matches any run of characters (including `/`). */
export function matchesAction(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}

/** Whether these permission blocks grant `action` (a control-plane action, or a data action with `data: true`). */
export function grantsAction(permissions: readonly RolePermission[], action: string, data = false): boolean {
  return permissions.some((p) => {
    const allow = data ? p.dataActions : p.actions;
    const deny = data ? p.notDataActions : p.notActions;
    return allow.some((a) => matchesAction(a, action)) && !deny.some((a) => matchesAction(a, action));
  });
}

/** Whether a deny assignment blocks `principalId` from `action` at `scope`. */
export function denyApplies(
  d: DenyAssignmentInfo,
  principalId: string,
  action: string,
  scope: string,
  managementGroupIds: readonly string[] = [],
): boolean {
  if (d.scope !== undefined) {
    if (d.doNotApplyToChildScopes ? !sameId(d.scope, scope) : !isAtOrAbove(d.scope, scope, managementGroupIds))
      return false;
  }
  const covers = (list: ReadonlyArray<{ id: string }>) =>
    list.some((p) => sameId(p.id, principalId) || p.id === EVERYONE_PRINCIPAL_ID);
  if (!covers(d.principals)) return false;
  if (d.excludePrincipals.some((p) => sameId(p.id, principalId))) return false;
  return grantsAction(d.permissions, action) || grantsAction(d.permissions, action, true);
}

/**
 * Breadth of one action pattern (bigger = broader):
 *   exact action (no `*`)                 1
 *   `*` after k literal segments (k ≥ 1)  10^(6-k), at least 10   e.g. `Microsoft.X/*` 10^5, `Microsoft.X/type/*` 10^4
 *   leading `*` with a suffix (`*` + `/read`) 10^6
 *   `*`                                   10^7
 */
export function scorePattern(pattern: string): number {
  if (!pattern.includes('*')) return 1;
  if (pattern.trim() === '*') return 10_000_000;
  const segs = pattern.split('/');
  const k = segs.findIndex((s) => s.includes('*'));
  if (k <= 0) return 1_000_000;
  return Math.max(10, 10 ** Math.max(1, 6 - k));
}

/**
 * Least-privilege score of a role (lower = narrower): the sum of `scorePattern` over all its actions and data
 * actions. notActions are not subtracted (a role with `*` minus a few is still broad). Ties: fewer patterns, then role
 * name (ordinal). Deterministic for the same input.
 */
export function scoreRole(role: RoleDefinitionInfo): number {
  let s = 0;
  for (const p of role.permissions) for (const a of [...p.actions, ...p.dataActions]) s += scorePattern(a);
  return s;
}

function patternCount(role: RoleDefinitionInfo): number {
  return role.permissions.reduce((n, p) => n + p.actions.length + p.dataActions.length, 0);
}

/** The least-privilege built-in role that grants `action`, or undefined when none does. */
export function pickLeastPrivilegeRole(
  roles: readonly RoleDefinitionInfo[],
  action: string,
): RoleDefinitionInfo | undefined {
  const candidates = roles.filter(
    (r) => (r.roleType === undefined || /builtin/i.test(r.roleType)) && grantsAction(r.permissions, action),
  );
  candidates.sort(
    (a, b) =>
      scoreRole(a) - scoreRole(b) ||
      patternCount(a) - patternCount(b) ||
      (a.roleName < b.roleName ? -1 : a.roleName > b.roleName ? 1 : 0),
  );
  return candidates[0];
}

/** The definition of a role by any id form: known built-ins first, then the given map (keyed by GUID). */
export function lookupRole(
  roleDefinitionId: string,
  defs: Readonly<Record<string, RoleDefinitionInfo>>,
): RoleDefinitionInfo | undefined {
  const g = roleGuid(roleDefinitionId);
  return KNOWN_ROLE_DEFINITIONS[g] ?? defs[g];
}
