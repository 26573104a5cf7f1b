/**
 * Microsoft.Management (ManagementGroupsAPI `entities.list`): POST /providers/Microsoft.Management/getEntities answers
 * every management group and subscription with its `parent`, `parentNameChain` (root first) and display names, from
 * the world's `Microsoft.Management/managementGroups` resources (`properties.children`, `properties.details.parent`).
 */
import type { RequestContext, Reply } from '../http/context';
import { keyOf, lastSegment } from '../ids';
import { obj, str } from '../values';
import type { Arm, Provider } from './provider';

const ENTITIES_PATH = /^\/providers\/microsoft\.management\/getentities$/i;

export const managementGroupsProvider: Provider = {
  name: 'Microsoft.Management',
  stage: 'any-scope',
  route(ctx, arm) {
    if (!ENTITIES_PATH.test(ctx.path)) return undefined;
    return listEntities(ctx, arm);
  },
};

function listEntities(ctx: RequestContext, arm: Arm): Reply {
  const { state } = arm;
  const parents = state.rbac.managementGroupParents();
  const groups = state.ofType('Microsoft.Management/managementGroups');
  const displayName = (id: string): string =>
    str(obj(groups.find((g) => keyOf(g.id) === keyOf(id))?.properties)['displayName']) ?? lastSegment(id);
  const chain = (id: string): string[] => {
    const out: string[] = [];
    let cur = parents.get(keyOf(id));
    while (cur && out.length < 10) {
      out.unshift(cur);
      cur = parents.get(keyOf(cur));
    }
    return out;
  };
  const entity = (id: string, type: string, name: string, ownName: string): Record<string, unknown> => {
    const parent = parents.get(keyOf(id));
    const ancestors = chain(id);
    return {
      id,
      type,
      name,
      properties: {
        tenantId: state.tenantId,
        displayName: ownName,
        ...(parent ? { parent: { id: parent } } : {}),
        permissions: 'view',
        inheritedPermissions: 'view',
        parentNameChain: ancestors.map(lastSegment),
        parentDisplayNameChain: ancestors.map(displayName),
      },
    };
  };
  const value = [
    ...groups.map((g) => entity(g.id, 'Microsoft.Management/managementGroups', lastSegment(g.id), displayName(g.id))),
    ...state.subscriptionIds().map((s) => entity(`/subscriptions/${s}`, '/subscriptions', s, s)),
  ];
  return arm.list(ctx, value);
}
