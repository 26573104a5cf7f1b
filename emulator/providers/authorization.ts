/**
 * Microsoft.Authorization (AuthorizationManagementClient) at any scope — `/`, a management group, a subscription, a
 * resource group or a resource: role assignments (list with `principalId eq` / `assignedTo()` / `atScope()`, get,
 * create, delete), role definitions (list with `roleName eq` / `type eq`, get) and deny assignments (list, get).
 */
import {
  isAtOrAbove,
  isGuid,
  lastSegment,
  normalizePath,
  sameGuid,
  sameId,
  scopeOfExtension,
  subscriptionOf,
} from '../ids';
import { HttpError, methodNotAllowed, type Reply, type RequestContext } from '../http/context';
import type { Resource } from '../state';
import { EVERYONE_PRINCIPAL_ID } from '../state/rbac';
import { asArray, obj, str } from '../values';
import type { Arm, Provider } from './provider';

const EXTENSION_PATH =
  /^(.*?)\/providers\/microsoft\.authorization\/(roleassignments|roledefinitions|denyassignments)(?:\/([^/]+))?$/i;

export const authorizationProvider: Provider = {
  name: 'Microsoft.Authorization',
  stage: 'any-scope',
  route(ctx, arm) {
    const m = EXTENSION_PATH.exec(ctx.path);
    if (!m) return undefined;
    const scope = normalizePath(m[1] || '/');
    const kind = (m[2] ?? '').toLowerCase();
    const name = m[3];
    if (kind === 'roleassignments') return roleAssignments(ctx, arm, scope, name);
    if (kind === 'roledefinitions') return roleDefinitions(ctx, arm, scope, name);
    return denyAssignments(ctx, arm, scope, name);
  },
};

function roleAssignments(ctx: RequestContext, arm: Arm, scope: string, name: string | undefined): Reply {
  const { state } = arm;
  if (name === undefined) {
    if (ctx.method !== 'GET') throw methodNotAllowed(ctx.method);
    const filter = ctx.query.get('$filter') ?? '';
    const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1] ?? /assignedTo\('([^']+)'\)/i.exec(filter)?.[1];
    const atScope = /atScope\(\)/i.test(filter);
    const value = state.rbac.roleAssignments().filter((ra) => {
      const s = state.rbac.assignmentScope(ra);
      const above = state.rbac.covers(s, scope);
      const below = isAtOrAbove(scope, s);
      if (atScope ? !above : !(above || below)) return false;
      return principal === undefined || sameGuid(str(obj(ra.properties)['principalId']), principal);
    });
    return arm.list(ctx, value);
  }
  const id = `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
  const existing = state.get(id);
  if (ctx.method === 'GET') {
    if (!existing) throw new HttpError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
    return { status: 200, body: existing };
  }
  if (ctx.method === 'DELETE') {
    ctx.write = true;
    if (!existing) return { status: 204 };
    state.delete(id);
    arm.events.raise(ctx, 'Delete', true, existing.id, 'Microsoft.Authorization/roleAssignments/delete');
    return { status: 200, body: existing };
  }
  if (ctx.method !== 'PUT') throw methodNotAllowed(ctx.method);
  ctx.write = true;
  const fail = (e: HttpError): never => {
    arm.events.raise(ctx, 'Write', false, id, 'Microsoft.Authorization/roleAssignments/write', {
      code: e.code,
      message: e.message,
    });
    throw e;
  };
  if (!isGuid(name))
    fail(
      new HttpError(
        400,
        'InvalidRoleAssignmentId',
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      ),
    );
  const props = obj(ctx.body['properties']);
  const roleDefinitionId = str(props['roleDefinitionId']);
  const principalId = str(props['principalId']);
  if (!roleDefinitionId || !principalId)
    fail(
      new HttpError(
        400,
        'InvalidRequestContent',
        `The request content was invalid: properties.roleDefinitionId and properties.principalId are required.`,
      ),
    );
  if (!state.isPrincipalReplicated(principalId ?? ''))
    fail(
      new HttpError(
        400,
        'PrincipalNotFound',
        `Principal ${(principalId ?? '').replace(/-/g, '')} does not exist in the directory ${state.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
      ),
    );
  const def = state.rbac.roleDefinition(roleDefinitionId ?? '', scope);
  if (!def)
    fail(
      new HttpError(
        400,
        'RoleDefinitionDoesNotExist',
        `The specified role definition with ID '${lastSegment(roleDefinitionId ?? '')}' does not exist.`,
      ),
    );
  if (existing) {
    const ep = obj(existing.properties);
    if (
      sameGuid(str(ep['principalId']), principalId) &&
      sameGuid(lastSegment(str(ep['roleDefinitionId']) ?? ''), lastSegment(roleDefinitionId ?? ''))
    ) {
      arm.events.raise(ctx, 'Write', true, existing.id, 'Microsoft.Authorization/roleAssignments/write');
      return { status: 200, body: existing };
    }
    fail(
      new HttpError(
        409,
        'RoleAssignmentUpdateNotPermitted',
        'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
      ),
    );
  }
  const dup = state.rbac.roleAssignments().find((ra) => {
    const p = obj(ra.properties);
    return (
      sameId(state.rbac.assignmentScope(ra), scope) &&
      sameGuid(str(p['principalId']), principalId) &&
      sameGuid(lastSegment(str(p['roleDefinitionId']) ?? ''), lastSegment(roleDefinitionId ?? '')) &&
      (str(p['condition']) ?? '') === (str(props['condition']) ?? '')
    );
  });
  if (dup)
    fail(
      new HttpError(
        409,
        'RoleAssignmentExists',
        `The role assignment already exists. The ID of the existing role assignment is ${(dup.name ?? lastSegment(dup.id)).replace(/-/g, '')}.`,
      ),
    );
  const now = state.nowIso();
  const sub = subscriptionOf(scope);
  const created: Resource = {
    id,
    type: 'Microsoft.Authorization/roleAssignments',
    name,
    properties: {
      roleDefinitionId: sub
        ? `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${lastSegment(roleDefinitionId ?? '')}`
        : `/providers/Microsoft.Authorization/roleDefinitions/${lastSegment(roleDefinitionId ?? '')}`,
      principalId,
      principalType: str(props['principalType']) ?? 'ServicePrincipal',
      scope,
      ...(props['condition'] !== undefined
        ? { condition: props['condition'], conditionVersion: props['conditionVersion'] ?? '2.0' }
        : {}),
      ...(props['description'] !== undefined ? { description: props['description'] } : {}),
      createdOn: now,
      updatedOn: now,
      createdBy: ctx.caller,
      updatedBy: ctx.caller,
      delegatedManagedIdentityResourceId: null,
    },
  };
  state.put(created);
  arm.events.raise(ctx, 'Write', true, id, 'Microsoft.Authorization/roleAssignments/write');
  return { status: 201, body: created };
}

