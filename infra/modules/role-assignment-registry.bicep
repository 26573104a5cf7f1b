// One role assignment on a single container registry (deterministic name: registry + principal + role).
targetScope = 'resourceGroup'

param registryName string
param principalId string
param roleDefinitionGuid string
param assignmentDescription string
@description('ABAC condition; empty for none.')
param condition string = ''
param conditionVersion string = ''

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, principalId, roleDefinitionGuid)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: assignmentDescription
    condition: empty(condition) ? null : condition
    conditionVersion: empty(condition) ? null : conditionVersion
  }
}

output roleAssignmentId string = assignment.id
