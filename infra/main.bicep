// acr-remediator: everything from a fresh subscription to a running, least-privilege remediator.
//
//   azd up                                   (azure.yaml; two provisioning passes, see infra/README.md)
//   az deployment sub create -l <region> -f infra/main.bicep -p environmentName=<name> [...]
//
// Machine-readable facts live next to this file and are loaded with loadJsonContent():
//   rbac.json               role ids, the ABAC condition, custom role actions
//   app-settings.json       how every app setting (src/config.ts SETTINGS) is set
//   event-filter.json       Event Grid event types / operations (= src/intake/relevance.ts) and function names
//   activity-log-alert.json the Activity Log alert condition
// test/infra/*.test.ts holds these, this template and the TypeScript code together.

targetScope = 'subscription'

// ───────────────────────────── deployment ─────────────────────────────

@minLength(1)
@maxLength(40)
@description('Name of the environment (azd: AZURE_ENV_NAME). Used in resource names and tags.')
param environmentName string

@minLength(1)
@description('Azure region of the resource group and its resources (azd: AZURE_LOCATION).')
param location string

@description('Resource group to create for the remediator. Default: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Tags added to every resource.')
param tags object = {}

@description('Deploy the Event Grid subscription (and the optional Activity Log alert). Both need the function code to be deployed first (ARM checks the target functions exist), so azd provisions once with false, deploys the code, then provisions again with true (postdeploy hook).')
param deployEventWiring bool = false

@description('Also create an Activity Log alert (Administrative, Failed, Forbidden) whose action group posts the common alert schema to the activityLogAlert function. Only with deployEventWiring.')
param enableActivityLogAlert bool = true

@minValue(1)
@maxValue(30)
@description('Event Grid retry policy: delivery attempts before an event is dead-lettered.')
param maxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
@description('Event Grid retry policy: minutes an event is retried before it is dead-lettered.')
param eventTimeToLiveInMinutes int = 1440

@minValue(1)
@maxValue(1000)
@description('Flex Consumption: most instances the app scales out to.')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
@description('Flex Consumption: memory per instance (MB).')
param instanceMemoryMB int = 2048

// ───────────────────────────── where the remediator may read and write ─────────────────────────────
// ARM ids without a trailing slash. Empty = this subscription. Each entry may be a subscription
// (/subscriptions/<id>), a resource group (/subscriptions/<id>/resourceGroups/<rg>) or, where noted, a single resource.

@description('Scopes where the remediator identity gets Reader (container apps, revisions, registries, role assignments, deny assignments, Activity Log). Subscriptions or resource groups.')
param readScopes array = []

@description('Scopes where the remediator may assign/remove ONLY AcrPull and Container Registry Repository Reader (Role Based Access Control Administrator with an ABAC condition). Subscriptions, resource groups or registry ids.')
param registryScopes array = []

@description('Scopes where the remediator may start new revisions of container apps (custom role). Subscriptions, resource groups or container app ids.')
param containerAppScopes array = []

@description('Grant the custom role that allows PATCHing registries (only to enable authentication-as-arm) at registryScopes. Off by default: that fix loosens a registry security setting. Also add enable-arm-token-auth to allowedFixTypes to let the remediator use it.')
param enableArmTokenAuthFix bool = false

// ───────────────────────────── app settings (src/config.ts SETTINGS; defaults identical) ─────────────────────────────

@allowed(['dry-run', 'auto-fix', 'approve'])
@description('REMEDIATOR_MODE: dry-run writes nothing and reports fixes as planned; auto-fix applies allowed fixes; approve writes them once a person approves from the Teams/Slack message.')
param remediatorMode string = 'dry-run'

@description('REMEDIATOR_ALLOWED_FIX_TYPES: comma-separated fix types that may be applied (assign-role, redeploy-revision, enable-arm-token-auth) or none.')
param allowedFixTypes string = 'assign-role,redeploy-revision'

@description('REMEDIATOR_ALLOWED_SCOPES: comma-separated ARM scopes where fixes may be written. Empty: everything the identity can read.')
param allowedScopes string = ''

@minValue(0)
@description('REMEDIATOR_FIX_BUDGET_PER_HOUR: most fixes (writes) per clock hour (UTC) across all instances.')
param fixBudgetPerHour int = 20

@description('REMEDIATOR_OPT_OUT_TAG: a tag that, set to true on a container app or registry, blocks every fix touching it.')
param optOutTag string = 'remediator:disable'

