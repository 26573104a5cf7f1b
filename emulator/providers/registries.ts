/**
 * Microsoft.ContainerRegistry registries (ContainerRegistryManagementClient): PUT (create, login server derived from
 * the name) and PATCH (properties merged) as long-running operations; GET of `privateEndpointConnections` (list and
 * one) from the registry's own `properties.privateEndpointConnections`, as ARM serves them. Other reads are the
 * generic resource reads.
 */
import { notFound, type Reply, type RequestContext } from '../http/context';
import { lastSegment, normalizePath, sameId, splitAtProviders } from '../ids';
import type { Resource } from '../state';
import { asArray, mergePatch, obj, str } from '../values';
import { isWriteOf, type Arm, type Provider } from './provider';

export const registriesProvider: Provider = {
  name: 'Microsoft.ContainerRegistry',
  stage: 'subscription',
  route(ctx, arm) {
    const connections = readConnections(ctx, arm);
    if (connections) return connections;
    if (!isWriteOf(ctx, 'microsoft.containerregistry/registries')) return undefined;
    const { state } = arm;
    const id = ctx.path;
    ctx.write = true;
    const existing = state.get(id);
    if (ctx.method === 'PATCH') {
      if (!existing) throw notFound(id);
      const { properties: bodyProps, ...rest } = ctx.body;
      const merged = mergePatch(existing, rest) as Resource;
      merged.properties = mergePatch(obj(existing.properties), obj(bodyProps));
      merged.id = existing.id;
      merged.type = existing.type;
      state.put(merged);
      arm.events.raise(ctx, 'Write', true, existing.id, 'Microsoft.ContainerRegistry/registries/write');
      return arm.lro.start(ctx, existing.id, undefined, { status: 202 });
    }
    const created: Resource = {
      ...ctx.body,
      id: existing?.id ?? normalizePath(id),
      name: lastSegment(id),
      type: 'Microsoft.ContainerRegistry/registries',
    };
    created.properties = {
      provisioningState: 'Succeeded',
      ...obj(created.properties),
      loginServer: str(obj(created.properties)['loginServer']) ?? `${lastSegment(id).toLowerCase()}.azurecr.io`,
    };
    state.put(created);
    arm.events.raise(ctx, 'Write', true, created.id, 'Microsoft.ContainerRegistry/registries/write');
    return arm.lro.start(ctx, created.id, undefined, { status: existing ? 200 : 201, body: created });
  },
};

/** GET …/registries/{r}/privateEndpointConnections[/{name}]: the registry's connections (404 when absent). */
function readConnections(ctx: RequestContext, arm: Arm): Reply | undefined {
  const { segs, pIdx, afterProviders, type } = splitAtProviders(ctx.path);
  if (ctx.method !== 'GET' || type !== 'microsoft.containerregistry/registries') return undefined;
  if (afterProviders < 4 || afterProviders > 5 || segs[pIdx + 4]?.toLowerCase() !== 'privateendpointconnections')
    return undefined;
  const registryId = `/${segs.slice(0, pIdx + 4).join('/')}`;
  const registry = arm.state.get(registryId);
  if (!registry) throw notFound(registryId);
  const all = asArray(obj(registry.properties)['privateEndpointConnections']).map(obj);
  if (afterProviders === 4) return arm.list(ctx, all);
  const one = all.find(
    (c) => sameId(str(c['id']), ctx.path) || str(c['name'])?.toLowerCase() === segs[pIdx + 5]?.toLowerCase(),
  );
  if (!one) throw notFound(ctx.path);
  return { status: 200, body: one };
}
