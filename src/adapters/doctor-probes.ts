/**
 * The facts `remediator doctor` judges, read with the real SDK clients and the remediator's identity, read-only:
 * registries and role assignments in each scope (ContainerRegistryManagementClient, AuthorizationManagementClient),
 * the Event Grid system topic subscriptions that deliver to the remediator (EventGridManagementClient), and the
 * claims/audit tables and the heal queue (a one-row read, a queue properties read). Nothing is written, nothing is
 * posted, no webhook URL is read beyond the settings.
 */
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { EventGridManagementClient, type EventSubscription } from '@azure/arm-eventgrid';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { QueueClient } from '@azure/storage-queue';
import type { Config } from '../config';
import type { EventSubscriptionFacts, Probe, RoleAssignmentFacts, ScopeFacts, StorageFacts } from '../doctor/checks';
import { describeErrorMessage } from '../errors';
import { toQueueServiceUrl } from './queue-scheduler';

export interface ArmReadOptions {
  endpoint: string;
  credential: TokenCredential;
  tlsCa?: string;
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

const firstLine = (err: unknown): string => describeErrorMessage(err).split('\n')[0] ?? 'error';

async function probe<T>(run: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function clientOptions(o: ArmReadOptions) {
  return {
    endpoint: o.endpoint,
    $host: o.endpoint,
    ...(o.tlsCa !== undefined ? { tlsOptions: { ca: o.tlsCa } } : {}),
    retryOptions: o.retryOptions ?? { maxRetries: 2 },
  };
}

const NO_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const subOf = (scope: string): string => scope.split('/')[2] ?? NO_SUBSCRIPTION;

/** The principal a token was issued to (its `oid` claim), or undefined when the token is not a JWT. */
export async function principalOfCredential(
  credential: TokenCredential,
  endpoint: string,
): Promise<string | undefined> {
  const token = await credential.getToken(`${new URL(endpoint).origin}/.default`);
  const payload = token?.token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims['oid'] === 'string' ? claims['oid'] : undefined;
  } catch {
    return undefined;
  }
}

/** Every subscription the identity sees (the scopes when none are configured). */
export async function listVisibleSubscriptions(o: ArmReadOptions): Promise<string[]> {
  const client = new SubscriptionClient(o.credential, clientOptions(o));
  return (await collect(client.subscriptions.list())).map((s) => `/subscriptions/${s.subscriptionId ?? ''}`);
}

export async function readScope(o: ArmReadOptions, scope: string): Promise<ScopeFacts> {
  const segs = scope.split('/').filter(Boolean);
  const registries = new ContainerRegistryManagementClient(o.credential, subOf(scope), clientOptions(o));
  const authz = new AuthorizationManagementClient(o.credential, subOf(scope), clientOptions(o));
  return {
    scope,
    registries: await probe(async () => {
      if (segs.length === 2) return (await collect(registries.registries.list())).length;
      if (segs.length === 4) return (await collect(registries.registries.listByResourceGroup(segs[3] ?? ''))).length;
      if (/\/providers\/microsoft\.containerregistry\/registries\//i.test(scope)) {
        await registries.registries.get(segs[3] ?? '', segs[7] ?? '');
        return 1;
      }
      return 0;
    }),
    roleAssignments: await probe(async () => (await collect(authz.roleAssignments.listForScope(scope))).length),
  };
}

/** The principal's role assignments that apply in these scopes (at, above or below them), deduplicated. */
export async function readAssignmentsOf(
  o: ArmReadOptions,
  scopes: readonly string[],
  principalId: string,
): Promise<RoleAssignmentFacts[]> {
  const byId = new Map<string, RoleAssignmentFacts>();
  for (const scope of scopes) {
    const authz = new AuthorizationManagementClient(o.credential, subOf(scope), clientOptions(o));
    const list = await collect(
      authz.roleAssignments.listForScope(scope, { filter: `principalId eq '${principalId}'` }),
    );
    for (const a of list) {
      if (!a.id || (a.principalId ?? '').toLowerCase() !== principalId.toLowerCase()) continue;
      byId.set(a.id.toLowerCase(), {
        id: a.id,
        scope: a.scope ?? scope,
        roleDefinitionId: a.roleDefinitionId ?? '',
        ...(a.condition ? { condition: a.condition } : {}),
        ...(a.conditionVersion ? { conditionVersion: a.conditionVersion } : {}),
      });
    }
  }
  return [...byId.values()];
}

/** Does this event subscription deliver to the remediator (the eventGridFailures function, or its webhook door)? */
function targetOf(s: EventSubscription): { endpointType: string; target: string } | undefined {
  const d = s.destination as { endpointType?: string; resourceId?: string; endpointBaseUrl?: string } | undefined;
  if (!d?.endpointType) return undefined;
  if (d.endpointType === 'AzureFunction' && /\/functions\/eventGridFailures$/i.test(d.resourceId ?? ''))
    return { endpointType: d.endpointType, target: d.resourceId ?? '' };
  if (d.endpointType === 'WebHook' && /\/api\/eventgrid$/i.test(d.endpointBaseUrl ?? ''))
    return { endpointType: d.endpointType, target: d.endpointBaseUrl ?? '' };
  return undefined;
}

/** The system-topic event subscriptions, in the scopes' subscriptions, that deliver to the remediator. */
export async function readEventSubscriptions(
  o: ArmReadOptions,
  scopes: readonly string[],
): Promise<EventSubscriptionFacts[]> {
  const out: EventSubscriptionFacts[] = [];
  for (const sub of [...new Set(scopes.map(subOf))]) {
    const client = new EventGridManagementClient(o.credential, sub, clientOptions(o));
    for (const topic of await collect(client.systemTopics.listBySubscription())) {
      const rg = topic.id?.split('/')[4] ?? '';
      for (const s of await collect(client.systemTopicEventSubscriptions.listBySystemTopic(rg, topic.name ?? ''))) {
        const t = targetOf(s);
        if (!t || !s.id) continue;
        const filters = (s.filter?.advancedFilters ?? []) as {
          operatorType?: string;
          key?: string;
          values?: string[];
        }[];
        out.push({
          id: s.id,
          ...t,
          includedEventTypes: s.filter?.includedEventTypes ?? [],
          advancedFilters: filters.map((f) => ({
            operatorType: f.operatorType ?? '',
            key: f.key ?? '',
            values: f.values ?? [],
          })),
          deadLetter: Boolean(s.deadLetterDestination ?? s.deadLetterWithResourceIdentity?.deadLetterDestination),
        });
      }
    }
  }
  return out;
}

const isLoopbackHttp = (url: string): boolean => /^http:\/\/(127\.|localhost|\[::1\])/i.test(url);

/** One read per table and queue (nothing written): reachable, authorised, existing. */
export async function readStorage(
  config: Pick<Config, 'storage' | 'claimsTable' | 'auditTable' | 'healQueue'>,
  credential: TokenCredential | undefined,
  retryOptions: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number } = { maxRetries: 1 },
): Promise<StorageFacts[]> {
  const storage = config.storage;
  if (storage.kind === 'memory') return [];
  const table = (name: string): TableClient => {
    if (storage.kind === 'connection-string') {
      const endpoint = /TableEndpoint=([^;]+)/i.exec(storage.connectionString)?.[1] ?? '';
      return TableClient.fromConnectionString(storage.connectionString, name, {
        retryOptions,
        allowInsecureConnection: isLoopbackHttp(endpoint),
      });
    }
    if (!credential) throw new Error('no credential for the storage account');
    return new TableClient(storage.accountUrl, name, credential, {
      retryOptions,
      allowInsecureConnection: isLoopbackHttp(storage.accountUrl),
    });
  };
  const queue = (): QueueClient =>
    storage.kind === 'connection-string'
      ? new QueueClient(storage.connectionString, config.healQueue, { retryOptions: { maxTries: 2 } })
      : new QueueClient(`${toQueueServiceUrl(storage.accountUrl)}/${config.healQueue}`, credential, {
          retryOptions: { maxTries: 2 },
        });
  const readTable = async (name: string): Promise<true> => {
    const page = table(name)
      .listEntities({ queryOptions: { select: ['PartitionKey'] } })
      .byPage({ maxPageSize: 1 });
    await page.next();
    return true;
  };
  return [
    { name: config.claimsTable, kind: 'table', reachable: await probe(() => readTable(config.claimsTable)) },
    { name: config.auditTable, kind: 'table', reachable: await probe(() => readTable(config.auditTable)) },
    {
      name: config.healQueue,
      kind: 'queue',
      reachable: await probe(async () => {
        await queue().getProperties();
        return true as const;
      }),
    },
  ];
}
