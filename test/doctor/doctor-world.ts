/**
 * A deployment as `remediator doctor` judges it, in the ARM emulator and Azurite: the remediator's RBAC Administrator
 * grant with the ABAC condition of infra/rbac.json, the Event Grid system topic and its filtered, dead-lettering
 * subscription (written through the real SDK clients as infra would), the tables and the heal queue, webhook settings.
 * Shared by the local doctor test and the `--remote` (the app's own doctor function) test.
 */
import { EventGridManagementClient } from '@azure/arm-eventgrid';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadWorld } from '../../emulator';
import type { World } from '../../emulator/api';
import { HANDLED_EVENT_TYPES, HANDLED_OPERATIONS } from '../../src/intake/relevance';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { clientOptionsFor, startTestEmulator, type TestEmulator } from '../helpers/emulator';

export const rbac = JSON.parse(readFileSync(join(__dirname, '..', '..', 'infra', 'rbac.json'), 'utf8')) as {
  rbacAdministratorCondition: string;
  builtInRoles: { rbacAdministrator: string };
};

export const REMEDIATOR_OID = '5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const jwt = (claims: object): string =>
  ['{"alg":"none","typ":"JWT"}', JSON.stringify(claims), 'sig']
    .map((p) => Buffer.from(p).toString('base64url'))
    .join('.');
/** A token whose claims say who it was issued to (the emulator accepts any bearer; doctor reads `oid`). */
export const remediatorCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: jwt({ oid: REMEDIATOR_OID, aud: 'https://management.azure.com/' }),
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

export const TEAMS =
  'https://prod-12.westeurope.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=TopSecretSignature0123456789';
export const SLACK = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/SlackSecretToken0123456789';
export const RG = 'web-rg';
const TOPIC = 'egst-arm';

export interface SubscriptionOverrides {
  operations?: string[];
  deadLetter?: boolean;
}

export interface DoctorWorld {
  emulator: TestEmulator;
  azurite: RunningAzurite;
  sub: string;
  adminAssignmentId: string;
  /** (Re)write the Event Grid subscription as infra does, with optional faults. */
  wireEventGrid(overrides?: SubscriptionOverrides): Promise<void>;
  /** Delete the Event Grid subscription (a wiring fault). */
  unwireEventGrid(): Promise<void>;
  /** The app settings of a correct deployment (plus `extra`). */
  env(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

/** Start the world; `extraResources` are added to the seed story's world (e.g. the Function app's site). */
export async function startDoctorWorld(extraResources: World['resources'] = []): Promise<DoctorWorld> {
  const seed = loadWorld(resolve('test/worlds/seed-story.json'));
  const emulator = await startTestEmulator({ ...seed, resources: [...seed.resources, ...extraResources] });
  const sub = emulator.subscriptionId;
  const azurite = await startAzurite();
  for (const t of ['remediatorclaims', 'remediatoraudit'])
    await TableClient.fromConnectionString(azurite.connectionString, t, {
      allowInsecureConnection: true,
    }).createTable();
  await new QueueClient(azurite.connectionString, 'remediator-heal-checks').createIfNotExists();
  // The remediator's grant, written as infra would (through the SDK).
  await emulator.authorization.roleAssignments.create(`/subscriptions/${sub}`, 'a9c3e1f0-1111-4222-8333-944455556666', {
    roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${rbac.builtInRoles.rbacAdministrator}`,
    principalId: REMEDIATOR_OID,
    principalType: 'ServicePrincipal',
    condition: rbac.rbacAdministratorCondition,
    conditionVersion: '2.0',
  });
  const eventGrid = new EventGridManagementClient(remediatorCredential, sub, clientOptionsFor(emulator));
  await eventGrid.systemTopics.beginCreateOrUpdateAndWait(RG, TOPIC, {
    location: 'global',
    source: `/subscriptions/${sub}`,
    topicType: 'Microsoft.Resources.Subscriptions',
  });
  const subscriptionBody = (o: SubscriptionOverrides) => ({
    destination: {
      endpointType: 'AzureFunction' as const,
      resourceId: `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Web/sites/func-remediator/functions/eventGridFailures`,
      maxEventsPerBatch: 1,
      preferredBatchSizeInKilobytes: 64,
    },
    filter: {
      includedEventTypes: [...HANDLED_EVENT_TYPES],
      advancedFilters: [
        {
          operatorType: 'StringIn' as const,
          key: 'data.operationName',
          values: o.operations ?? [...HANDLED_OPERATIONS],
        },
      ],
    },
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
    ...(o.deadLetter === false
      ? {}
      : {
          deadLetterDestination: {
            endpointType: 'StorageBlob' as const,
            resourceId: `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/stremediator`,
            blobContainerName: 'eventgrid-deadletter',
          },
        }),
  });
  return {
    emulator,
    azurite,
    sub,
    adminAssignmentId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments/a9c3e1f0-1111-4222-8333-944455556666`,
    wireEventGrid: async (overrides = {}) => {
      await eventGrid.systemTopicEventSubscriptions.beginCreateOrUpdateAndWait(
        RG,
        TOPIC,
        'remediator-arm-failures',
        subscriptionBody(overrides),
      );
    },
    unwireEventGrid: async () => {
      await eventGrid.systemTopicEventSubscriptions.beginDeleteAndWait(RG, TOPIC, 'remediator-arm-failures');
    },
    env: (extra = {}) => ({
      ARM_ENDPOINT: emulator.endpoint,
      REMEDIATOR_EMULATOR_CA: emulator.caPath,
      REMEDIATOR_ALLOWED_SCOPES: `/subscriptions/${sub}`,
      REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString,
      TEAMS_WEBHOOK_URL: TEAMS,
      SLACK_WEBHOOK_URL: SLACK,
      LOG_LEVEL: 'silent',
      ...extra,
    }),
    stop: async () => {
      await emulator.stop();
      await azurite.stop();
    },
  };
}
