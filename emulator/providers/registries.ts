/**
 * Microsoft.ContainerRegistry registries (ContainerRegistryManagementClient): PUT (create, login server derived from
 * the name) and PATCH (properties merged) as long-running operations. Reads are the generic resource reads.
 */
import { notFound } from '../http/context';
import { lastSegment, normalizePath } from '../ids';
import type { Resource } from '../state';
import { mergePatch, obj, str } from '../values';
import { isWriteOf, type Provider } from './provider';

export const registriesProvider: Provider = {
  name: 'Microsoft.ContainerRegistry',
  stage: 'subscription',
  route(ctx, arm) {
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
