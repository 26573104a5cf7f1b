/**
 * Start the ARM emulator for a test and get ready-made real SDK clients pointed at it.
 *
 *   const t = await startTestEmulator('test/worlds/seed-story.json');
 *   const app = await t.containerApps.containerApps.get('web-rg', 'web');
 *   ...
 *   await t.stop();
 */
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { MonitorClient } from '@azure/arm-monitor';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { resolve } from 'node:path';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import type { EmulatorOptions, RunningEmulator, World } from '../../emulator/api';

/** A fixed bearer token (the emulator only checks that one is present). */
export const staticCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: 'emulator-test-token',
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

export interface EmulatorClientOptions {
  endpoint: string;
  /** arm-authorization reads `$host` rather than `endpoint`. */
  $host: string;
  tlsOptions: { ca: string };
  retryOptions: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
}

/** Options every @azure/arm-* client accepts to talk to the emulator: endpoint, TLS trust of its CA, fast retries. */
export function clientOptionsFor(emulator: Pick<RunningEmulator, 'endpoint' | 'ca'>): EmulatorClientOptions {
  return {
    endpoint: emulator.endpoint,
    $host: emulator.endpoint,
    tlsOptions: { ca: emulator.ca },
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  };
}

export interface TestEmulator extends RunningEmulator {
  /** The first subscription of the world (what the subscription-scoped clients are bound to). */
  subscriptionId: string;
  containerApps: ContainerAppsAPIClient;
  registries: ContainerRegistryManagementClient;
  authorization: AuthorizationManagementClient;
  msi: ManagedServiceIdentityClient;
  monitor: MonitorClient;
  subscriptions: SubscriptionClient;
  /** Clients bound to another subscription of the world. */
  clientsFor(
    subscriptionId: string,
  ): Pick<TestEmulator, 'containerApps' | 'registries' | 'authorization' | 'msi' | 'monitor'>;
}

export async function startTestEmulator(
  world: World | string,
  opts: Omit<EmulatorOptions, 'world'> & { subscriptionId?: string } = {},
): Promise<TestEmulator> {
  const w = typeof world === 'string' ? loadWorld(resolve(world)) : world;
  const { subscriptionId: subOpt, ...emuOpts } = opts;
  const emulator = await startEmulator({ ...emuOpts, world: w });
  const firstSub =
    subOpt ??
    w.resources.map((r) => /^\/subscriptions\/([^/]+)/i.exec(r.id)?.[1]).find((s) => s !== undefined) ??
    '00000000-0000-0000-0000-000000000000';
  const o = clientOptionsFor(emulator);
  const clientsFor = (
    sub: string,
  ): Pick<TestEmulator, 'containerApps' | 'registries' | 'authorization' | 'msi' | 'monitor'> => ({
    containerApps: new ContainerAppsAPIClient(staticCredential, sub, o),
    registries: new ContainerRegistryManagementClient(staticCredential, sub, o),
    authorization: new AuthorizationManagementClient(staticCredential, sub, o),
    msi: new ManagedServiceIdentityClient(staticCredential, sub, o),
    monitor: new MonitorClient(staticCredential, sub, o),
  });
  return Object.assign(emulator, {
    subscriptionId: firstSub,
    ...clientsFor(firstSub),
    subscriptions: new SubscriptionClient(staticCredential, o),
    clientsFor,
  });
}
