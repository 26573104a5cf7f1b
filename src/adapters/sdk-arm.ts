/**
 * The ArmPort over the real Azure SDK clients. Used against Azure (DefaultAzureCredential) and, in tests, the demo and
 * `remediator simulate`, against the local ARM emulator over HTTPS (`endpoint` + `tlsCa`).
 *
 * - 404 on a single-resource read → `undefined`; any other ARM error rejects with the SDK's RestError.
 * - Cached (bounded, TTL on the injected clock): the registry list (login server → registry), role definitions and
 *   the management-group hierarchy (sdk-governance.ts).
 *   Every other read is per event and uncached.
 * - `requestCount()` counts HTTP requests sent by every client (retries included), for benchmarks.
 */
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { MonitorClient } from '@azure/arm-monitor';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../model';
import { isTransientError } from '../errors';
import type {
  ArmPort,
  ContainerAppInfo,
  CreateRoleAssignmentRequest,
  CreateRoleAssignmentResult,
  RegistryInfo,
  RoleDefinitionInfo,
  UserAssignedIdentityInfo,
} from '../azure/arm-port';
import { builtInRoleDefinitionId, normalizeId, requireResourceParts, roleGuid } from '../azure/ids';
import { createGovernanceReads } from './sdk-governance';
import { readAppOrJob, readRevisionsOrExecutions, startJobExecution } from './sdk-jobs';
import {
  containerAppsUsingPrincipalQuery,
  createResourceGraphReader,
  registriesByLoginServerQuery,
  rowToContainerAppInfo,
  rowToRegistryInfo,
} from './resource-graph';
import { TtlCache } from './ttl-cache';
import {
  statusOf,
  errorCodeOf,
  orUndefinedOn404,
  collect,
  defined,
  toContainerAppInfo,
  toRevisionInfo,
  toRegistryInfo,
  toRoleAssignmentInfo,
  toRoleDefinitionInfo,
  toDenyAssignmentInfo,
  toActivityLogEntryInfo,
} from './sdk-arm-mapping';

export interface SdkArmPortOptions {
  /** ARM endpoint, e.g. https://management.azure.com or the emulator's https://127.0.0.1:PORT. */
  endpoint: string;
  credential: TokenCredential;
  /** PEM of a CA to trust (the emulator's self-signed certificate). */
  tlsCa?: string;
  log?: Logger;
  clock?: Clock;
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** TTL of the registry map and role-definition caches (default 10 minutes; 0 disables caching). */
  cacheTtlMs?: number;
  /** Bound of each cache (default 500 entries). */
  cacheMaxEntries?: number;
  /** A forced registry-map refresh (`listRegistries({refresh:true})`) is ignored when the map is younger than this (default 60 s). */
  minRefreshIntervalMs?: number;
  /** Long-running-operation poll interval; default: the SDK's (2 s) against Azure, 0 against a loopback endpoint. */
  lroPollIntervalMs?: number;
  /**
   * Most time one HTTP attempt may take (default 20 s). A stalled connection is aborted, and the error is transient
   * (src/errors.ts), so the delivery is retried instead of holding the invocation until the Functions timeout.
   */
  requestTimeoutMs?: number;
}

/** The ArmPort plus adapter-only helpers (benchmarks, tests). */
export interface SdkArmPort extends ArmPort {
  findRegistries: NonNullable<ArmPort['findRegistries']>;
  listContainerAppsUsingPrincipal: NonNullable<ArmPort['listContainerAppsUsingPrincipal']>;
  /** HTTP requests sent so far by all clients (retries and LRO polls included). */
  requestCount(): number;
  /** Forget the cached registry map and role definitions. */
  clearCaches(): void;
}

/** Any subscription id: scope-based authorization operations never use the client's subscription. */
const NO_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const DEFAULT_CACHE_TTL_MS = 10 * 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
const DEFAULT_CACHE_MAX_ENTRIES = 500;

// ───────────────────────────── the adapter ─────────────────────────────

