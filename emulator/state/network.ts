/**
 * The network path from a Container Apps environment to a registry, as Azure Private Link decides it: the registry's
 * `privateEndpointConnections` (approved or not), the private endpoint's subnet, the environment's virtual network
 * (`vnetConfiguration.infrastructureSubnetId`), and the `privatelink.<acr suffix>` private DNS zone linked to that
 * network (`privateDnsZones/virtualNetworkLinks`). Shapes as ARM returns them (Microsoft.ContainerRegistry,
 * Microsoft.Network, Microsoft.App public REST specs).
 */
import { sameId } from '../ids';
import { asArray, obj, str } from '../values';
import type { Resource, ResourceStore } from './store';

const T_DNS_LINK = 'microsoft.network/privatednszones/virtualnetworklinks';

/**
 * - `private`: the login server resolves to an approved private endpoint in the environment's network (reached,
 *   whatever the registry's public network settings say);
 * - `public`: it resolves to the registry's public address (the registry's public network rules decide);
 * - `unreachable`: it resolves privately but nothing answers there (the error is the one the pull reports).
 */
export type RegistryPath =
  { via: 'private'; endpointId: string } | { via: 'public' } | { via: 'unreachable'; error: string };

/** The virtual network a subnet id belongs to (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`). */
export function vnetOfSubnet(subnetId: string | undefined): string | undefined {
  const i = subnetId?.toLowerCase().indexOf('/subnets/') ?? -1;
  return subnetId && i > 0 ? subnetId.slice(0, i) : undefined;
}

/** The environment's virtual network, when the environment is in the world and VNet-integrated. */
export function environmentVnet(store: ResourceStore, environmentId: string | undefined): string | undefined {
  const env = environmentId ? store.get(environmentId) : undefined;
  return vnetOfSubnet(str(obj(obj(env?.properties)['vnetConfiguration'])['infrastructureSubnetId']));
}

/** Whether a private DNS zone named `zone` is linked to `vnetId`. */
function dnsZoneLinked(store: ResourceStore, zone: string, vnetId: string): boolean {
  const marker = `/privatednszones/${zone.toLowerCase()}/virtualnetworklinks/`;
  return store
    .ofType(T_DNS_LINK)
    .some(
      (l) => l.id.toLowerCase().includes(marker) && sameId(str(obj(obj(l.properties)['virtualNetwork'])['id']), vnetId),
    );
}

/** The private endpoints of `registry`, each with its connection status and the network its subnet is in. */
function privateEndpointsOf(
  store: ResourceStore,
  registry: Resource,
): Array<{ id: string; status: string; vnet?: string; ip: string }> {
  return asArray(obj(registry.properties)['privateEndpointConnections']).flatMap((c) => {
    const p = obj(obj(c)['properties']);
    const id = str(obj(p['privateEndpoint'])['id']);
    if (!id) return [];
    const pe = obj(store.get(id)?.properties);
    const ip =
      str(asArray(obj(asArray(pe['customDnsConfigs'])[0])['ipAddresses'])[0]) ??
      str(obj(obj(asArray(pe['ipConfigurations'])[0])['properties'])['privateIPAddress']) ??
      '10.0.2.4';
    const vnet = vnetOfSubnet(str(obj(pe['subnet'])['id']));
    const status = str(obj(p['privateLinkServiceConnectionState'])['status']) ?? 'Pending';
    return [{ id, status, ip, ...(vnet ? { vnet } : {}) }];
  });
}

/** How a pull from `environmentId` reaches `registry` at `server`. */
export function registryPath(
  store: ResourceStore,
  registry: Resource,
  server: string,
  environmentId: string | undefined,
): RegistryPath {
  const vnet = environmentVnet(store, environmentId);
  const suffix = server.slice(server.indexOf('.') + 1);
  if (!vnet || !dnsZoneLinked(store, `privatelink.${suffix}`, vnet)) return { via: 'public' };
  const inNetwork = privateEndpointsOf(store, registry).filter((e) => e.vnet && sameId(e.vnet, vnet));
  const approved = inNetwork.find((e) => e.status.toLowerCase() === 'approved');
  if (approved) return { via: 'private', endpointId: approved.id };
  const pending = inNetwork[0];
  if (pending)
    return { via: 'unreachable', error: `Get "https://${server}/v2/": dial tcp ${pending.ip}:443: i/o timeout` };
  // The zone answers for privatelink.<suffix> inside this network, but holds no record for this registry.
  return {
    via: 'unreachable',
    error: `Get "https://${server}/v2/": dial tcp: lookup ${server} on 168.63.129.16:53: no such host`,
  };
}
