/**
 * A world as big as an enterprise tenant: the given world plus `subscriptions - 1` more subscriptions (whatever the
 * world already has counts), each with a resource group, a registry of its own and a container app pulling from it.
 * Deterministic; used by the Resource Graph tests and the cold-cache benchmark.
 */
import type { World } from '../../emulator/api';

function subscriptionIdOf(i: number): string {
  const h = i.toString(16).padStart(12, '0');
  return `5ab0c0de-0000-4000-8000-${h}`;
}

export function buildTenantWorld(base: World, subscriptions: number): World {
  const existing = new Set(
    base.resources
      .map((r) => /^\/subscriptions\/([^/]+)/i.exec(r.id)?.[1]?.toLowerCase())
      .filter((s): s is string => s !== undefined),
  );
  const extra: World['resources'] = [];
  for (let i = 1; existing.size + i - 1 < subscriptions; i++) {
    const sub = subscriptionIdOf(i);
    const rg = `/subscriptions/${sub}/resourceGroups/team-${i}`;
    extra.push(
      {
        id: `${rg}/providers/Microsoft.ContainerRegistry/registries/teamacr${i}`,
        type: 'Microsoft.ContainerRegistry/registries',
        name: `teamacr${i}`,
        location: 'westeurope',
        sku: { name: 'Standard' },
        properties: { loginServer: `teamacr${i}.azurecr.io`, provisioningState: 'Succeeded', adminUserEnabled: false },
      },
      {
        id: `${rg}/providers/Microsoft.App/containerApps/svc${i}`,
        type: 'Microsoft.App/containerApps',
        name: `svc${i}`,
        location: 'westeurope',
        identity: { type: 'SystemAssigned', principalId: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}` },
        properties: {
          provisioningState: 'Succeeded',
          configuration: { registries: [{ server: `teamacr${i}.azurecr.io`, identity: 'system' }] },
          template: { containers: [{ name: 'svc', image: `teamacr${i}.azurecr.io/svc:1.0.0` }] },
        },
      },
    );
  }
  return { ...base, resources: [...base.resources, ...extra] };
}
