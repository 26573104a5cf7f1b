/**
 * A private-endpoint set-up for the seed worlds' cast (issue 14), shaped as ARM returns it on GET: the environment
 * `prod-env` integrated in VNet `prod-vnet` (subnet `aca-infra`), a private endpoint `acmeacr-pe` in subnet
 * `private-endpoints` connected to registry `acmeacr` (the registry's `privateEndpointConnections`), and the
 * `privatelink.azurecr.io` private DNS zone with a virtual network link — each part optional, to break the path.
 */
import type { World } from '../../emulator/api';
import type { Resource } from '../../emulator/state';
import { REGISTRY_ID, SUB } from '../worlds/build-worlds';

const RG = `/subscriptions/${SUB}/resourceGroups/web-rg`;
export const ENV_ID = `${RG}/providers/Microsoft.App/managedEnvironments/prod-env`;
export const VNET_ID = `${RG}/providers/Microsoft.Network/virtualNetworks/prod-vnet`;
export const PE_ID = `${RG}/providers/Microsoft.Network/privateEndpoints/acmeacr-pe`;
export const DNS_ZONE_ID = `${RG}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io`;

export interface PrivateLinkSpec {
  /** The registry's connection state (default Approved); `none` = no private endpoint at all. */
  connection?: 'Approved' | 'Pending' | 'Rejected' | 'none';
  /** The privatelink.azurecr.io zone is linked to the environment's VNet (default true). */
  dnsLinked?: boolean;
  /** The environment is integrated in the VNet (default true). */
  environmentInVnet?: boolean;
  /** The registry's public network access (default Disabled, the usual private set-up). */
  publicNetworkAccess?: 'Enabled' | 'Disabled';
}

function environment(inVnet: boolean): Resource {
  return {
    id: ENV_ID,
    type: 'Microsoft.App/managedEnvironments',
    name: 'prod-env',
    location: 'West Europe',
    tags: {},
    properties: {
      provisioningState: 'Succeeded',
      defaultDomain: 'kindwave-1234.westeurope.azurecontainerapps.io',
      staticIp: inVnet ? '10.0.0.62' : '20.105.232.40',
      ...(inVnet
        ? { vnetConfiguration: { internal: true, infrastructureSubnetId: `${VNET_ID}/subnets/aca-infra` } }
        : {}),
      workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }],
      zoneRedundant: false,
    },
  };
}

function vnet(): Resource {
  const subnet = (name: string, prefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name,
    id: `${VNET_ID}/subnets/${name}`,
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: { provisioningState: 'Succeeded', addressPrefix: prefix, ...extra },
  });
  return {
    id: VNET_ID,
    type: 'Microsoft.Network/virtualNetworks',
    name: 'prod-vnet',
    location: 'westeurope',
    properties: {
      provisioningState: 'Succeeded',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [
        subnet('aca-infra', '10.0.0.0/23', {
          delegations: [{ name: 'aca', properties: { serviceName: 'Microsoft.App/environments' } }],
        }),
        subnet('private-endpoints', '10.0.2.0/24', { privateEndpointNetworkPolicies: 'Disabled' }),
      ],
      virtualNetworkPeerings: [],
    },
  };
}

function privateEndpoint(status: string): Resource {
  return {
    id: PE_ID,
    type: 'Microsoft.Network/privateEndpoints',
    name: 'acmeacr-pe',
    location: 'westeurope',
    properties: {
      provisioningState: 'Succeeded',
      subnet: { id: `${VNET_ID}/subnets/private-endpoints` },
      privateLinkServiceConnections: [
        {
          name: 'acmeacr-pe',
          id: `${PE_ID}/privateLinkServiceConnections/acmeacr-pe`,
          properties: {
            provisioningState: 'Succeeded',
            privateLinkServiceId: REGISTRY_ID,
            groupIds: ['registry'],
            privateLinkServiceConnectionState: { status, description: 'Auto-Approved', actionsRequired: 'None' },
          },
        },
      ],
      customDnsConfigs: [
        { fqdn: 'acmeacr.azurecr.io', ipAddresses: ['10.0.2.5'] },
        { fqdn: 'acmeacr.westeurope.data.azurecr.io', ipAddresses: ['10.0.2.4'] },
      ],
    },
  };
}

function dnsZone(linked: boolean): Resource[] {
  const zone: Resource = {
    id: DNS_ZONE_ID,
    type: 'Microsoft.Network/privateDnsZones',
    name: 'privatelink.azurecr.io',
    location: 'global',
    properties: { provisioningState: 'Succeeded', numberOfRecordSets: 3, numberOfVirtualNetworkLinks: linked ? 1 : 0 },
  };
  if (!linked) return [zone];
  return [
    zone,
    {
      id: `${DNS_ZONE_ID}/virtualNetworkLinks/prod-vnet-link`,
      type: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
      name: 'prod-vnet-link',
      location: 'global',
      properties: {
        provisioningState: 'Succeeded',
        registrationEnabled: false,
        virtualNetwork: { id: VNET_ID },
        virtualNetworkLinkState: 'Completed',
      },
    },
  ];
}

/** `world` (a seed world with registry acmeacr) with the private-endpoint set-up `spec` added. */
export function withPrivateLink(world: World, spec: PrivateLinkSpec = {}): World {
  const w = structuredClone(world);
  const connection = spec.connection ?? 'Approved';
  for (const r of w.resources) {
    if (r.id.toLowerCase() !== REGISTRY_ID.toLowerCase()) continue;
    const p = r['properties'] as Record<string, unknown>;
    p['publicNetworkAccess'] = spec.publicNetworkAccess ?? 'Disabled';
    p['privateEndpointConnections'] =
      connection === 'none'
        ? []
        : [
            {
              id: `${REGISTRY_ID}/privateEndpointConnections/acmeacr-pe.0f1e2d3c-4b5a-4968-8776-655443322110`,
              name: 'acmeacr-pe.0f1e2d3c-4b5a-4968-8776-655443322110',
              type: 'Microsoft.ContainerRegistry/registries/privateEndpointConnections',
              properties: {
                provisioningState: 'Succeeded',
                privateEndpoint: { id: PE_ID },
                privateLinkServiceConnectionState: {
                  status: connection,
                  description: 'Auto-Approved',
                  actionsRequired: 'None',
                },
              },
            },
          ];
  }
  w.resources.push(environment(spec.environmentInVnet ?? true), vnet(), ...dnsZone(spec.dnsLinked ?? true));
  if (connection !== 'none') w.resources.push(privateEndpoint(connection));
  return w;
}
