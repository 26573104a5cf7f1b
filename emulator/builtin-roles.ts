/**
 * Built-in role definitions the emulator knows by default (real GUIDs, permissions as Azure publishes them; long
 * notActions lists trimmed to the entries that matter here). A world may override any of them by listing a resource
 * of type Microsoft.Authorization/roleDefinitions with the same GUID.
 */

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface BuiltInRole {
  guid: string;
  roleName: string;
  description: string;
  permissions: Permission[];
}

function perm(
  actions: string[],
  dataActions: string[] = [],
  notActions: string[] = [],
  notDataActions: string[] = [],
): Permission[] {
  return [{ actions, notActions, dataActions, notDataActions }];
}

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    guid: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
    roleName: 'AcrPull',
    description: 'acr pull',
    permissions: perm(['Microsoft.ContainerRegistry/registries/pull/read']),
  },
  {
    guid: '8311e382-0749-4cb8-b61a-304f252e45ec',
    roleName: 'AcrPush',
    description: 'acr push',
    permissions: perm([
      'Microsoft.ContainerRegistry/registries/pull/read',
      'Microsoft.ContainerRegistry/registries/push/write',
    ]),
  },
  {
    guid: 'c2f4ef07-c644-48eb-af81-4b1b4947fb11',
    roleName: 'AcrDelete',
    description: 'acr delete',
    permissions: perm(['Microsoft.ContainerRegistry/registries/artifacts/delete']),
  },
  {
    guid: 'b93aa761-3e63-49ed-ac28-beffa264f7ac',
    roleName: 'Container Registry Repository Reader',
    description:
      'Allows for read access to Azure Container Registry repositories, but excluding catalog listing. This role is optimized for registries with the ABAC repository permissions mode.',
    permissions: perm(
      [],
      [
        'Microsoft.ContainerRegistry/registries/repositories/metadata/read',
        'Microsoft.ContainerRegistry/registries/repositories/content/read',
      ],
    ),
  },
  {
    guid: '2a1e307c-b015-4ebd-883e-5b7698a07328',
    roleName: 'Container Registry Repository Writer',
    description:
      'Allows for read, write, and delete access to Azure Container Registry repositories, but excluding catalog listing. This role is optimized for registries with the ABAC repository permissions mode.',
    permissions: perm(
      [],
      [
        'Microsoft.ContainerRegistry/registries/repositories/metadata/read',
        'Microsoft.ContainerRegistry/registries/repositories/content/read',
        'Microsoft.ContainerRegistry/registries/repositories/metadata/write',
        'Microsoft.ContainerRegistry/registries/repositories/content/write',
      ],
    ),
  },
  {
    guid: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    description: 'View all resources, but does not allow you to make any changes.',
    permissions: perm(['*/read']),
  },
  {
    guid: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    roleName: 'Contributor',
    description:
      'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    permissions: perm(
      ['*'],
      [],
      [
        'Microsoft.Authorization/*/Delete',
        'Microsoft.Authorization/*/Write',
        'Microsoft.Authorization/elevateAccess/Action',
        'Microsoft.Blueprint/blueprintAssignments/write',
        'Microsoft.Blueprint/blueprintAssignments/delete',
        'Microsoft.Compute/galleries/share/action',
        'Microsoft.Purview/consents/write',
        'Microsoft.Purview/consents/delete',
        'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
        'Microsoft.Subscription/cancel/action',
        'Microsoft.Subscription/enable/action',
      ],
    ),
  },
  {
    guid: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    permissions: perm(['*']),
  },
  {
    guid: '18d7d88d-d35e-4fb5-a5c3-7773c4a72b9d',
    roleName: 'User Access Administrator',
    description: 'Lets you manage user access to Azure resources.',
    permissions: perm(['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*']),
  },
  {
    guid: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
    roleName: 'Role Based Access Control Administrator',
    description:
      'Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.',
    permissions: perm([
      'Microsoft.Authorization/roleAssignments/write',
      'Microsoft.Authorization/roleAssignments/delete',
      '*/read',
      'Microsoft.Support/*',
    ]),
  },
  {
    guid: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
    roleName: 'Storage Blob Data Reader',
    description: 'Allows for read access to Azure Storage blob containers and data',
    permissions: perm(
      [
        'Microsoft.Storage/storageAccounts/blobServices/containers/read',
        'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
      ],
      ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'],
    ),
  },
  {
    guid: '4633458b-17de-408a-b874-0445c86b69e6',
    roleName: 'Key Vault Secrets User',
    description:
      "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    permissions: perm(
      [],
      ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
    ),
  },
  {
    guid: '358470bc-b998-42bd-ab17-a7e34c199c0f',
    roleName: 'Container Apps Contributor',
    description: 'Full management of Container Apps, including creation, deletion, and updates.',
    permissions: perm([
      'Microsoft.App/containerApps/*',
      'Microsoft.App/managedEnvironments/read',
      'Microsoft.App/managedEnvironments/join/action',
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
    ]),
  },
  {
    guid: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c',
    roleName: 'Virtual Machine Contributor',
    description:
      'Create and manage virtual machines, manage disks, install and run software, reset password of the root user of the virtual machine using VM extensions, and manage local user accounts using VM extensions.',
    permissions: perm([
      'Microsoft.Authorization/*/read',
      'Microsoft.Compute/availabilitySets/*',
      'Microsoft.Compute/locations/*',
      'Microsoft.Compute/virtualMachines/*',
      'Microsoft.Compute/virtualMachineScaleSets/*',
      'Microsoft.Compute/disks/write',
      'Microsoft.Compute/disks/read',
      'Microsoft.Compute/disks/delete',
      'Microsoft.Network/networkInterfaces/*',
      'Microsoft.Network/virtualNetworks/read',
      'Microsoft.Network/virtualNetworks/subnets/join/action',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Storage/storageAccounts/listKeys/action',
      'Microsoft.Storage/storageAccounts/read',
    ]),
  },
];

export const BUILT_IN_CREATED_ON = '2018-04-18T20:00:00.0000000Z';
