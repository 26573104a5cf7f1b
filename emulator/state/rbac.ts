/**
 * The emulator's RBAC engine: role definitions (built-in and the world's), assignment inheritance (ARM id prefix,
 * management groups, "/"), deny assignments, propagation delay, and the delegation condition shape of DOMAIN.md.
 */
import { BUILT_IN_CREATED_ON, BUILT_IN_ROLES, type Permission } from '../builtin-roles';
import {
  isAtOrAbove,
  keyOf,
  lastSegment,
  normalizePath,
  sameGuid,
  sameId,
  scopeOfExtension,
  subscriptionOf,
} from '../ids';
import type { PropagationModel } from '../api';
import { asArray, clone, obj, str } from '../values';
import { drawPropagationDelayMs } from './propagation';
import type { Resource, ResourceStore } from './store';

export const EVERYONE_PRINCIPAL_ID = '00000000-0000-0000-0000-000000000000';

const T_ROLE_ASSIGNMENT = 'microsoft.authorization/roleassignments';
const T_ROLE_DEFINITION = 'microsoft.authorization/roledefinitions';
const T_DENY = 'microsoft.authorization/denyassignments';
const T_MG = 'microsoft.management/managementgroups';

export type CallerDecision =
  { ok: true } | { ok: false; reason: 'deny' | 'propagating' | 'none'; denyAssignment?: Resource };

export class RbacEngine {
  constructor(
    private readonly store: ResourceStore,
    private readonly propagation: PropagationModel | number | undefined,
  ) {}

  /** How long this assignment takes to take effect (drawn per assignment, deterministic). */
  propagationDelayMsOf(ra: Resource): number {
    return drawPropagationDelayMs(this.propagation, ra.id);
  }

  roleAssignments(): Resource[] {
    return this.store.ofType(T_ROLE_ASSIGNMENT);
  }

  denyAssignments(): Resource[] {
    return this.store.ofType(T_DENY);
  }

  assignmentScope(ra: Resource): string {
    return str(obj(ra.properties)['scope']) ?? scopeOfExtension(ra.id);
  }

  // ---- scopes: inheritance through ids and management groups ---------------------------------------------------

  /** Management group ids above a subscription (nearest first), from `Microsoft.Management/managementGroups` resources. */
  managementGroupsAbove(subscriptionId: string): string[] {
    const parentOf = this.managementGroupParents();
    const out: string[] = [];
    let cur = parentOf.get(keyOf(`/subscriptions/${subscriptionId}`));
    while (cur && !out.some((o) => sameId(o, cur)) && out.length < 10) {
      out.push(cur);
      cur = parentOf.get(keyOf(cur));
    }
    return out;
  }

  /**
   * Parent of every subscription and management group (lower-cased id key → parent id), from the management groups'
   * `properties.children` and `properties.details.parent` (the management groups API's own fields).
   */
  managementGroupParents(): Map<string, string> {
    const parentOf = new Map<string, string>();
    for (const mg of this.store.ofType(T_MG)) {
      const props = obj(mg.properties);
      for (const c of asArray(props['children'])) {
        const cid = str(obj(c)['id']);
        if (cid) parentOf.set(keyOf(cid), mg.id);
      }
      const parent = str(obj(obj(props['details'])['parent'])['id']);
      if (parent) parentOf.set(keyOf(mg.id), parent);
    }
    return parentOf;
  }

