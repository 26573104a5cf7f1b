/**
 * The resource providers the emulator serves, asked in this order (within each stage, see provider.ts). A new provider
 * is one module exporting a `Provider` and one line here — before `resourcesProvider`, which answers everything.
 */
import { activityLogProvider } from './activity-log';
import { authorizationProvider } from './authorization';
import { containerAppsProvider } from './container-apps';
import { jobsProvider } from './jobs';
import { eventGridProvider } from './event-grid';
import { managementGroupsProvider } from './management-groups';
import { policyProvider } from './policy';
import type { Provider } from './provider';
import { registriesProvider } from './registries';
import { resourceGraphProvider } from './resource-graph';
import { resourcesProvider } from './resources';
import { subscriptionsProvider } from './subscriptions';
import { webSitesProvider } from './web-sites';

export const PROVIDERS: readonly Provider[] = [
  subscriptionsProvider,
  authorizationProvider,
  policyProvider,
  managementGroupsProvider,
  activityLogProvider,
  resourceGraphProvider,
  containerAppsProvider,
  jobsProvider,
  registriesProvider,
  eventGridProvider,
  webSitesProvider,
  resourcesProvider,
];

export type { Arm, Provider, ProviderStage } from './provider';
