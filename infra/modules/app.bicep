// The remediator's own resources, all in one resource group:
// storage (host + deployment package + claims/audit tables + heal-check queue + dead-letter container),
// Log Analytics + Application Insights, Key Vault (RBAC mode) with the webhook URLs, the Flex Consumption plan and
// function app (Node 22), its app settings, the data-plane roles of its identity on these resources, and the
// Event Grid system topic for the subscription's ARM events (the event subscription itself is in event-wiring.bicep).

param location string
param tags object
param resourceToken string
param storageAccountName string
param keyVaultName string
param functionAppName string
param systemTopicName string
param remediatorIdentityName string
param eventGridIdentityName string

@description('Every app setting of src/config.ts SETTINGS, built in main.bicep.')
param remediatorAppSettings object

param claimsTableName string
param auditTableName string
param healQueueName string
param teamsSecretName string
param slackSecretName string
@secure()
param teamsWebhookUrl string
@secure()
param slackWebhookUrl string
param approvalKeySecretName string
@secure()
param approvalSigningKey string
param slackSigningSecretName string
@secure()
param slackSigningSecret string
@description('Entra app registration of the approval page sign-in; empty: no App Service authentication.')
param approvalAuthClientId string
param maximumInstanceCount int
param instanceMemoryMB int

var rbac = loadJsonContent('../rbac.json')
var deploymentContainerName = 'deployment-package'
var deadLetterContainerName = 'eventgrid-deadletter'

resource remediatorIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: remediatorIdentityName
}

resource eventGridIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: eventGridIdentityName
}

// ───────────────────────────── storage ─────────────────────────────

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only: no connection strings, no account keys
    defaultToOAuthAuthentication: true
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource claimsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: claimsTableName
}

resource auditTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: auditTableName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource healQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: healQueueName
}

// ───────────────────────────── monitoring ─────────────────────────────

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true // telemetry only with Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
  }
}

// ───────────────────────────── Key Vault (RBAC mode) with the webhook URLs ─────────────────────────────

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource teamsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: keyVault
  name: teamsSecretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'Teams Workflows webhook URL (acr-remediator TEAMS_WEBHOOK_URL)'
  }
}

resource slackSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(slackWebhookUrl)) {
  parent: keyVault
  name: slackSecretName
  properties: {
    value: slackWebhookUrl
    contentType: 'Slack incoming webhook URL (acr-remediator SLACK_WEBHOOK_URL)'
  }
}

resource approvalKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(approvalSigningKey)) {
  parent: keyVault
  name: approvalKeySecretName
  properties: {
    value: approvalSigningKey
    contentType: 'HMAC key signing approval links (acr-remediator REMEDIATOR_APPROVAL_SIGNING_KEY)'
  }
}

resource slackSigningSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(slackSigningSecret)) {
  parent: keyVault
  name: slackSigningSecretName
  properties: {
    value: slackSigningSecret
    contentType: 'Slack app signing secret (acr-remediator SLACK_SIGNING_SECRET)'
  }
}

// ───────────────────────────── Flex Consumption plan and function app ─────────────────────────────

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'remediator' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${remediatorIdentity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: remediatorIdentity.id // resolve @Microsoft.KeyVault(...) settings with this identity
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: remediatorIdentity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
  dependsOn: [
    deploymentContainer
  ]
}

// Platform settings (documented in app-settings.json platformSettings). FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE are not allowed on Flex Consumption.
var platformAppSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: remediatorIdentity.properties.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${remediatorIdentity.properties.clientId};Authorization=AAD'
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(platformAppSettings, remediatorAppSettings)
  dependsOn: [
    claimsTable
    auditTable
    healQueue
    teamsSecret
    slackSecret
    secretsUserOnTeamsSecret
    secretsUserOnSlackSecret
    approvalKeySecret
    slackSigningSecretValue
    secretsUserOnApprovalKey
    secretsUserOnSlackSigningSecret
  ]
}

// Approve mode: the approval page sits behind App Service authentication (Entra ID). Easy Auth strips any
// client-sent X-MS-CLIENT-PRINCIPAL and sets its own; the page checks it against REMEDIATOR_APPROVERS. The event
// doors keep their function keys, and Slack's interactivity route checks Slack's signature instead.
// The app registration needs ID tokens enabled (no client secret: implicit sign-in), the redirect URI
// https://<host>/.auth/login/aad/callback, and groupMembershipClaims when approvers are groups.
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(approvalAuthClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: [
        '/api/eventgrid'
        '/api/alerts/activity-log'
        '/api/approval/slack'
        '/runtime/webhooks/eventgrid'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          clientId: approvalAuthClientId
        }
        validation: {
          allowedAudiences: [
            approvalAuthClientId
            'api://${approvalAuthClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// ───────────────────────────── data-plane roles of the remediator identity (its own resources only) ─────────────────────────────

// Functions host storage (leases, keys, deployment package) needs Blob Data Owner.
resource blobOwnerOnStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, remediatorIdentity.id, rbac.builtInRoles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.storageBlobDataOwner)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

// Heal-check queue: send (executor), receive/delete (queue trigger).
resource queueContributorOnStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, remediatorIdentity.id, rbac.builtInRoles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.storageQueueDataContributor)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

// Claims and audit tables.
resource tableContributorOnStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, remediatorIdentity.id, rbac.builtInRoles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.storageTableDataContributor)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

// Telemetry with Entra ID auth (local auth disabled on the component).
resource metricsPublisherOnAppInsights 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, remediatorIdentity.id, rbac.builtInRoles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.monitoringMetricsPublisher)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

// Key Vault references: read exactly the two secrets, nothing else in the vault.
resource secretsUserOnTeamsSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(teamsWebhookUrl)) {
  name: guid(keyVault.id, teamsSecretName, remediatorIdentity.id, rbac.builtInRoles.keyVaultSecretsUser)
  scope: teamsSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.keyVaultSecretsUser)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

resource secretsUserOnApprovalKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(approvalSigningKey)) {
  name: guid(keyVault.id, approvalKeySecretName, remediatorIdentity.id, rbac.builtInRoles.keyVaultSecretsUser)
  scope: approvalKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.keyVaultSecretsUser)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

resource secretsUserOnSlackSigningSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(slackSigningSecret)) {
  name: guid(keyVault.id, slackSigningSecretName, remediatorIdentity.id, rbac.builtInRoles.keyVaultSecretsUser)
  scope: slackSigningSecretValue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.keyVaultSecretsUser)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

resource secretsUserOnSlackSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(slackWebhookUrl)) {
  name: guid(keyVault.id, slackSecretName, remediatorIdentity.id, rbac.builtInRoles.keyVaultSecretsUser)
  scope: slackSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.keyVaultSecretsUser)
    principalId: remediatorIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

// ───────────────────────────── Event Grid: system topic for this subscription's ARM events ─────────────────────────────

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: 'global'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${eventGridIdentity.id}': {}
    }
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

// The Event Grid identity may only write dead-lettered events into its one container.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, eventGridIdentity.id, rbac.builtInRoles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.storageBlobDataContributor)
    principalId: eventGridIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: rbac.assignmentDescription
  }
}

output functionAppId string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
output deadLetterContainerName string = deadLetterContainer.name
output systemTopicId string = systemTopic.id
output storageAccountId string = storage.id
output appInsightsName string = appInsights.name
