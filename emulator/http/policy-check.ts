/**
 * Azure Policy at ARM's front door: a PUT or PATCH of a resource that a deny policy covers is refused with 403
 * `RequestDisallowedByPolicy` (ARM's error shape, see state/policy.ts) and a Failed Activity Log entry
 * (`statusCode: Forbidden`, the error as `statusMessage`). Extension resources (role assignments…) are not evaluated.
 */
import { lastSegment, resourceTypeOf, splitAtProviders } from '../ids';
import type { Arm } from '../providers';
import { obj } from '../values';
import { HttpError, type RequestContext } from './context';

type Bag = Record<string, unknown>;

function merge(base: Bag, patch: Bag): Bag {
  const out: Bag = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] =
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      typeof b === 'object' &&
      b !== null &&
      !Array.isArray(b)
        ? merge(b as Bag, v as Bag)
        : v;
  }
  return out;
}

export function checkPolicy(ctx: RequestContext, arm: Arm): void {
  if (ctx.method !== 'PUT' && ctx.method !== 'PATCH') return;
  const { pIdx, afterProviders, type } = splitAtProviders(ctx.path);
  if (pIdx < 0 || afterProviders < 3 || afterProviders % 2 === 0 || type.startsWith('microsoft.authorization/')) return;
  const existing = arm.state.get(ctx.path);
  const written: Bag = ctx.method === 'PATCH' && existing ? merge(existing, ctx.body) : { ...ctx.body };
  const candidate = {
    ...written,
    id: ctx.path,
    type: resourceTypeOf(ctx.path),
    name: lastSegment(ctx.path),
    properties: obj(written['properties']),
  };
  const refusal = arm.state.policy.evaluateWrite(candidate);
  if (!refusal) return;
  ctx.write = true;
  const { code, message, ...extra } = refusal;
  arm.events.recordActivity(
    ctx,
    ctx.path,
    `${resourceTypeOf(ctx.path)}/write`,
    false,
    { code, message, ...extra },
    'Forbidden',
  );
  throw new HttpError(403, code, message, extra);
}
