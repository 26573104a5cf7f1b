// The two doors into the function app, deployed once its code (and so its functions) exists:
// 1. Event Grid: subscription's ARM failure events -> eventGridFailures (endpoint type AzureFunction), filtered to
//    exactly the failure event types src/intake/relevance.ts handles (any operation: the Activity Log tells whether it
//    was an AuthorizationFailed or a policy refusal); retry policy; dead-lettering to the
//    storage container with the Event Grid identity.
// 2. Optional Activity Log alert: Administrative + Failed + Forbidden -> action group -> webhook with the common alert
//    schema -> activityLogAlert HTTP function (authenticated with its function key, read with listKeys).

param resourceToken string
param tags object
param functionAppName string
param systemTopicName string
param storageAccountName string
param deadLetterContainerName string
param eventGridIdentityName string
param maxDeliveryAttempts int
param eventTimeToLiveInMinutes int
param enableActivityLogAlert bool

var eventFilter = loadJsonContent('../event-filter.json')
var alertFacts = loadJsonContent('../activity-log-alert.json')

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource eventGridIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: eventGridIdentityName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

// Event Grid delivers to an AzureFunction endpoint with the function's system key, which it fetches through ARM:
// managed-identity delivery (deliveryWithResourceIdentity) is only offered for Service Bus, Event Hubs and Storage
// destinations, so the identity is used where it applies: dead-lettering (deadLetterWithResourceIdentity).
resource failureSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: 'remediator-arm-failures'
  properties: {
    eventDeliverySchema: eventFilter.eventDeliverySchema
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/${eventFilter.eventGridFunctionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: eventFilter.includedEventTypes
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: eventGridIdentity.id
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (enableActivityLogAlert) {
  name: 'ag-remediator-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'remediator'
    enabled: true
    webhookReceivers: [
      {
        name: 'remediator-activity-log-alert'
        serviceUri: 'https://${functionApp.properties.defaultHostName}/${eventFilter.httpRoutePrefix}/${eventFilter.alertFunctionRoute}?code=${listKeys('${functionApp.id}/functions/${eventFilter.alertFunctionName}', '2024-04-01').default}'
        useCommonAlertSchema: alertFacts.useCommonAlertSchema
        useAadAuth: false
      }
    ]
  }
}

resource authorizationFailedAlert 'Microsoft.Insights/activityLogAlerts@2020-10-01' = if (enableActivityLogAlert) {
  name: 'alert-arm-authorization-failed-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'ARM calls refused with AuthorizationFailed (Administrative, Failed, Forbidden) -> acr-remediator activityLogAlert function.'
    enabled: true
    scopes: [
      subscription().id
    ]
    condition: alertFacts.condition
    actions: {
      actionGroups: [
        {
          actionGroupId: actionGroup.id
        }
      ]
    }
  }
}

output eventSubscriptionId string = failureSubscription.id
