// The remediator watching itself: an Azure Monitor workbook over its OpenTelemetry signals (workbook.json) and alert
// rules on its own trouble (alert-rules.json): invocation failures, poison / abandoned heal checks, Event Grid
// dead-lettering, outbox drops, fix budget exhausted, and — once the event subscription exists — no events at all.
// Optionally grants a named Entra group read access to the audit table (`remediator audit` with an operator login).

param location string
param tags object
param resourceToken string
param appInsightsName string
param systemTopicName string
param storageAccountName string

@description('The Event Grid subscription exists (deployEventWiring): only then is silence an alert.')
param eventWiringDeployed bool

@description('E-mail address the alerts go to. Empty: the alert rules fire into the portal only (no action group).')
param alertEmail string

@description('Object id of an Entra group whose members may read the audit trail (Storage Table Data Reader on the storage account). Empty: no grant.')
param auditReaderGroupObjectId string

var alertFacts = loadJsonContent('../alert-rules.json')
var rbac = loadJsonContent('../rbac.json')

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'acr-remediator-workbook', resourceToken)
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'acr-remediator (${resourceToken})'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: string(loadJsonContent('../workbook.json'))
  }
}

resource alertGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-remediator-alerts-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'remedalerts'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = empty(alertEmail) ? [] : [alertGroup.id]
var ruleNames = filter(objectKeys(alertFacts.rules), k => k != 'noEvents' || eventWiringDeployed)

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for name in ruleNames: {
    name: 'alert-remediator-${name}-${resourceToken}'
    location: location
    tags: tags
    properties: {
      displayName: 'acr-remediator: ${name}'
      description: alertFacts.rules[name].description
      severity: alertFacts.rules[name].severity
      enabled: true
      scopes: [
        appInsights.id
      ]
      evaluationFrequency: alertFacts.rules[name].frequency
      windowSize: alertFacts.rules[name].window
      criteria: {
        allOf: [
          {
            query: alertFacts.rules[name].query
            timeAggregation: 'Total'
            metricMeasureColumn: 'hits'
            operator: name == 'noEvents' ? 'LessThan' : 'GreaterThan'
            threshold: name == 'noEvents' ? 1 : 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: actions
      }
    }
  }
]

resource deadLetterAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-remediator-dead-lettered-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: alertFacts.deadLetterMetric.description
    severity: alertFacts.deadLetterMetric.severity
    enabled: true
    scopes: [
      systemTopic.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricName: alertFacts.deadLetterMetric.metricName
          metricNamespace: 'Microsoft.EventGrid/systemTopics'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [for id in actions: { actionGroupId: id }]
  }
}

resource auditReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(auditReaderGroupObjectId)) {
  name: guid(storage.id, auditReaderGroupObjectId, rbac.builtInRoles.storageTableDataReader)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbac.builtInRoles.storageTableDataReader)
    principalId: auditReaderGroupObjectId
    principalType: 'Group'
    description: 'acr-remediator: operators read the audit trail (remediator audit) with their Entra login'
  }
}

output workbookId string = workbook.id
