/**
 * The Event Grid subscription lets through EXACTLY what intake handles (src/intake/relevance.ts), the destination is
 * the eventGridFailures function (endpoint type AzureFunction) with a retry policy and identity-based dead-lettering,
 * and the Activity Log alert only lets through what the alert door accepts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  HANDLED_EVENT_TYPES,
  HANDLED_OPERATIONS,
  findEventGridIgnoreReason,
  isAuthorizationFailure,
} from '../../src/intake/relevance';
import { INFRA_DIR, REPO_ROOT, readBlockObject, readBlocks, readJson, readText } from './bicep-reader';

interface EventFilterFacts {
  includedEventTypes: string[];
  operationNameKey: string;
  operationNames: string[];
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
interface AlertFacts {
  condition: { allOf: Array<LeafCondition | { anyOf: LeafCondition[] }> };
  useCommonAlertSchema: boolean;
}

const facts = readJson<EventFilterFacts>(join(INFRA_DIR, 'event-filter.json'));
const alertFacts = readJson<AlertFacts>(join(INFRA_DIR, 'activity-log-alert.json'));
const wiringText = readText(join(INFRA_DIR, 'modules', 'event-wiring.bicep'));
const wiringBlocks = readBlocks(wiringText);
const sorted = (a: readonly string[]): string[] => [...a].sort();

/** What Event Grid does with the subscription's filter: includedEventTypes + a case-insensitive StringIn. */
function passesEventGridFilter(eventType: string, operationName: string): boolean {
  const typeOk = facts.includedEventTypes.some((t) => t.toLowerCase() === eventType.toLowerCase());
  const opOk = facts.operationNames.some((o) => o.toLowerCase() === operationName.toLowerCase());
  return typeOk && opOk;
}

/** What Azure Monitor does with an allOf/anyOf activity log alert condition (case-insensitive equals). */
function passesAlertCondition(entry: Record<string, string>): boolean {
  const leaf = (c: LeafCondition): boolean => (entry[c.field] ?? '').toLowerCase() === c.equals.toLowerCase();
  return alertFacts.condition.allOf.every((c) => ('anyOf' in c ? c.anyOf.some(leaf) : leaf(c)));
}

