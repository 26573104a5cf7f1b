/**
 * The Event Grid subscription lets through EXACTLY what intake handles (src/intake/relevance.ts), the destination is
 * the eventGridFailures function (endpoint type AzureFunction) with a retry policy and identity-based dead-lettering,
 * and the Activity Log alert only lets through what the alert door accepts. Read from the compiled
 * modules/event-wiring.bicep as main.bicep deploys it (its expressions evaluated).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  HANDLED_EVENT_TYPES,
  HANDLED_OPERATIONS,
  findEventGridIgnoreReason,
  isAuthorizationFailure,
} from '../../src/intake/relevance';
import {
  INFRA_DIR,
  REPO_ROOT,
  type ArmExpression,
  SAMPLE_SUBSCRIPTION,
  evaluate,
  evaluateModuleContext,
  findModule,
  findResources,
  loadCompiledTemplate,
  parseExpression,
  readJson,
  readText,
  renderExpression,
} from './arm';

interface EventFilterFacts {
  includedEventTypes: string[];
  eventDeliverySchema: string;
  eventGridFunctionName: string;
  alertFunctionName: string;
  alertFunctionRoute: string;
  httpRoutePrefix: string;
}
interface LeafCondition {
  field: string;
  equals: string;
}
interface AlertCondition {
  allOf: Array<LeafCondition | { anyOf: LeafCondition[] }>;
}
interface DeployedSubscription {
  eventDeliverySchema: string;
  destination: { endpointType: string; properties: Record<string, unknown> };
  filter: {
    includedEventTypes: string[];
    advancedFilters?: Array<{ operatorType: string; key: string; values: string[] }>;
  };
  retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
  deadLetterWithResourceIdentity: {
    identity: { type: string; userAssignedIdentity: unknown };
    deadLetterDestination: { endpointType: string; properties: Record<string, unknown> };
  };
}

const facts = readJson<EventFilterFacts>(join(INFRA_DIR, 'event-filter.json'));
const main = loadCompiledTemplate('main');
const mainCtx = {
  template: main,
  parameters: { environmentName: 'prod', location: 'westeurope', deployEventWiring: true },
};
const wiringCtx = evaluateModuleContext(mainCtx, 'remediator-event-wiring');
const wiring = wiringCtx.template;
const [subscriptionResource] = findResources(wiring, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
const deployed = evaluate(subscriptionResource!.properties, wiringCtx) as DeployedSubscription;
const sorted = (a: readonly string[]): string[] => [...a].sort();
const call = (e: ArmExpression): Extract<ArmExpression, { kind: 'call' }> => {
  if (e.kind !== 'call') throw new Error(`not a call: ${renderExpression(e)}`);
  return e;
};

/** What Event Grid does with the deployed filter: includedEventTypes, and every advanced filter (StringIn) if any. */
function passesEventGridFilter(eventType: string, operationName: string): boolean {
  const typeOk = deployed.filter.includedEventTypes.some((t) => t.toLowerCase() === eventType.toLowerCase());
  const fields: Record<string, string> = { 'data.operationname': operationName, 'data.status': 'Failed' };
  const advancedOk = (deployed.filter.advancedFilters ?? []).every(
    (f) =>
      f.operatorType === 'StringIn' &&
      f.values.some((v) => v.toLowerCase() === (fields[f.key.toLowerCase()] ?? '').toLowerCase()),
  );
  return typeOk && advancedOk;
}

const alert = findResources(wiring, 'Microsoft.Insights/activityLogAlerts')[0]!;
const group = findResources(wiring, 'Microsoft.Insights/actionGroups')[0]!;
const alertProps = evaluate(alert.properties, wiringCtx) as { scopes: string[]; condition: AlertCondition };

/** What Azure Monitor does with the deployed allOf/anyOf activity log alert condition (case-insensitive equals). */
function passesAlertCondition(entry: Record<string, string>): boolean {
  const leaf = (c: LeafCondition): boolean => (entry[c.field] ?? '').toLowerCase() === c.equals.toLowerCase();
  return alertProps.condition.allOf.every((c) => ('anyOf' in c ? c.anyOf.some(leaf) : leaf(c)));
}

