/**
 * Microsoft.Resources: resource groups (derived from resource ids) and every resource no other provider claims — GET
 * of any stored id, lists of `{scope}/providers/{ns}/{type}` and of nested collections (`…/containerApps/web/revisions`),
 * and PUT/PATCH/DELETE that store, merge or delete. Last in the provider list: it answers everything it is asked.
 */
import { methodNotAllowed, notFound, type Reply, type RequestContext } from '../http/context';
import { isAtOrAbove, lastSegment, normalizePath, sameId, splitAtProviders } from '../ids';
import type { EmulatorState, Resource } from '../state';
import { mergePatch } from '../values';
import type { Arm, Provider } from './provider';

export const resourcesProvider: Provider = {
  name: 'Microsoft.Resources',
  stage: 'subscription',
  route(ctx, arm) {
    return resourceGroups(ctx, arm) ?? genericResource(ctx, arm);
  },
};

/** `/subscriptions/{s}/resourcegroups[/{rg}]` (the router has already answered 404 for an unknown group). */
function resourceGroups(ctx: RequestContext, arm: Arm): Reply | undefined {
  const segs = ctx.path.split('/').filter(Boolean);
  if (segs[2]?.toLowerCase() !== 'resourcegroups' || segs.length > 4) return undefined;
  const sub = segs[1] ?? '';
  const groups = arm.state.resourceGroups(sub).map((g) => ({
    id: `/subscriptions/${sub}/resourceGroups/${g.name}`,
    name: g.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: g.location,
    properties: { provisioningState: 'Succeeded' },
  }));
  if (segs.length === 3) return arm.list(ctx, groups);
  const group = groups.find((g) => g.name.toLowerCase() === segs[3]?.toLowerCase());
  return group ? { status: 200, body: group } : undefined;
}

function genericResource(ctx: RequestContext, arm: Arm): Reply {
  const { state } = arm;
  const path = ctx.path;
  const { segs, pIdx, afterProviders, type } = splitAtProviders(path);

  // collections: {scope}/providers/{ns}/{type}  or nested  {resource}/{childType}
  if (ctx.method === 'GET' && pIdx >= 0 && afterProviders === 2) {
    const scope = `/${segs.slice(0, pIdx).join('/')}`;
    return arm.list(ctx, listUnder(state, scope, `${segs[pIdx + 1]}/${segs[pIdx + 2]}`));
  }
  if (ctx.method === 'GET' && pIdx >= 0 && afterProviders >= 4 && afterProviders % 2 === 0) {
    const parentId = `/${segs.slice(0, -1).join('/')}`;
    const parent = state.get(parentId);
    if (!parent) throw notFound(parentId);
    const childType = `${parent.type}/${segs[segs.length - 1]}`;
    return arm.list(
      ctx,
      listUnder(state, parentId, childType).filter((r) =>
        sameId(normalizePath(r.id).split('/').slice(0, -2).join('/'), parentId),
      ),
    );
  }

  // single resources
  const existing = state.get(path);
  if (ctx.method === 'GET') {
    if (!existing) throw notFound(path);
    return { status: 200, body: existing };
  }
  if (ctx.method === 'DELETE') {
    ctx.write = true;
    if (!existing) return { status: 204 };
    state.delete(path);
    arm.events.raise(ctx, 'Delete', true, existing.id, `${existing.type}/delete`);
    return { status: 200 };
  }
  if (ctx.method === 'PUT' || ctx.method === 'PATCH') {
    ctx.write = true;
    const base = existing ?? {
      id: path,
      name: lastSegment(path),
      type: type
        ? `${segs[pIdx + 1]}/${segs
            .slice(pIdx + 2)
            .filter((_, i) => i % 2 === 0)
            .join('/')}`
        : 'Unknown',
    };
    const updated = (
      ctx.method === 'PATCH'
        ? mergePatch(base, ctx.body)
        : { ...ctx.body, id: base.id, name: base.name, type: base.type }
    ) as Resource;
    updated.id = base.id;
    updated.type = base.type;
    state.put(updated);
    arm.events.raise(ctx, 'Write', true, updated.id, `${updated.type}/write`);
    return { status: existing ? 200 : 201, body: updated };
  }
  throw methodNotAllowed(ctx.method, path);
}

function listUnder(state: EmulatorState, scope: string, type: string): Resource[] {
  return state.ofType(type).filter((r) => isAtOrAbove(scope, r.id) && !sameId(scope, r.id));
}
