/**
 * ARM's front door for one request: the caller's authorization (with enforceRbac), LRO polls, then the providers —
 * those that answer at any scope first, then, once the subscription and resource group are known to exist, the
 * subscription-scoped ones in list order.
 */
import { PROVIDERS, type Arm } from '../providers';
import type { EmulatorState } from '../state';
import { checkCaller } from './auth';
import { checkPolicy } from './policy-check';
import { HttpError, methodNotAllowed, type Reply, type RequestContext } from './context';

export function route(ctx: RequestContext, arm: Arm, enforceRbac: boolean): Reply {
  if (enforceRbac) checkCaller(ctx, arm.state, arm.events);
  checkPolicy(ctx, arm);
  const poll = arm.lro.poll(ctx);
  if (poll) return poll;
  for (const p of PROVIDERS) {
    if (p.stage !== 'any-scope') continue;
    const reply = p.route(ctx, arm);
    if (reply) return reply;
  }
  checkScopeExists(ctx.path, ctx.method, arm.state);
  for (const p of PROVIDERS) {
    if (p.stage !== 'subscription') continue;
    const reply = p.route(ctx, arm);
    if (reply) return reply;
  }
  throw methodNotAllowed(ctx.method, ctx.path);
}

/** 400 InvalidResourceId outside a subscription; 404 for an unknown subscription or resource group (a PUT below a missing group passes). */
function checkScopeExists(path: string, method: string, state: EmulatorState): void {
  const segs = path.split('/').filter(Boolean);
  const lower = segs.map((s) => s.toLowerCase());
  if (lower[0] !== 'subscriptions' || !segs[1])
    throw new HttpError(400, 'InvalidResourceId', `The resource id '${path}' is not valid.`);
  const sub = segs[1];
  if (!state.subscriptionIds().some((s) => s.toLowerCase() === sub.toLowerCase()))
    throw new HttpError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  if (
    lower[2] === 'resourcegroups' &&
    segs[3] &&
    !state.resourceGroups(sub).some((g) => g.name.toLowerCase() === lower[3]) &&
    !(method === 'PUT' && lower.length > 4)
  )
    throw new HttpError(404, 'ResourceGroupNotFound', `Resource group '${segs[3]}' could not be found.`);
}