describe('Event Grid subscription filter', () => {
  it('includes exactly the event types intake handles', () => {
    expect(sorted(facts.includedEventTypes)).toEqual(sorted(HANDLED_EVENT_TYPES));
  });

  it('lets through exactly the operations intake handles', () => {
    expect(facts.operationNameKey).toBe('data.operationName');
    expect(sorted(facts.operationNames)).toEqual(sorted(HANDLED_OPERATIONS));
    expect(new Set(facts.operationNames.map((o) => o.toLowerCase())).size).toBe(facts.operationNames.length);
  });

  it('stays within Event Grid limits (25 advanced filter values per subscription)', () => {
    expect(facts.operationNames.length).toBeLessThanOrEqual(25);
  });

  it('agrees with intake for every failed event, including the ones it must drop', () => {
    const eventTypes = [
      ...HANDLED_EVENT_TYPES,
      'Microsoft.Resources.ResourceWriteSuccess',
      'Microsoft.Resources.ResourceDeleteFailure',
      'Microsoft.Resources.ResourceActionSuccess',
    ];
    const operations = [
      ...HANDLED_OPERATIONS,
      ...HANDLED_OPERATIONS.map((o) => o.toLowerCase()),
      'Microsoft.Storage/storageAccounts/write',
      'Microsoft.App/containerApps/delete',
      'Microsoft.ContainerRegistry/registries/write',
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
    expect(passed).toBe(HANDLED_EVENT_TYPES.length * HANDLED_OPERATIONS.length * 2);
  });

  it('is what event-wiring.bicep deploys (loaded from event-filter.json)', () => {
    expect(wiringText).toMatch(/^var eventFilter = loadJsonContent\('\.\.\/event-filter\.json'\)$/m);
    const sub = wiringBlocks.find((b) => b.target.startsWith('Microsoft.EventGrid/systemTopics/eventSubscriptions@'));
    expect(sub).toBeDefined();
    const props = readBlockObject(sub!, 'properties')!;
    expect(props.get('filter')).toMatch(/includedEventTypes: eventFilter\.includedEventTypes/);
    expect(props.get('filter')).toMatch(
      /operatorType: 'StringIn'\s+key: eventFilter\.operationNameKey\s+values: eventFilter\.operationNames/,
    );
    expect(props.get('eventDeliverySchema')).toBe('eventFilter.eventDeliverySchema');
  });
});

describe('Event Grid destination, retries and dead-lettering', () => {
  const sub = wiringBlocks.find((b) => b.target.startsWith('Microsoft.EventGrid/systemTopics/eventSubscriptions@'))!;
  const props = readBlockObject(sub, 'properties')!;

  it('delivers to the eventGridFailures function as an AzureFunction endpoint', () => {
    expect(facts.eventGridFunctionName).toBe('eventGridFailures');
    expect(props.get('destination')).toMatch(/endpointType: 'AzureFunction'/);
    expect(props.get('destination')).toMatch(
      /resourceId: '\$\{functionApp\.id\}\/functions\/\$\{eventFilter\.eventGridFunctionName\}'/,
    );
  });

  it('has a retry policy from parameters', () => {
    expect(props.get('retryPolicy')).toMatch(/maxDeliveryAttempts: maxDeliveryAttempts/);
    expect(props.get('retryPolicy')).toMatch(/eventTimeToLiveInMinutes: eventTimeToLiveInMinutes/);
    const main = readText(join(INFRA_DIR, 'main.bicep'));
    expect(main).toMatch(/@maxValue\(30\)\n(@description\(.*\)\n)?param maxDeliveryAttempts int = 30/);
    expect(main).toMatch(/@maxValue\(1440\)\n(@description\(.*\)\n)?param eventTimeToLiveInMinutes int = 1440/);
  });

  it('dead-letters to the storage container with a managed identity', () => {
    const dl = props.get('deadLetterWithResourceIdentity') ?? '';
    expect(dl).toMatch(/type: 'UserAssigned'/);
    expect(dl).toMatch(/endpointType: 'StorageBlob'/);
    expect(dl).toMatch(/blobContainerName: deadLetterContainerName/);
    expect(props.has('deadLetterDestination')).toBe(false); // no key-based dead-lettering
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
  const alert = wiringBlocks.find((b) => b.target.startsWith('Microsoft.Insights/activityLogAlerts@'))!;
  const group = wiringBlocks.find((b) => b.target.startsWith('Microsoft.Insights/actionGroups@'))!;

  it('is optional (a parameter) and watches the subscription', () => {
    expect(alert.head).toBe('if (enableActivityLogAlert)');
    expect(group.head).toBe('if (enableActivityLogAlert)');
    const props = readBlockObject(alert, 'properties')!;
    expect(props.get('scopes')).toMatch(/subscription\(\)\.id/);
    expect(props.get('condition')).toBe('alertFacts.condition');
  });

  it('posts the common alert schema to the activityLogAlert function with its function key', () => {
    expect(alertFacts.useCommonAlertSchema).toBe(true);
    const props = readBlockObject(group, 'properties')!;
    const receivers = props.get('webhookReceivers') ?? '';
    expect(receivers).toMatch(/useCommonAlertSchema: alertFacts\.useCommonAlertSchema/);
    expect(receivers).toMatch(
      /\/\$\{eventFilter\.httpRoutePrefix\}\/\$\{eventFilter\.alertFunctionRoute\}\?code=\$\{listKeys\('\$\{functionApp\.id\}\/functions\/\$\{eventFilter\.alertFunctionName\}', '[0-9-]+'\)\.default\}/,
    );
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
    const leaves = alertFacts.condition.allOf.flatMap((c) => ('anyOf' in c ? c.anyOf : [c]));
    for (const l of leaves) expect(l.field).toMatch(allowed);
    expect(leaves.some((l) => l.field === 'category')).toBe(true); // required by the service
  });
});
