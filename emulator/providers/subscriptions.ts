/** Microsoft.Resources subscriptions (SubscriptionClient): `subscriptions.list`, `subscriptions.get`. */
import { HttpError } from '../http/context';
import type { EmulatorState } from '../state';
import { obj, str } from '../values';
import type { Provider } from './provider';

export const subscriptionsProvider: Provider = {
  name: 'Microsoft.Resources/subscriptions',
  stage: 'any-scope',
  route(ctx, arm) {
    const { state } = arm;
    if (ctx.path === '/subscriptions')
      return arm.list(
        ctx,
        state.subscriptionIds().map((s) => subscriptionBody(state, s)),
      );
    const segs = ctx.path.split('/').filter(Boolean);
    if (segs.length !== 2 || segs[0]?.toLowerCase() !== 'subscriptions') return undefined;
    const sub = state.subscriptionIds().find((s) => s.toLowerCase() === segs[1]?.toLowerCase());
    if (!sub) throw new HttpError(404, 'SubscriptionNotFound', `The subscription '${segs[1]}' could not be found.`);
    return { status: 200, body: subscriptionBody(state, sub) };
  },
};

function subscriptionBody(state: EmulatorState, id: string): Record<string, unknown> {
  const custom = state.get(`/subscriptions/${id}`);
  return {
    id: `/subscriptions/${id}`,
    subscriptionId: id,
    tenantId: state.tenantId,
    displayName:
      str(obj(custom?.properties)['displayName']) ?? str(custom?.['displayName']) ?? `Subscription ${id.slice(0, 8)}`,
    state: 'Enabled',
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'PayAsYouGo_2014-09-01',
      spendingLimit: 'Off',
    },
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    tags: {},
  };
}