describe('Event Grid subscription filter', () => {
  it('includes exactly the event types intake handles', () => {
    expect(sorted(deployed.filter.includedEventTypes)).toEqual(sorted(HANDLED_EVENT_TYPES));
    expect(sorted(facts.includedEventTypes)).toEqual(sorted(HANDLED_EVENT_TYPES));
  });

  it('filters on no operation: a failure of any resource type may be an AuthorizationFailed (issue 15)', () => {
    expect(deployed.filter.advancedFilters ?? []).toEqual([]);
    expect(deployed.filter.includedEventTypes).toContain('Microsoft.Resources.ResourceDeleteFailure');
  });

  it('Container Apps jobs (issue 14): a refused job update and a failed job start reach the remediator', () => {
    for (const [eventType, operationName] of [
      ['Microsoft.Resources.ResourceWriteFailure', 'Microsoft.App/jobs/write'],
      ['Microsoft.Resources.ResourceActionFailure', 'Microsoft.App/jobs/start/action'],
    ] as const) {
      expect(passesEventGridFilter(eventType, operationName)).toBe(true);
      expect(findEventGridIgnoreReason({ eventType, operationName, status: 'Failed' })).toBeUndefined();
    }
    expect(HANDLED_OPERATIONS).toEqual(
      expect.arrayContaining(['Microsoft.App/jobs/write', 'Microsoft.App/jobs/start/action']),
    );
  });

  it('agrees with intake for every failed event, including the ones it must drop', () => {
    const eventTypes = [
      ...HANDLED_EVENT_TYPES,
      'Microsoft.Resources.ResourceWriteSuccess',
      'Microsoft.Resources.ResourceDeleteSuccess',
      'Microsoft.Resources.ResourceActionSuccess',
      'Microsoft.Resources.ResourceWriteCancel',
    ];
    const operations = [
      ...HANDLED_OPERATIONS,
      ...HANDLED_OPERATIONS.map((o) => o.toLowerCase()),
      'Microsoft.Storage/storageAccounts/write',
      'Microsoft.App/containerApps/delete',
      'Microsoft.ContainerRegistry/registries/write',
      'Microsoft.Compute/virtualMachines/write',
      'Microsoft.KeyVault/vaults/delete',
    ];
    let passed = 0;
    for (const eventType of eventTypes) {
      for (const operationName of operations) {
        const intakeAccepts = findEventGridIgnoreReason({ eventType, operationName, status: 'Failed' }) === undefined;
        expect({ eventType, operationName, filter: passesEventGridFilter(eventType, operationName) }).toEqual({
          eventType,
          operationName,
          filter: intakeAccepts,
        });
        if (intakeAccepts) passed++;
      }
    }
    expect(passed).toBe(HANDLED_EVENT_TYPES.length * operations.length);
  });

  it('is what event-wiring.bicep deploys, loaded from event-filter.json, when main.bicep deploys the wiring', () => {
    expect(wiring.variables?.['eventFilter']).toBe("[variables('$fxv#0')]");
    expect(evaluate("[variables('eventFilter')]", wiringCtx)).toEqual(facts);
    expect(deployed.eventDeliverySchema).toBe('EventGridSchema');
    expect(findModule(main, 'remediator-event-wiring').condition).toBe("[parameters('deployEventWiring')]");
  });
});

describe('Event Grid destination, retries and dead-lettering', () => {
  it('delivers to the eventGridFailures function as an AzureFunction endpoint', () => {
    expect(facts.eventGridFunctionName).toBe('eventGridFailures');
    expect(deployed.destination.endpointType).toBe('AzureFunction');
    // <the function app's id>/functions/eventGridFailures
    const destination = subscriptionResource!.properties!['destination'] as { properties: { resourceId: string } };
    const id = call(parseExpression(destination.properties.resourceId));
    expect(id.name).toBe('format');
    expect(id.args.map(renderExpression).slice(0, 2)).toEqual([
      "'{0}/functions/{1}'",
      "resourceId('Microsoft.Web/sites', parameters('functionAppName'))",
    ]);
    expect(evaluate(`[${renderExpression(id.args[2]!)}]`, wiringCtx)).toBe('eventGridFailures');
    expect(wiringCtx.parameters?.['functionAppName']).toEqual(evaluate("[variables('functionAppName')]", mainCtx));
  });

  it('has a retry policy from parameters', () => {
    expect(deployed.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    const custom = evaluateModuleContext(
      { ...mainCtx, parameters: { ...mainCtx.parameters, maxDeliveryAttempts: 5, eventTimeToLiveInMinutes: 60 } },
      'remediator-event-wiring',
    );
    expect(evaluate(subscriptionResource!.properties!['retryPolicy'], custom)).toEqual({
      maxDeliveryAttempts: 5,
      eventTimeToLiveInMinutes: 60,
    });
    expect(main.parameters['maxDeliveryAttempts']).toMatchObject({ type: 'int', defaultValue: 30, maxValue: 30 });
    expect(main.parameters['eventTimeToLiveInMinutes']).toMatchObject({
      type: 'int',
      defaultValue: 1440,
      maxValue: 1440,
    });
  });

  it('dead-letters to the storage container with a managed identity', () => {
    const dl = deployed.deadLetterWithResourceIdentity;
    expect(dl.identity.type).toBe('UserAssigned');
    expect(String(dl.identity.userAssignedIdentity)).toBe(
      "<resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('eventGridIdentityName'))>",
    );
    expect(dl.deadLetterDestination.endpointType).toBe('StorageBlob');
    // the container the app module creates (its output), in the app's storage account
    expect(String(dl.deadLetterDestination.properties['blobContainerName'])).toMatch(
      /'remediator-app'\), '[\d-]+'\)\.outputs\.deadLetterContainerName\.value>$/,
    );
    expect(String(dl.deadLetterDestination.properties['resourceId'])).toBe(
      "<resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))>",
    );
    expect(Object.keys(deployed)).not.toContain('deadLetterDestination'); // no key-based dead-lettering
  });

  it('matches the functions the intake engineer registers (names and routes)', () => {
    const dir = join(REPO_ROOT, 'src', 'functions');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readText(join(dir, f)))
      .join('\n');
    expect(sources).toMatch(new RegExp(`app\\.eventGrid\\(\\s*'${facts.eventGridFunctionName}'`));
    const http = new RegExp(`app\\.http\\(\\s*'${facts.alertFunctionName}'\\s*,\\s*\\{([^}]*)\\}`).exec(sources);
    expect(http).not.toBeNull();
    const route = /route:\s*'([^']+)'/.exec(http![1]!)?.[1] ?? facts.alertFunctionName;
    expect(route).toBe(facts.alertFunctionRoute);
    expect(http![1]).toMatch(/authLevel:\s*'function'/); // the alert posts ?code=<function key>
    // host.json may change the /api prefix of HTTP routes
    const hostJsonPath = join(REPO_ROOT, 'host.json');
    const host = existsSync(hostJsonPath)
      ? readJson<{ extensions?: { http?: { routePrefix?: string } } }>(hostJsonPath)
      : {};
    expect(host.extensions?.http?.routePrefix ?? 'api').toBe(facts.httpRoutePrefix);
  });
});