@minValue(0)
@description('REMEDIATOR_PROPAGATION_WINDOW_MINUTES: a matching role assignment younger than this is treated as still propagating.')
param propagationWindowMinutes int = 10

@minValue(0)
@description('REMEDIATOR_ACTIVITY_LOG_WAIT_MINUTES: how long after an Event Grid failure event its Activity Log entry is still waited for (Event Grid retries meanwhile).')
param activityLogWaitMinutes int = 15

@minValue(0)
@description('REMEDIATOR_HEAL_CHECK_DELAY_SECONDS: delay before the first check that a redeployed revision runs.')
param healCheckDelaySeconds int = 60

@minValue(1)
@description('REMEDIATOR_HEAL_CHECK_ATTEMPTS: how many times the heal check looks before reporting still-failing.')
param healCheckAttempts int = 5

@allowed(['adaptive', 'fixed-window'])
@description('REMEDIATOR_HEAL_SCHEDULE: after a role grant, adaptive redeploy attempts on a backoff, or the fixed propagation window.')
param healSchedule string = 'adaptive'

@minValue(30)
@description('REMEDIATOR_HEAL_BACKOFF_MAX_SECONDS: adaptive schedule, the longest wait between two redeploy attempts.')
param healBackoffMaxSeconds int = 480

@minValue(1)
@description('REMEDIATOR_HEAL_MAX_ATTEMPTS: adaptive schedule, redeploy attempts after a grant before reporting still-failing.')
param healMaxAttempts int = 6

@minValue(1024)
@description('REMEDIATOR_MAX_PAYLOAD_BYTES: HTTP deliveries larger than this are rejected with 413.')
param maxPayloadBytes int = 1048576

@minValue(1)
@maxValue(600)
@description('REMEDIATOR_INVOCATION_DEADLINE_SECONDS: ARM attempts, retries and the notification of one delivery fit in this.')
param invocationDeadlineSeconds int = 25

@minValue(0)
@description('REMEDIATOR_FIX_RETRY_AFTER_MINUTES: a permanently failed fix is reported this long before a later event may retry it.')
param fixRetryAfterMinutes int = 15

@description('REMEDIATOR_CLAIMS_TABLE: table of claimed units of work (created by this template).')
param claimsTableName string = 'remediatorclaims'

@description('REMEDIATOR_AUDIT_TABLE: table of audit records (created by this template).')
param auditTableName string = 'remediatoraudit'

@description('REMEDIATOR_HEAL_QUEUE: queue of delayed heal checks (created by this template).')
param healQueueName string = 'remediator-heal-checks'

@secure()
@description('TEAMS_WEBHOOK_URL: Teams Workflows webhook URL. Stored in Key Vault; the app setting is a Key Vault reference. Empty: no Teams messages.')
param teamsWebhookUrl string = ''

@secure()
@description('SLACK_WEBHOOK_URL: Slack incoming webhook URL. Stored in Key Vault; the app setting is a Key Vault reference. Empty: no Slack messages.')
param slackWebhookUrl string = ''

@secure()
@description('REMEDIATOR_APPROVAL_SIGNING_KEY: HMAC key (at least 32 characters) signing approval links. Stored in Key Vault; the app setting is a Key Vault reference. Required in approve mode.')
param approvalSigningKey string = ''

@description('REMEDIATOR_APPROVERS: comma-separated Entra object ids of the users or groups who may approve fixes (approve mode).')
param approvers string = ''

@minValue(1)
@description('REMEDIATOR_APPROVAL_TTL_MINUTES: how long an approval link stays valid.')
param approvalTtlMinutes int = 60

@secure()
@description('SLACK_SIGNING_SECRET: signing secret of a Slack app for interactive Approve/Dismiss buttons. Stored in Key Vault; the app setting is a Key Vault reference. Empty: link buttons.')
param slackSigningSecret string = ''

@description('Client id of the Entra app registration that signs people in to the approval page (App Service authentication). Empty: no authentication is configured, and the approval page refuses everyone.')
param approvalAuthClientId string = ''

@minValue(0)
@description('REMEDIATOR_DIGEST_WINDOW_SECONDS: events sharing a cause within this window are grouped into one message plus a digest.')
param digestWindowSeconds int = 60

@description('E-mail address for the alerts on the remediator itself (modules/monitoring.bicep). Empty: alerts show in the portal only.')
param alertEmail string = ''

@description('Object id of an Entra group allowed to read the audit trail (Storage Table Data Reader; remediator audit with an operator login). Empty: no grant.')
param auditReaderGroupObjectId string = ''

