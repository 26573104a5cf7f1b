// One role assignment on a single container app (deterministic name: app + principal + role).
targetScope = 'resourceGroup'

param containerAppName string
param principalId string
param roleDefinitionGuid string
param assignmentDescription string
@description('ABAC condition; empty for none.')
param condition string = ''
param conditionVersion string = ''

resource containerApp 'Microsoft.App/containerApps@2024-03-01' existing = {
  name: containerAppName
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(containerApp.id, principalId, roleDefinitionGuid)
  scope: containerApp
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