describe('Activity Log alert', () => {
  it('is optional (a parameter) and watches the subscription', () => {
    expect(alert.condition).toBe("[parameters('enableActivityLogAlert')]");
    expect(group.condition).toBe("[parameters('enableActivityLogAlert')]");
    expect(wiringCtx.parameters?.['enableActivityLogAlert']).toBe(true); // main's default
    expect(alertProps.scopes).toEqual([SAMPLE_SUBSCRIPTION.id]);
    expect(alertProps.condition).toEqual(
      readJson<{ condition: AlertCondition }>(join(INFRA_DIR, 'activity-log-alert.json')).condition,
    );
  });

  it('posts the common alert schema to the activityLogAlert function with its function key', () => {
    const props = group.properties as { webhookReceivers: Array<{ serviceUri: string; useCommonAlertSchema: string }> };
    const [receiver] = props.webhookReceivers;
    expect(evaluate(receiver!.useCommonAlertSchema, wiringCtx)).toBe(true);
    // https://<host>/api/alerts/activity-log?code=<the activityLogAlert function's key>
    const uri = call(parseExpression(receiver!.serviceUri));
    expect(uri.name).toBe('format');
    expect(renderExpression(uri.args[0]!)).toBe("'https://{0}/{1}/{2}?code={3}'");
    expect(renderExpression(uri.args[1]!)).toMatch(
      /^reference\(resourceId\('Microsoft\.Web\/sites', parameters\('functionAppName'\)\), '[\d-]+'\)\.defaultHostName$/,
    );
    expect(evaluate(`[${renderExpression(uri.args[2]!)}]`, wiringCtx)).toBe(facts.httpRoutePrefix);
    expect(evaluate(`[${renderExpression(uri.args[3]!)}]`, wiringCtx)).toBe(facts.alertFunctionRoute);
    const key = uri.args[4]!;
    expect(key.kind === 'property' && key.name).toBe('default');
    const listKeys = call(key.kind === 'property' ? key.target : key);
    expect(listKeys.name).toBe('listKeys');
    const fn = call(listKeys.args[0]!);
    expect(renderExpression(fn.args[0]!)).toBe("'{0}/functions/{1}'");
    expect(evaluate(`[${renderExpression(fn.args[2]!)}]`, wiringCtx)).toBe('activityLogAlert');
    expect(facts.alertFunctionName).toBe('activityLogAlert');
  });

  it('fires on Administrative + Failed + Forbidden, which the alert door treats as an authorization failure', () => {
    const authzFailed = {
      category: 'Administrative',
      status: 'Failed',
      subStatus: 'Forbidden',
      'properties.statusCode': 'Forbidden',
    };
    expect(passesAlertCondition(authzFailed)).toBe(true);
    expect(
      isAuthorizationFailure({ subStatus: authzFailed.subStatus, statusCode: authzFailed['properties.statusCode'] }),
    ).toBe(true);
    expect(passesAlertCondition({ ...authzFailed, subStatus: '', 'properties.statusCode': 'Forbidden' })).toBe(true);
    // not: successes, other categories, other failures
    expect(passesAlertCondition({ ...authzFailed, status: 'Succeeded' })).toBe(false);
    expect(passesAlertCondition({ ...authzFailed, category: 'Policy' })).toBe(false);
    expect(
      passesAlertCondition({
        category: 'Administrative',
        status: 'Failed',
        subStatus: 'Conflict',
        'properties.statusCode': 'Conflict',
      }),
    ).toBe(false);
  });

  it('uses only fields Activity Log alert conditions support', () => {
    const allowed =
      /^(resourceId|category|caller|level|operationName|resourceGroup|resourceProvider|status|subStatus|resourceType|properties\..+)$/i;
    const leaves = alertProps.condition.allOf.flatMap((c) => ('anyOf' in c ? c.anyOf : [c]));
    for (const l of leaves) expect(l.field).toMatch(allowed);
    expect(leaves.some((l) => l.field === 'category')).toBe(true); // required by the service
  });
});