export function createSdkArmPort(opts: SdkArmPortOptions): SdkArmPort {
  const endpoint = opts.endpoint.replace(/\/+$/, '');
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const ttlMs = opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const maxEntries = opts.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
  const isLoopback = /^https:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(endpoint);
  const lroPollIntervalMs = opts.lroPollIntervalMs ?? (isLoopback ? 0 : undefined);
  const lroOptions = lroPollIntervalMs !== undefined ? { updateIntervalInMs: lroPollIntervalMs } : {};

  let requests = 0;
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const countingPolicy: PipelinePolicy = {
    name: 'remediatorRequestCounter',
    sendRequest: (req, next) => {
      requests++;
      // Per attempt: the policy sits after the retry policy, so every retry gets the full budget again.
      if (!req.timeout || req.timeout > requestTimeoutMs) req.timeout = requestTimeoutMs;
      return next(req);
    },
  };
  const common = {
    endpoint,
    $host: endpoint,
    credentialScopes: [`${endpoint}/.default`],
    ...(opts.tlsCa !== undefined ? { tlsOptions: { ca: opts.tlsCa } } : {}),
    ...(opts.retryOptions ? { retryOptions: { ...opts.retryOptions } } : {}),
    additionalPolicies: [{ policy: countingPolicy, position: 'perRetry' as const }],
    userAgentOptions: { userAgentPrefix: 'acr-remediator' },
  };

  const perSubscription = <T>(make: (sub: string) => T): ((sub: string) => T) => {
    const clients = new Map<string, T>();
    return (sub: string) => {
      const key = sub.toLowerCase();
      let c = clients.get(key);
      if (!c) {
        c = make(sub);
        clients.set(key, c);
      }
      return c;
    };
  };

  const appsClient = perSubscription((sub) => new ContainerAppsAPIClient(opts.credential, sub, common));
  const registryClient = perSubscription(
    (sub) =>
      new ContainerRegistryManagementClient(opts.credential, sub, {
        ...common,
        credentials: { scopes: [`${endpoint}/.default`] },
      }),
  );
  const msiClient = perSubscription((sub) => new ManagedServiceIdentityClient(opts.credential, sub, common));
  const monitorClient = perSubscription((sub) => new MonitorClient(opts.credential, sub, common));
  const authz = new AuthorizationManagementClient(opts.credential, NO_SUBSCRIPTION, common);
  const subscriptions = new SubscriptionClient(opts.credential, common);

  const governance = createGovernanceReads(opts.credential, common, clock, ttlMs);
  const graph = createResourceGraphReader({
    endpoint,
    credential: opts.credential,
    ...(opts.tlsCa !== undefined ? { tlsCa: opts.tlsCa } : {}),
    policy: countingPolicy,
    ...(opts.retryOptions ? { retryOptions: opts.retryOptions } : {}),
    clock,
    ...(log ? { log } : {}),
  });

  const registryListCache = new TtlCache<RegistryInfo[]>(clock, ttlMs, 1);
  /** login server (lower-case) → its registry, or null when none is visible. */
  const registryByServerCache = new TtlCache<RegistryInfo | null>(clock, ttlMs, maxEntries);
  const serverRefreshedAtMs = new Map<string, number>();
  const roleDefinitionCache = new TtlCache<RoleDefinitionInfo | undefined>(clock, ttlMs, maxEntries);
  const roleDefinitionListCache = new TtlCache<RoleDefinitionInfo[]>(
    clock,
    ttlMs,
    Math.max(1, Math.min(maxEntries, 50)),
  );

  const minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 60_000;
  let registriesLoadedAtMs = Number.NEGATIVE_INFINITY;

  async function loadAllRegistries(): Promise<RegistryInfo[]> {
    registriesLoadedAtMs = clock.now().getTime();
    const subs = await collect(subscriptions.subscriptions.list());
    const perSub = await Promise.all(
      subs
        .map((s) => s.subscriptionId)
        .filter((s): s is string => typeof s === 'string' && s !== '')
        .map(async (sub) => {
          try {
            return (await collect(registryClient(sub).registries.list())).map(toRegistryInfo);
          } catch (err) {
            // One unreadable subscription must not hide the registries of the others.
            if (statusOf(err) === 403 || statusOf(err) === 404) {
              log?.warn({ subscriptionId: sub, status: statusOf(err) }, 'cannot list registries in subscription');
              return [];
            }
            throw err;
          }
        }),
    );
    const all = perSub.flat();
    log?.debug({ subscriptions: subs.length, registries: all.length }, 'registry map loaded');
    return all;
  }

  async function listAllContainerApps(): Promise<ContainerAppInfo[]> {
    const subs = (await collect(subscriptions.subscriptions.list()))
      .map((s) => s.subscriptionId)
      .filter((s): s is string => !!s);
    const perSub = await Promise.all(
      subs.map(async (sub) =>
        (await collect(appsClient(sub).containerApps.listBySubscription())).map((a) =>
          toContainerAppInfo(a, a.id ?? ''),
        ),
      ),
    );
    return perSub.flat();
  }

  const port: SdkArmPort = {
    requestCount: () => requests,
    clearCaches(): void {
      governance.clearCaches();
      registryListCache.clear();
      registryByServerCache.clear();
      roleDefinitionCache.clear();
      roleDefinitionListCache.clear();
    },

    async findRegistries(loginServers, options) {
      const nowMs = clock.now().getTime();
      const wanted = [...new Set(loginServers.map((s) => s.toLowerCase()))];
      if (options?.refresh)
        for (const s of wanted)
          if (nowMs - (serverRefreshedAtMs.get(s) ?? Number.NEGATIVE_INFINITY) >= minRefreshIntervalMs) {
            registryByServerCache.delete(s);
          }
      const missing = wanted.filter((s) => !registryByServerCache.has(s));
      let batch: Promise<RegistryInfo[]> | undefined;
      const lookUp = (): Promise<RegistryInfo[]> =>
        (batch ??= (async () => {
          for (const s of missing) serverRefreshedAtMs.set(s, nowMs);
          const rows = await graph.query(registriesByLoginServerQuery(missing));
          if (rows) return rows.map(rowToRegistryInfo);
          const all = await port.listRegistries(options?.refresh ? { refresh: true } : undefined);
          return all.filter((r) => missing.includes(r.loginServer.toLowerCase()));
        })());
      const found = await Promise.all(
        wanted.map((s) =>
          registryByServerCache.getOrLoad(
            s,
            async () => (await lookUp()).find((r) => r.loginServer.toLowerCase() === s) ?? null,
          ),
        ),
      );
      return found.filter((r): r is RegistryInfo => r !== null);
    },

    async listContainerAppsUsingPrincipal(principalId) {
      const rows = await graph.query(containerAppsUsingPrincipalQuery(principalId));
      const apps = rows ? rows.map(rowToContainerAppInfo) : await listAllContainerApps();
      const p = principalId.toLowerCase();
      // Exact match (the query's `contains` over the identity map is a pre-filter).
      return apps.filter(
        (a) =>
          a.identity.principalId?.toLowerCase() === p ||
          Object.values(a.identity.userAssignedIdentities).some((u) => u.principalId?.toLowerCase() === p),
      );
    },

    getContainerApp: (appId) =>
      readAppOrJob(appsClient(requireResourceParts(appId, 'container app').subscriptionId), appId),

    async getRevision(appId, revisionName) {
      const { subscriptionId, resourceGroup, name } = requireResourceParts(appId, 'container app');
      const rev = await orUndefinedOn404(
        appsClient(subscriptionId).containerAppsRevisions.getRevision(resourceGroup, name, revisionName),
      );
      return rev ? toRevisionInfo(rev, appId) : undefined;
    },

    listContainerApps: listAllContainerApps,

    startJobExecution: (jobId, options) =>
      startJobExecution(appsClient(requireResourceParts(jobId, 'job').subscriptionId), jobId, options),

    listRevisions: (appId) =>
      readRevisionsOrExecutions(appsClient(requireResourceParts(appId, 'container app').subscriptionId), appId),

    listRegistries(options?: { refresh?: boolean }) {
      // Bounded: an unknown login server must not turn every event into a full subscription scan.
      if (options?.refresh && clock.now().getTime() - registriesLoadedAtMs >= minRefreshIntervalMs)
        registryListCache.clear();
      return registryListCache.getOrLoad('all', loadAllRegistries);
    },

    async getRegistry(registryId) {
      const { subscriptionId, resourceGroup, name } = requireResourceParts(registryId, 'registry');
      const r = await orUndefinedOn404(registryClient(subscriptionId).registries.get(resourceGroup, name));
      return r ? toRegistryInfo(r) : undefined;
    },

    async listRoleAssignmentsForPrincipal(scope, principalId) {
      const list = await collect(
        authz.roleAssignments.listForScope(scope, { filter: `principalId eq '${principalId}'` }),
      );
      return list.map(toRoleAssignmentInfo);
    },

    async listRoleAssignmentsAtScope(scope) {
      const list = await collect(authz.roleAssignments.listForScope(scope, { filter: 'atScope()' }));
      return list.map(toRoleAssignmentInfo);
    },

    getRoleDefinition(roleDefinitionId) {
      const guid = roleGuid(roleDefinitionId);
      const fullId = roleDefinitionId.includes('/') ? roleDefinitionId : builtInRoleDefinitionId(guid);
      return roleDefinitionCache.getOrLoad(guid, async () => {
        const d = await orUndefinedOn404(authz.roleDefinitions.getById(fullId));
        return d ? toRoleDefinitionInfo(d) : undefined;
      });
    },

    listRoleDefinitions(scope, filter) {
      const key = `${normalizeId(scope)}|${filter ?? ''}`;
      return roleDefinitionListCache.getOrLoad(key, async () => {
        const list = (await collect(authz.roleDefinitions.list(scope, filter !== undefined ? { filter } : {}))).map(
          toRoleDefinitionInfo,
        );
        for (const d of list) roleDefinitionCache.set(roleGuid(d.id || d.name), d);
        return list;
      });
    },

    async listDenyAssignments(scope) {
      const list = await collect(authz.denyAssignments.listForScope(scope, { filter: 'atScope()' }));
      return list.map(toDenyAssignmentInfo);
    },

    async getUserAssignedIdentity(identityId) {
      const { subscriptionId, resourceGroup, name } = requireResourceParts(identityId, 'user-assigned identity');
      const i = await orUndefinedOn404(msiClient(subscriptionId).userAssignedIdentities.get(resourceGroup, name));
      if (!i) return undefined;
      return defined<UserAssignedIdentityInfo>({
        id: i.id ?? identityId,
        name: i.name ?? name,
        principalId: i.principalId,
        clientId: i.clientId,
        tenantId: i.tenantId,
      });
    },

    listManagementGroupAncestors: (sub) => governance.listManagementGroupAncestors(sub),
    getPolicyAssignment: (id) => governance.getPolicyAssignment(id),
    getPolicyDefinition: (id) => governance.getPolicyDefinition(id),

    async listActivityLog(subscriptionId, correlationId, from, to) {
      const safe = correlationId.replace(/'/g, "''");
      const filter = `eventTimestamp ge '${from.toISOString()}' and eventTimestamp le '${to.toISOString()}' and correlationId eq '${safe}'`;
      const list = await collect(monitorClient(subscriptionId).activityLogs.list(filter));
      return list.map(toActivityLogEntryInfo);
    },

    async createRoleAssignment(req: CreateRoleAssignmentRequest): Promise<CreateRoleAssignmentResult> {
      let status: number | undefined;
      try {
        const created = await authz.roleAssignments.create(
          req.scope,
          req.name,
          defined({
            roleDefinitionId: req.roleDefinitionId,
            principalId: req.principalId,
            principalType: req.principalType,
            description: req.description,
          }),
          { onResponse: (raw) => (status = raw.status) },
        );
        // ARM answers 201 for a new assignment and 200 when this exact assignment (same name) already existed.
        return { created: status !== 200, assignment: toRoleAssignmentInfo(created) };
      } catch (err) {
        if (statusOf(err) === 409 && errorCodeOf(err) === 'RoleAssignmentExists') {
          log?.info(
            { scope: req.scope, roleDefinitionId: req.roleDefinitionId, principalId: req.principalId },
            'role assignment already exists',
          );
          return { created: false };
        }
        throw err;
      }
    },

    async enableArmTokenAuth(registryId) {
      const { subscriptionId, resourceGroup, name } = requireResourceParts(registryId, 'registry');
      // As `az acr config authentication-as-arm update` does: read the registry, send back ALL its policies with this one
      // changed (so a PATCH never resets the other policies).
      const client = registryClient(subscriptionId);
      const current = await client.registries.get(resourceGroup, name);
      const updated = await client.registries.update(
        resourceGroup,
        name,
        { policies: { ...(current.policies ?? {}), azureADAuthenticationAsArmPolicy: { status: 'enabled' } } },
        lroOptions,
      );
      registryListCache.clear();
      return toRegistryInfo(updated);
    },

    async createRevision(appId, revisionSuffix, options) {
      const { subscriptionId, resourceGroup, name } = requireResourceParts(appId, 'container app');
      const client = appsClient(subscriptionId);
      const app = await client.containerApps.get(resourceGroup, name);
      if (!app.template) throw new Error(`container app ${appId} has no template`);
      const revisionName = `${name}--${revisionSuffix}`; // the id's name: a body name that disagrees must not win
      try {
        await client.containerApps.beginUpdateAndWait(
          resourceGroup,
          name,
          { location: app.location, template: { ...app.template, revisionSuffix } },
          options?.correlationId
            ? {
                ...lroOptions,
                requestOptions: { customHeaders: { 'x-ms-correlation-request-id': options.correlationId } },
              }
            : lroOptions,
        );
        return { revisionName };
      } catch (err) {
        // The LRO fails when the revision fails to provision: report its error (a transient read fault is retried).
        const rev = await orUndefinedOn404(
          client.containerAppsRevisions.getRevision(resourceGroup, name, revisionName),
        ).catch((readErr: unknown) => {
          if (isTransientError(readErr)) throw readErr;
        });
        if (!rev) throw err;
        log?.warn(
          { appId, revisionName, provisioningState: rev.provisioningState },
          'new revision created but failed to provision',
        );
        return rev.provisioningError ? { revisionName, provisioningError: rev.provisioningError } : { revisionName };
      }
    },
  };
  return port;
}