@allowed(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
@description('LOG_LEVEL: pino log level.')
param logLevel string = 'info'

// ───────────────────────────── names ─────────────────────────────

var rbac = loadJsonContent('rbac.json')
var settingFacts = loadJsonContent('app-settings.json')

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, { 'azd-env-name': environmentName })
var rgName = empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv-${resourceToken}'
var functionAppName = 'func-remediator-${resourceToken}'
var systemTopicName = 'egst-arm-${resourceToken}'

var teamsSecretName = settingFacts.settings.TEAMS_WEBHOOK_URL.secretName
var slackSecretName = settingFacts.settings.SLACK_WEBHOOK_URL.secretName
var approvalKeySecretName = settingFacts.settings.REMEDIATOR_APPROVAL_SIGNING_KEY.secretName
var slackSigningSecretName = settingFacts.settings.SLACK_SIGNING_SECRET.secretName
var keyVaultUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}'

// ───────────────────────────── resource group and identities ─────────────────────────────

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: allTags
}

module identities 'modules/identities.bicep' = {
  name: 'remediator-identities'
  scope: rg
  params: {
    location: location
    tags: allTags
    resourceToken: resourceToken
  }
}

// ───────────────────────────── app settings ─────────────────────────────
// Every SETTINGS entry of src/config.ts, nothing else (platform settings are added in modules/app.bicep).

var remediatorAppSettings = {
  REMEDIATOR_MODE: remediatorMode
  REMEDIATOR_ALLOWED_FIX_TYPES: allowedFixTypes
  REMEDIATOR_ALLOWED_SCOPES: allowedScopes
  REMEDIATOR_FIX_BUDGET_PER_HOUR: string(fixBudgetPerHour)
  REMEDIATOR_OPT_OUT_TAG: optOutTag
  REMEDIATOR_PROPAGATION_WINDOW_MINUTES: string(propagationWindowMinutes)
  REMEDIATOR_ACTIVITY_LOG_WAIT_MINUTES: string(activityLogWaitMinutes)
  REMEDIATOR_HEAL_CHECK_DELAY_SECONDS: string(healCheckDelaySeconds)
  REMEDIATOR_HEAL_CHECK_ATTEMPTS: string(healCheckAttempts)
  REMEDIATOR_HEAL_SCHEDULE: healSchedule
  REMEDIATOR_HEAL_BACKOFF_MAX_SECONDS: string(healBackoffMaxSeconds)
  REMEDIATOR_HEAL_MAX_ATTEMPTS: string(healMaxAttempts)
  REMEDIATOR_MAX_PAYLOAD_BYTES: string(maxPayloadBytes)
  REMEDIATOR_INVOCATION_DEADLINE_SECONDS: string(invocationDeadlineSeconds)
  REMEDIATOR_FIX_RETRY_AFTER_MINUTES: string(fixRetryAfterMinutes)
  REMEDIATOR_STORAGE_CONNECTION: ''
  REMEDIATOR_STORAGE_ACCOUNT_URL: 'https://${storageAccountName}.table.${environment().suffixes.storage}'
  REMEDIATOR_CLAIMS_TABLE: claimsTableName
  REMEDIATOR_AUDIT_TABLE: auditTableName
  REMEDIATOR_HEAL_QUEUE: healQueueName
  TEAMS_WEBHOOK_URL: empty(teamsWebhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVaultUri}/secrets/${teamsSecretName}/)'
  SLACK_WEBHOOK_URL: empty(slackWebhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVaultUri}/secrets/${slackSecretName}/)'
  REMEDIATOR_DIGEST_WINDOW_SECONDS: string(digestWindowSeconds)
  REMEDIATOR_APPROVAL_SIGNING_KEY: empty(approvalSigningKey)
    ? ''
    : '@Microsoft.KeyVault(SecretUri=${keyVaultUri}/secrets/${approvalKeySecretName}/)'
  REMEDIATOR_APPROVERS: approvers
  REMEDIATOR_APPROVAL_URL: ''
  REMEDIATOR_APPROVAL_TTL_MINUTES: string(approvalTtlMinutes)
  SLACK_SIGNING_SECRET: empty(slackSigningSecret)
    ? ''
    : '@Microsoft.KeyVault(SecretUri=${keyVaultUri}/secrets/${slackSigningSecretName}/)'
  ARM_ENDPOINT: environment().resourceManager
  AZURE_CLIENT_ID: identities.outputs.remediatorClientId
  LOG_LEVEL: logLevel
}

