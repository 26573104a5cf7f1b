// One role assignment at resource-group scope (deterministic name: scope + principal + role).
targetScope = 'resourceGroup'

param principalId string
param roleDefinitionGuid string
param assignmentDescription string
@description('ABAC condition; empty for none.')
param condition string = ''
param conditionVersion string = ''

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionGuid)
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
