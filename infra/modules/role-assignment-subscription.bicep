// One role assignment at subscription scope. The name is deterministic (scope + principal + role), so
// re-deploying is idempotent.
targetScope = 'subscription'

param principalId string
param roleDefinitionGuid string
param assignmentDescription string
@description('ABAC condition; empty for none.')
param condition string = ''
param conditionVersion string = ''

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roleDefinitionGuid)
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