module app 'modules/app.bicep' = {
  name: 'remediator-app'
  scope: rg
  params: {
    location: location
    tags: allTags
    resourceToken: resourceToken
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    functionAppName: functionAppName
    systemTopicName: systemTopicName
    remediatorIdentityName: identities.outputs.remediatorIdentityName
    eventGridIdentityName: identities.outputs.eventGridIdentityName
    remediatorAppSettings: remediatorAppSettings
    claimsTableName: claimsTableName
    auditTableName: auditTableName
    healQueueName: healQueueName
    teamsSecretName: teamsSecretName
    slackSecretName: slackSecretName
    teamsWebhookUrl: teamsWebhookUrl
    slackWebhookUrl: slackWebhookUrl
    approvalKeySecretName: approvalKeySecretName
    approvalSigningKey: approvalSigningKey
    slackSigningSecretName: slackSigningSecretName
    slackSigningSecret: slackSigningSecret
    approvalAuthClientId: approvalAuthClientId
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'remediator-monitoring'
  scope: rg
  params: {
    location: location
    tags: allTags
    resourceToken: resourceToken
    appInsightsName: app.outputs.appInsightsName
    systemTopicName: systemTopicName
    storageAccountName: storageAccountName
    eventWiringDeployed: deployEventWiring
    alertEmail: alertEmail
    auditReaderGroupObjectId: auditReaderGroupObjectId
  }
}

module eventWiring 'modules/event-wiring.bicep' = if (deployEventWiring) {
  name: 'remediator-event-wiring'
  scope: rg
  params: {
    resourceToken: resourceToken
    tags: allTags
    functionAppName: functionAppName
    systemTopicName: systemTopicName
    storageAccountName: storageAccountName
    deadLetterContainerName: app.outputs.deadLetterContainerName
    eventGridIdentityName: identities.outputs.eventGridIdentityName
    maxDeliveryAttempts: maxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    enableActivityLogAlert: enableActivityLogAlert
  }
}

// ───────────────────────────── least privilege for the remediator identity ─────────────────────────────
// Reader where it reads; RBAC Administrator restricted by an ABAC condition to the two pull roles where registries
// live; custom roles for the two kinds of writes. Never Owner, Contributor or User Access Administrator.

var effectiveReadScopes = empty(readScopes) ? [subscription().id] : readScopes
var effectiveRegistryScopes = empty(registryScopes) ? [subscription().id] : registryScopes
var effectiveContainerAppScopes = empty(containerAppScopes) ? [subscription().id] : containerAppScopes

// Custom roles are defined once, in this subscription, assignable in this subscription and in the subscriptions of
// the scopes they are assigned at (assignable scopes cannot be single resources). Being assignable grants nothing.
var redeployerRoleGuid = guid(subscription().id, environmentName, 'acr-remediator-container-app-redeployer')
var armTokenAuthRoleGuid = guid(subscription().id, environmentName, 'acr-remediator-registry-arm-token-auth')

resource containerAppRedeployerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: redeployerRoleGuid
  properties: {
    roleName: '${rbac.customRoles.containerAppRedeployer.roleName} (${environmentName}, ${subscription().subscriptionId})'
    description: rbac.customRoles.containerAppRedeployer.description
    type: 'CustomRole'
    permissions: [
      {
        actions: rbac.customRoles.containerAppRedeployer.actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: union([subscription().id], map(effectiveContainerAppScopes, s => '/subscriptions/${split(s, '/')[2]}'))
  }
}

resource registryArmTokenAuthRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (enableArmTokenAuthFix) {
  name: armTokenAuthRoleGuid
  properties: {
    roleName: '${rbac.customRoles.registryArmTokenAuthEnabler.roleName} (${environmentName}, ${subscription().subscriptionId})'
    description: rbac.customRoles.registryArmTokenAuthEnabler.description
    type: 'CustomRole'
    permissions: [
      {
        actions: rbac.customRoles.registryArmTokenAuthEnabler.actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: union([subscription().id], map(effectiveRegistryScopes, s => '/subscriptions/${split(s, '/')[2]}'))
  }
}

// One flat list of {scope, role, condition}; the loops below route each entry to the module for its scope kind.
var remediatorAssignments = concat(
  map(effectiveReadScopes, s => {
    scope: s
    roleDefinitionGuid: rbac.builtInRoles.reader
    condition: ''
    conditionVersion: ''
  }),
  map(effectiveRegistryScopes, s => {
    scope: s
    roleDefinitionGuid: rbac.builtInRoles.rbacAdministrator
    condition: rbac.rbacAdministratorCondition
    conditionVersion: rbac.rbacAdministratorConditionVersion
  }),
  map(effectiveContainerAppScopes, s => {
    scope: s
    roleDefinitionGuid: redeployerRoleGuid
    condition: ''
    conditionVersion: ''
  }),
  enableArmTokenAuthFix
    ? map(effectiveRegistryScopes, s => {
        scope: s
        roleDefinitionGuid: armTokenAuthRoleGuid
        condition: ''
        conditionVersion: ''
      })
    : []
)

var subscriptionAssignments = filter(remediatorAssignments, a => length(split(a.scope, '/')) == 3)
var resourceGroupAssignments = filter(remediatorAssignments, a => length(split(a.scope, '/')) == 5)
var registryAssignments = filter(
  remediatorAssignments,
  a => contains(toLower(a.scope), '/providers/microsoft.containerregistry/registries/')
)
var containerAppAssignments = filter(
  remediatorAssignments,
  a => contains(toLower(a.scope), '/providers/microsoft.app/containerapps/')
)

module assignmentsAtSubscription 'modules/role-assignment-subscription.bicep' = [
  for a in subscriptionAssignments: {
    name: 'ra-${uniqueString(a.scope, a.roleDefinitionGuid, environmentName)}'
    scope: subscription(split(a.scope, '/')[2])
    params: {
      principalId: identities.outputs.remediatorPrincipalId
      roleDefinitionGuid: a.roleDefinitionGuid
      condition: a.condition
      conditionVersion: a.conditionVersion
      assignmentDescription: rbac.assignmentDescription
    }
    dependsOn: [containerAppRedeployerRole, registryArmTokenAuthRole]
  }
]

module assignmentsAtResourceGroup 'modules/role-assignment-resource-group.bicep' = [
  for a in resourceGroupAssignments: {
    name: 'ra-${uniqueString(a.scope, a.roleDefinitionGuid, environmentName)}'
    scope: resourceGroup(split(a.scope, '/')[2], split(a.scope, '/')[4])
    params: {
      principalId: identities.outputs.remediatorPrincipalId
      roleDefinitionGuid: a.roleDefinitionGuid
      condition: a.condition
      conditionVersion: a.conditionVersion
      assignmentDescription: rbac.assignmentDescription
    }
    dependsOn: [containerAppRedeployerRole, registryArmTokenAuthRole]
  }
]

module assignmentsAtRegistry 'modules/role-assignment-registry.bicep' = [
  for a in registryAssignments: {
    name: 'ra-${uniqueString(a.scope, a.roleDefinitionGuid, environmentName)}'
    scope: resourceGroup(split(a.scope, '/')[2], split(a.scope, '/')[4])
    params: {
      registryName: split(a.scope, '/')[8]
      principalId: identities.outputs.remediatorPrincipalId
      roleDefinitionGuid: a.roleDefinitionGuid
      condition: a.condition
      conditionVersion: a.conditionVersion
      assignmentDescription: rbac.assignmentDescription
    }
    dependsOn: [containerAppRedeployerRole, registryArmTokenAuthRole]
  }
]

module assignmentsAtContainerApp 'modules/role-assignment-container-app.bicep' = [
  for a in containerAppAssignments: {
    name: 'ra-${uniqueString(a.scope, a.roleDefinitionGuid, environmentName)}'
    scope: resourceGroup(split(a.scope, '/')[2], split(a.scope, '/')[4])
    params: {
      containerAppName: split(a.scope, '/')[8]
      principalId: identities.outputs.remediatorPrincipalId
      roleDefinitionGuid: a.roleDefinitionGuid
      condition: a.condition
      conditionVersion: a.conditionVersion
      assignmentDescription: rbac.assignmentDescription
    }
    dependsOn: [containerAppRedeployerRole, registryArmTokenAuthRole]
  }
]

// ───────────────────────────── outputs (azd stores them in the environment) ─────────────────────────────

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionAppName
output AZURE_FUNCTION_APP_HOSTNAME string = app.outputs.defaultHostName
output REMEDIATOR_IDENTITY_CLIENT_ID string = identities.outputs.remediatorClientId
output REMEDIATOR_IDENTITY_PRINCIPAL_ID string = identities.outputs.remediatorPrincipalId
output AZURE_KEY_VAULT_NAME string = keyVaultName
output AZURE_STORAGE_ACCOUNT_NAME string = storageAccountName
output EVENT_GRID_SYSTEM_TOPIC_NAME string = systemTopicName
output REMEDIATOR_MODE string = remediatorMode
output DEPLOY_EVENT_WIRING bool = deployEventWiring
