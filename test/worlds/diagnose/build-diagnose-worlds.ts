/**
 * Generates the diagnosis variant worlds in this folder from test/worlds/missing-role.json (+ its event):
 * `npx tsx test/worlds/diagnose/build-diagnose-worlds.ts`. The failing revision's provisioningError is recomputed with
 * the emulator's own pull evaluation, so each world is internally consistent. Edit this file, not the JSON.
 *
 * | world                               | expected kind                     | what changes from missing-role                          |
 * |-------------------------------------|-----------------------------------|---------------------------------------------------------|
 * | rg-scope-token-auth-disabled        | acr-pull/arm-token-auth-disabled  | AcrPull at the registry's resource group; policy off    |
 * | subscription-scope-token-auth-disabled | acr-pull/arm-token-auth-disabled | AcrPull at the registry's subscription; policy off    |
 * | sidecar-other-registry              | acr-pull/missing-role (sharedacr) | otel sidecar from sharedacr in a 3rd subscription; the  |
 * |                                     |                                   | same identity holds AcrPull on acmeacr only             |
 * | several-registries                  | acr-pull/missing-role (toolsacr)  | init container from toolsacr pulled by identity web-tools |
 * | system-identity-old-app             | acr-pull/missing-role (system)    | old app pulling with its system identity, no role       |
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from '../../../emulator/api';
import { EmulatorState, type Resource } from '../../../emulator/state';

const DIR = __dirname;
const BASE = join(DIR, '..', 'missing-role');
const SUB = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const SHARED_SUB = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
const THIRD_SUB = '7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f';
const RG = `/subscriptions/${SUB}/resourceGroups/web-rg`;
const SHARED_RG = `/subscriptions/${SHARED_SUB}/resourceGroups/shared-rg`;
const UAI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
const UAI_PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const TOOLS_UAI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-tools`;
const TOOLS_PRINCIPAL = '3b4c5d6e-7f80-4912-a3b4-c5d6e7f80912';
const SYSTEM_PRINCIPAL = '6d5c4b3a-2918-4776-a5b4-c3d2e1f0a9b8';
const REGISTRY_ID = `${SHARED_RG}/providers/Microsoft.ContainerRegistry/registries/acmeacr`;
const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
const OLD = '2025-06-01T09:05:00Z';

type Mutable = Record<string, unknown>;
const obj = (v: unknown): Mutable => v as Mutable;

function load(): { world: World; event: unknown } {
  return { world: JSON.parse(readFileSync(`${BASE}.json`, 'utf8')) as World, event: JSON.parse(readFileSync(`${BASE}.event.json`, 'utf8')) as unknown };
}

function find(world: World, idEnd: string): Resource {
  const r = world.resources.find((x) => x.id.toLowerCase().endsWith(idEnd.toLowerCase()));
  if (!r) throw new Error(`no resource ${idEnd}`);
  return r;
}

function acrPull(scope: string, name: string, principalId: string, createdOn = OLD): Resource {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? '';
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name,
    properties: { roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`, principalId, principalType: 'ServicePrincipal', scope, createdOn, updatedOn: createdOn },
  };
}

function registry(id: string, name: string): Resource {
  const base = JSON.parse(JSON.stringify(find(load().world, '/registries/acmeacr'))) as Mutable;
  const props = obj(base['properties']);
  return { ...base, id, name, properties: { ...props, loginServer: `${name}.azurecr.io` } } as unknown as Resource;
}

function setPolicy(world: World, status: string): void {
  obj(obj(obj(find(world, '/registries/acmeacr')['properties'])['policies'])['azureADAuthenticationAsArmPolicy'])['status'] = status;
}

/** Set the failing revision's (and the app's) template containers. */
function setTemplate(world: World, containers: Mutable[], initContainers: Mutable[] = []): void {
  const app = obj(find(world, '/containerApps/web')['properties']);
  const t = obj(app['template']);
  t['containers'] = containers;
  if (initContainers.length) t['initContainers'] = initContainers;
  const rev = obj(find(world, '/revisions/web--v7')['properties']);
  const rt = obj(rev['template']);
  rt['containers'] = containers;
  if (initContainers.length) rt['initContainers'] = initContainers;
}

function finish(world: World): World {
  const state = new EmulatorState(world);
  for (const r of world.resources) {
    const p = r['properties'] as Mutable | undefined;
    if (r.type !== 'Microsoft.App/containerApps/revisions' || p?.['provisioningState'] !== 'Failed') continue;
    const a = state.get(r.id.replace(/\/revisions\/[^/]+$/, ''));
    if (!a) throw new Error(`no app for ${r.id}`);
    const verdict = state.evaluateTemplate(a, p['template'] as Mutable);
    if (verdict.ok) throw new Error(`world inconsistency: ${r.id} is Failed but the emulator would pull it`);
    p['provisioningError'] = verdict.provisioningError;
  }
  return world;
}

