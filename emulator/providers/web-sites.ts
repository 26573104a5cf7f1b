/**
 * Microsoft.Web (WebApps_ListHostKeys): `POST {site}/host/default/listkeys` answers a Function app's host keys —
 * `{ masterKey, functionKeys: { default }, systemKeys }` — for a `Microsoft.Web/sites` resource of the world (its GET
 * is the generic provider's). The keys are made when first listed (random, 56 base64url characters like Azure's) and
 * then stay the same for the emulator's life, so a test's local Functions host and an operator's tool see one key.
 */
import { randomBytes } from 'node:crypto';
import { methodNotAllowed, notFound } from '../http/context';
import { keyOf } from '../ids';
import type { EmulatorState } from '../state';
import type { Provider } from './provider';

const LIST_KEYS =
  /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.web\/sites\/[^/]+)\/host\/default\/listkeys$/i;

interface HostKeys {
  masterKey: string;
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

const keysByState = new WeakMap<EmulatorState, Map<string, HostKeys>>();
const newKey = (): string => randomBytes(42).toString('base64url');

export const webSitesProvider: Provider = {
  name: 'Microsoft.Web',
  stage: 'subscription',
  route(ctx, arm) {
    const site = LIST_KEYS.exec(ctx.path)?.[1];
    if (!site) return undefined;
    if (ctx.method !== 'POST') throw methodNotAllowed(ctx.method, ctx.path);
    if (!arm.state.get(site)) throw notFound(site);
    let keys = keysByState.get(arm.state);
    if (!keys) keysByState.set(arm.state, (keys = new Map<string, HostKeys>()));
    let host = keys.get(keyOf(site));
    if (!host) {
      host = { masterKey: newKey(), functionKeys: { default: newKey() }, systemKeys: {} };
      keys.set(keyOf(site), host);
    }
    return { status: 200, body: host };
  },
};