  /** Does an assignment/deny at `scope` apply to `target`? (at or above, including management groups and "/"). */
  covers(scope: string, target: string): boolean {
    if (isAtOrAbove(scope, target)) return true;
    if (!/^\/providers\/microsoft\.management\/managementgroups\//i.test(normalizePath(scope))) return false;
    const sub = subscriptionOf(target);
    if (sub) return this.managementGroupsAbove(sub).some((mg) => sameId(mg, scope));
    // target is itself a management group: is `scope` one of its ancestors?
    return this.store.ofType(T_MG).some((mg) => sameId(mg.id, scope) && this.mgDescends(target, mg.id));
  }

  private mgDescends(child: string, ancestor: string, depth = 0): boolean {
    if (depth > 10) return false;
    for (const mg of this.store.ofType(T_MG)) {
      const children = asArray(obj(mg.properties)['children']).map((c) => str(obj(c)['id']));
      if (children.some((c) => sameId(c, child)))
        return sameId(mg.id, ancestor) || this.mgDescends(mg.id, ancestor, depth + 1);
    }
    return false;
  }

  // ---- role definitions ----------------------------------------------------------------------------------------

  /** A role definition by GUID or any id ending in it: world definitions first, then built-ins (shaped for `scope`). */
  roleDefinition(idOrGuid: string, scope = '/'): Resource | undefined {
    const guid = lastSegment(idOrGuid);
    const custom = this.store.ofType(T_ROLE_DEFINITION).find((r) => sameGuid(r.name ?? lastSegment(r.id), guid));
    if (custom) return custom;
    const b = BUILT_IN_ROLES.find((x) => sameGuid(x.guid, guid));
    return b ? builtInResource(b.guid, scope) : undefined;
  }

  roleDefinitions(scope: string): Resource[] {
    const custom = this.store.ofType(T_ROLE_DEFINITION);
    const builtIns = BUILT_IN_ROLES.filter(
      (b) => !custom.some((c) => sameGuid(c.name ?? lastSegment(c.id), b.guid)),
    ).map((b) => builtInResource(b.guid, scope));
    return [...builtIns, ...custom];
  }

  // ---- decisions -----------------------------------------------------------------------------------------------

  /** Has the assignment taken effect on the emulator clock (createdOn + its propagation delay <= now)? */
  isEffective(ra: Resource): boolean {
    const created = str(obj(ra.properties)['createdOn']);
    if (!created) return true;
    return Date.parse(created) + this.propagationDelayMsOf(ra) <= this.store.clock.now().getTime();
  }

  /** Assignments of `principalId` at or above `scope` whose role grants `action` (data action when `data`). */
  grantingAssignments(principalId: string, action: string, scope: string, data: boolean): Resource[] {
    return this.roleAssignments().filter((ra) => {
      const p = obj(ra.properties);
      if (!sameGuid(str(p['principalId']), principalId)) return false;
      if (!this.covers(this.assignmentScope(ra), scope)) return false;
      const def = this.roleDefinition(str(p['roleDefinitionId']) ?? '', scope);
      return permissionsGrant(obj(def?.properties)['permissions'] as Permission[] | undefined, action, data);
    });
  }

  /** A deny assignment that blocks `principalId` from `action` at `scope`, if any. */
  denyingAssignment(principalId: string, action: string, scope: string, data: boolean): Resource | undefined {
    return this.denyAssignments().find((d) => {
      const p = obj(d.properties);
      const dScope = str(p['scope']) ?? scopeOfExtension(d.id);
      if (!this.covers(dScope, scope)) return false;
      if (p['doNotApplyToChildScopes'] === true && !sameId(dScope, scope)) return false;
      const principals = asArray(p['principals']).map((x) => str(obj(x)['id']));
      if (!principals.some((x) => sameGuid(x, principalId) || sameGuid(x, EVERYONE_PRINCIPAL_ID))) return false;
      if (asArray(p['excludePrincipals']).some((x) => sameGuid(str(obj(x)['id']), principalId))) return false;
      return permissionsGrant(p['permissions'] as Permission[] | undefined, action, data);
    });
  }

  /**
   * Can `principalId` perform a control-plane `action` at `scope` as a caller? Like isAuthorized, plus the ABAC
   * condition shape used to delegate role assignment writes: `@Request[…:RoleDefinitionId] … GuidEquals {a, b}` (and
   * `@Resource[…]` for deletes) — the assignment only counts when `conditionRoleGuid` is in that list.
   */
  callerDecision(principalId: string, action: string, scope: string, conditionRoleGuid?: string): CallerDecision {
    const deny = this.denyingAssignment(principalId, action, scope, false);
    if (deny) return { ok: false, reason: 'deny', denyAssignment: deny };
    const granting = this.grantingAssignments(principalId, action, scope, false).filter((ra) =>
      conditionAllows(str(obj(ra.properties)['condition']), action, conditionRoleGuid),
    );
    if (granting.some((ra) => this.isEffective(ra))) return { ok: true };
    return { ok: false, reason: granting.length > 0 ? 'propagating' : 'none' };
  }

  /** Can the principal perform the action at scope now (effective allow, no deny)? */
  isAuthorized(principalId: string, action: string, scope: string, data = false): boolean {
    if (this.denyingAssignment(principalId, action, scope, data)) return false;
    return this.grantingAssignments(principalId, action, scope, data).some((ra) => this.isEffective(ra));
  }
}

function builtInResource(guid: string, scope: string): Resource {
  const b = BUILT_IN_ROLES.find((x) => x.guid === guid);
  if (!b) throw new Error(`unknown built-in role ${guid}`);
  const sub = subscriptionOf(scope);
  return {
    id: `${sub ? `/subscriptions/${sub}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${b.guid}`,
    name: b.guid,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: b.roleName,
      type: 'BuiltInRole',
      description: b.description,
      assignableScopes: ['/'],
      permissions: clone(b.permissions),
      createdOn: BUILT_IN_CREATED_ON,
      updatedOn: BUILT_IN_CREATED_ON,
      createdBy: null,
      updatedBy: null,
    },
  };
}

// Deliberately its own copy (src/diagnose/rbac.ts has the remediator's): the stand-in for Azure must not share logic
// with the code it tests, or a shared bug would pass every test.
function wildcardMatch(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}

export function permissionsGrant(perms: Permission[] | undefined, action: string, data: boolean): boolean {
  return (perms ?? []).some((p) => {
    const allow = data ? p.dataActions : p.actions;
    const deny = data ? p.notDataActions : p.notActions;
    return (allow ?? []).some((a) => wildcardMatch(a, action)) && !(deny ?? []).some((a) => wildcardMatch(a, action));
  });
}

/** Evaluate the delegation condition shape from DOMAIN.md (RoleDefinitionId GuidEquals lists); other conditions allow. */
export function conditionAllows(condition: string | undefined, action: string, roleGuid: string | undefined): boolean {
  if (!condition || !/roleassignments\/(write|delete)$/i.test(action)) return true;
  const kind = /delete$/i.test(action) ? 'delete' : 'write';
  // find the clause guarding this action: ActionMatches{'…/roleAssignments/<kind>'})) OR (@…[…RoleDefinitionId] … GuidEquals {…})
  const re = new RegExp(
    `ActionMatches\\{'Microsoft\\.Authorization/roleAssignments/${kind}'\\}\\)\\)\\s*OR\\s*\\(@(?:Request|Resource)\\[Microsoft\\.Authorization/roleAssignments:RoleDefinitionId\\]\\s*ForAnyOfAnyValues:GuidEquals\\s*\\{([^}]*)\\}`,
    'i',
  );
  const m = re.exec(condition);
  if (!m) return true;
  if (!roleGuid) return false;
  const allowed = (m[1] ?? '').split(',').map((g) => g.trim().toLowerCase());
  return allowed.includes(roleGuid.toLowerCase());
}