export function buildDiagnoseWorlds(): Record<string, { world: World; event: unknown }> {
  const out: Record<string, { world: World; event: unknown }> = {};

  {
    const { world, event } = load();
    world.resources.push(acrPull(SHARED_RG, 'a1b2c3d4-0000-4000-8000-000000000001', UAI_PRINCIPAL));
    setPolicy(world, 'disabled');
    out['rg-scope-token-auth-disabled'] = { world: finish(world), event };
  }
  {
    const { world, event } = load();
    world.resources.push(acrPull(`/subscriptions/${SHARED_SUB}`, 'a1b2c3d4-0000-4000-8000-000000000002', UAI_PRINCIPAL));
    setPolicy(world, 'disabled');
    out['subscription-scope-token-auth-disabled'] = { world: finish(world), event };
  }
  {
    const { world, event } = load();
    const sharedId = `/subscriptions/${THIRD_SUB}/resourceGroups/platform-rg/providers/Microsoft.ContainerRegistry/registries/sharedacr`;
    world.resources.push(registry(sharedId, 'sharedacr'), acrPull(REGISTRY_ID, 'a1b2c3d4-0000-4000-8000-000000000003', UAI_PRINCIPAL));
    setTemplate(world, [
      { name: 'api', image: 'acmeacr.azurecr.io/api:1.4.2', resources: { cpu: 0.5, memory: '1Gi' } },
      { name: 'otel', image: 'sharedacr.azurecr.io/otel/collector:0.98', resources: { cpu: 0.25, memory: '0.5Gi' } },
    ]);
    obj(obj(find(world, '/containerApps/web')['properties'])['configuration'])['registries'] = [
      { server: 'acmeacr.azurecr.io', identity: UAI_ID },
      { server: 'sharedacr.azurecr.io', identity: UAI_ID },
    ];
    world.images = { ...world.images, 'sharedacr.azurecr.io': ['otel/collector:0.98'] };
    out['sidecar-other-registry'] = { world: finish(world), event };
  }
  {
    const { world, event } = load();
    const toolsId = `${SHARED_RG}/providers/Microsoft.ContainerRegistry/registries/toolsacr`;
    world.resources.push(
      registry(toolsId, 'toolsacr'),
      acrPull(REGISTRY_ID, 'a1b2c3d4-0000-4000-8000-000000000004', UAI_PRINCIPAL),
      { id: TOOLS_UAI_ID, type: 'Microsoft.ManagedIdentity/userAssignedIdentities', name: 'web-tools', location: 'westeurope', tags: {}, properties: { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', principalId: TOOLS_PRINCIPAL, clientId: '4c5d6e7f-8091-4a2b-b3c4-d5e6f7809a1b' } },
    );
    setTemplate(world, [{ name: 'api', image: 'acmeacr.azurecr.io/api:1.4.2', resources: { cpu: 0.5, memory: '1Gi' } }], [{ name: 'migrate', image: 'toolsacr.azurecr.io/db/migrate:7', resources: { cpu: 0.25, memory: '0.5Gi' } }]);
    const a = find(world, '/containerApps/web');
    obj(obj(a['properties'])['configuration'])['registries'] = [
      { server: 'acmeacr.azurecr.io', identity: UAI_ID },
      { server: 'toolsacr.azurecr.io', identity: TOOLS_UAI_ID },
    ];
    obj(obj(a['identity'])['userAssignedIdentities'])[TOOLS_UAI_ID] = { principalId: TOOLS_PRINCIPAL, clientId: '4c5d6e7f-8091-4a2b-b3c4-d5e6f7809a1b' };
    world.images = { ...world.images, 'toolsacr.azurecr.io': ['db/migrate:7'] };
    out['several-registries'] = { world: finish(world), event };
  }
  {
    const { world, event } = load();
    const a = find(world, '/containerApps/web');
    a['identity'] = { type: 'SystemAssigned', principalId: SYSTEM_PRINCIPAL, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' };
    obj(obj(a['properties'])['configuration'])['registries'] = [{ server: 'acmeacr.azurecr.io', identity: 'system' }];
    out['system-identity-old-app'] = { world: finish(world), event };
  }
  return out;
}

if (require.main === module) {
  for (const [name, { world, event }] of Object.entries(buildDiagnoseWorlds())) {
    writeFileSync(join(DIR, `${name}.json`), `${JSON.stringify(world, null, 1)}\n`);
    writeFileSync(join(DIR, `${name}.event.json`), `${JSON.stringify(event, null, 1)}\n`);
  }
}