function roleDefinitions(ctx: RequestContext, arm: Arm, scope: string, name: string | undefined): Reply {
  const { state } = arm;
  if (ctx.method !== 'GET') throw methodNotAllowed(ctx.method);
  if (name !== undefined) {
    const def = state.rbac.roleDefinition(name, scope);
    if (!def)
      throw new HttpError(
        404,
        'RoleDefinitionDoesNotExist',
        `The specified role definition with ID '${name}' does not exist.`,
      );
    return { status: 200, body: def };
  }
  const filter = ctx.query.get('$filter') ?? '';
  const roleName = /roleName\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const type = /type\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const value = state.rbac.roleDefinitions(scope).filter((d) => {
    const p = obj(d.properties);
    if (roleName !== undefined && str(p['roleName'])?.toLowerCase() !== roleName.toLowerCase()) return false;
    if (type !== undefined && str(p['type'])?.toLowerCase() !== type.toLowerCase()) return false;
    return true;
  });
  return arm.list(ctx, value);
}

function denyAssignments(ctx: RequestContext, arm: Arm, scope: string, name: string | undefined): Reply {
  const { state } = arm;
  if (ctx.method !== 'GET') throw methodNotAllowed(ctx.method);
  if (name !== undefined) {
    const d = state.rbac.denyAssignments().find((x) => sameGuid(x.name ?? lastSegment(x.id), name));
    if (!d) throw new HttpError(404, 'DenyAssignmentNotFound', `The deny assignment '${name}' is not found.`);
    return { status: 200, body: d };
  }
  const filter = ctx.query.get('$filter') ?? '';
  const atScope = /atScope\(\)/i.test(filter);
  const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const value = state.rbac.denyAssignments().filter((d) => {
    const s = str(obj(d.properties)['scope']) ?? scopeOfExtension(d.id);
    const above = state.rbac.covers(s, scope);
    if (atScope ? !above : !(above || isAtOrAbove(scope, s))) return false;
    if (principal === undefined) return true;
    return asArray(obj(d.properties)['principals']).some(
      (p) => sameGuid(str(obj(p)['id']), principal) || sameGuid(str(obj(p)['id']), EVERYONE_PRINCIPAL_ID),
    );
  });
  return arm.list(ctx, value);
}
