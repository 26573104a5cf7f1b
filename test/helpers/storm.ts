/**
 * A generated "storm" world: N container apps in one resource group, each with a failed revision that cannot pull
 * from ONE registry, their registry identities spread over a few shared user-assigned identities, none of which holds
 * AcrPull. Plus the Event Grid failure events ARM would raise for them (several per app, distinct ids).
 *
 *   const world = buildStormWorld({ apps: 40, identities: 2 });
 *   const events = buildStormEvents(world, 2000);
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from '../../emulator/api';

export const STORM_SUBSCRIPTION = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
export const STORM_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const RG = `/subscriptions/${STORM_SUBSCRIPTION}/resourceGroups`;
export const STORM_REGISTRY_ID = `${RG}/shared-rg/providers/Microsoft.ContainerRegistry/registries/stormacr`;
export const STORM_LOGIN_SERVER = 'stormacr.azurecr.io';

export interface StormWorld {
  world: World;
  appIds: string[];
  identityIds: string[];
  /** principalId of each identity, same order as identityIds. */
  principalIds: string[];
}

/** A stable GUID-shaped string from two numbers (no randomness: runs are comparable). */
function guidOf(a: number, b: number): string {
  const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0').slice(-len);
  return `${hex(a, 8)}-${hex(b, 4)}-4${hex(a + b, 3)}-8${hex(b, 3)}-${hex(a * 7919 + b, 12)}`;
}

export function buildStormWorld(opts: { apps: number; identities: number }): StormWorld {
  const identityIds: string[] = [];
  const principalIds: string[] = [];
  const resources: World['resources'] = [];
  for (let i = 0; i < opts.identities; i++) {
    const id = `${RG}/apps-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull-${i}`;
    const principalId = guidOf(0xa0000 + i, 1);
    identityIds.push(id);
    principalIds.push(principalId);
    resources.push({
      id,
      type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
      name: `pull-${i}`,
      location: 'westeurope',
      properties: { tenantId: STORM_TENANT, principalId, clientId: guidOf(0xc0000 + i, 2) },
    });
  }
  resources.push({
    id: STORM_REGISTRY_ID,
    type: 'Microsoft.ContainerRegistry/registries',
    name: 'stormacr',
    location: 'westeurope',
    tags: {},
    sku: { name: 'Premium', tier: 'Premium' },
    properties: {
      loginServer: STORM_LOGIN_SERVER,
      provisioningState: 'Succeeded',
      adminUserEnabled: false,
      publicNetworkAccess: 'Enabled',
      networkRuleSet: { defaultAction: 'Allow', ipRules: [] },
      roleAssignmentMode: 'LegacyRegistryPermissions',
      anonymousPullEnabled: false,
      policies: { azureADAuthenticationAsArmPolicy: { status: 'enabled' } },
    },
  });
  const appIds: string[] = [];
  const perIdentity = Math.ceil(opts.apps / opts.identities);
  for (let a = 0; a < opts.apps; a++) {
    const name = `app-${String(a).padStart(2, '0')}`;
    const id = `${RG}/apps-rg/providers/Microsoft.App/containerApps/${name}`;
    const k = Math.min(opts.identities - 1, Math.floor(a / perIdentity));
    const identityId = identityIds[k] as string;
    const image = `${STORM_LOGIN_SERVER}/${name}:latest`;
    appIds.push(id);
    resources.push({
      id,
      type: 'Microsoft.App/containerApps',
      name,
      location: 'West Europe',
      tags: {},
      identity: {
        type: 'UserAssigned',
        userAssignedIdentities: {
          [identityId]: { principalId: principalIds[k] as string, clientId: guidOf(0xc0000 + k, 2) },
        },
      },
      properties: {
        provisioningState: 'Failed',
        latestRevisionName: `${name}--v2`,
        latestReadyRevisionName: `${name}--v1`,
        configuration: {
          activeRevisionsMode: 'Single',
          registries: [{ server: STORM_LOGIN_SERVER, identity: identityId }],
        },
        template: { revisionSuffix: 'v2', containers: [{ name: 'main', image }] },
      },
    });
    resources.push({
      id: `${id}/revisions/${name}--v2`,
      type: 'Microsoft.App/containerApps/revisions',
      name: `${name}--v2`,
      properties: {
        createdTime: '2026-11-21T09:58:45Z',
        template: { containers: [{ name: 'main', image }] },
        active: false,
        healthState: 'Unhealthy',
        provisioningState: 'Failed',
        runningState: 'Failed',
        provisioningError: `Failed to provision revision for container app '${name}'. Error details: The following field(s) are either invalid or missing. Field 'template.containers.main.image' is invalid with details: 'Invalid value: "${image}": GET https:?scope=repository%3A${name}%3Apull&service=${STORM_LOGIN_SERVER}: UNAUTHORIZED: authentication required, visit https://aka.ms/acr/authorization for more information.';..`,
      },
    });
  }
  const images: Record<string, string[]> = {
    [STORM_LOGIN_SERVER]: Array.from({ length: opts.apps }, (_, a) => `app-${String(a).padStart(2, '0')}:latest`),
  };
  return { world: { now: '2026-11-21T10:00:00Z', resources, images }, appIds, identityIds, principalIds };
}

/** The seed story's failure event (EventGridSchema), as a template. */
export function readSeedEvent(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', 'worlds', 'seed-story.event.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** A ResourceWriteFailure event for `appId`, built from the seed event with a new id and correlation id. */
export function failureEventFor(appId: string, id: string, template = readSeedEvent()): Record<string, unknown> {
  const data = structuredClone(template['data']) as Record<string, unknown>;
  const auth = data['authorization'] as Record<string, unknown>;
  auth['scope'] = appId;
  data['resourceUri'] = appId;
  data['correlationId'] = guidOf(id.length * 131 + hashOf(id), 7);
  data['subscriptionId'] = STORM_SUBSCRIPTION;
  (data['httpRequest'] as Record<string, unknown>)['url'] =
    `https://management.azure.com${appId}?api-version=2025-07-01`;
  return { ...template, id, topic: `/subscriptions/${STORM_SUBSCRIPTION}`, subject: appId, data };
}

/** The same event as a success (the intake ignores it). */
export function successEventFor(appId: string, id: string, template = readSeedEvent()): Record<string, unknown> {
  const e = failureEventFor(appId, id, template);
  const data = e['data'] as Record<string, unknown>;
  data['status'] = 'Succeeded';
  return { ...e, eventType: 'Microsoft.Resources.ResourceWriteSuccess' };
}

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}

/** `count` failure events round-robin over the apps (distinct ids). */
export function buildStormEvents(storm: StormWorld, count: number): Array<Record<string, unknown>> {
  const template = readSeedEvent();
  return Array.from({ length: count }, (_, i) =>
    failureEventFor(storm.appIds[i % storm.appIds.length] as string, `storm-${i}`, template),
  );
}
