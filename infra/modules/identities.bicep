// The two user-assigned identities:
// - remediator: runs the function app (host storage, Key Vault references, Application Insights) and does the
//   remediator's ARM reads/writes (AZURE_CLIENT_ID). Its ARM roles are granted in main.bicep.
// - event grid: used by the Event Grid system topic only to write dead-lettered events to one blob container.
//   Kept separate so Event Grid never acts with the remediator's ARM permissions.

param location string
param tags object
param resourceToken string

resource remediatorIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-remediator-${resourceToken}'
  location: location
  tags: tags
}

resource eventGridIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-eventgrid-${resourceToken}'
  location: location
  tags: tags
}

output remediatorIdentityName string = remediatorIdentity.name
output remediatorIdentityId string = remediatorIdentity.id
output remediatorClientId string = remediatorIdentity.properties.clientId
output remediatorPrincipalId string = remediatorIdentity.properties.principalId
output eventGridIdentityName string = eventGridIdentity.name
output eventGridIdentityId string = eventGridIdentity.id
output eventGridPrincipalId string = eventGridIdentity.properties.principalId
