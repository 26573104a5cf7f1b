/**
 * Azure Resource Graph through `@azure/arm-resourcegraph` (loaded on first use): one paged query across every
 * subscription the identity can read, whatever their number. Where Resource Graph is refused (403, a cloud without
 * it, a query it rejects) the reader says so once and answers `undefined` for a while, and the SDK adapter falls back
 * to the per-subscription listing. Transient faults (429, 5xx, network) reject as every other ARM read does.
 */
import type { ContainerApp } from '@azure/arm-appcontainers';
import type { Registry } from '@azure/arm-containerregistry';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import type { ContainerAppInfo, RegistryInfo } from '../azure/arm-port';
import type { Clock } from '../model';
import { statusOf, toContainerAppInfo, toRegistryInfo } from './sdk-arm-mapping';

export interface ResourceGraphOptions {
  endpoint: string;
  credential: TokenCredential;
  tlsCa?: string;
  policy: PipelinePolicy;
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  clock: Clock;
  log?: Logger;
  /** After a refusal, how long to use the fallback before asking Resource Graph again (default 10 minutes). */
  refusedForMs?: number;
}

export interface ResourceGraphReader {
  /** Every row of the query, all pages; `undefined` when Resource Graph is refused (use the fallback). */
  query(kql: string): Promise<Array<Record<string, unknown>> | undefined>;
}

/** What a KQL string literal may carry here (login servers, GUIDs): anything else is not sent. */
const SAFE_LITERAL = /^[A-Za-z0-9.\-_]+$/;
const PAGE_SIZE = 1000;

export function kqlString(value: string): string {
  if (!SAFE_LITERAL.test(value)) throw new TypeError(`not a safe KQL literal: ${value}`);
  return `'${value}'`;
}

/** The registries with these login servers (Resource Graph's `resources` table). */
export function registriesByLoginServerQuery(loginServers: readonly string[]): string {
  return [
    'resources',
    "| where type =~ 'microsoft.containerregistry/registries'",
    `| where tostring(properties.loginServer) in~ (${loginServers.map((s) => kqlString(s.toLowerCase())).join(', ')})`,
    '| project id, name, type, location, tags, properties',
  ].join('\n');
}

/** The container apps whose system or user-assigned identity is this principal. */
export function containerAppsUsingPrincipalQuery(principalId: string): string {
  const p = kqlString(principalId.toLowerCase());
  return [
    'resources',
    "| where type =~ 'microsoft.app/containerapps'",
    `| where tostring(identity.principalId) =~ ${p} or tostring(identity.userAssignedIdentities) contains ${p}`,
    '| project id, name, type, location, tags, identity, systemData, properties',
  ].join('\n');
}

/** A Resource Graph row (ARM's GET shape) as the SDK model it flattens into. */
function flatten(row: Record<string, unknown>): Record<string, unknown> {
  const props = row['properties'];
  return { ...row, ...(props !== null && typeof props === 'object' ? (props as Record<string, unknown>) : {}) };
}

export const rowToRegistryInfo = (row: Record<string, unknown>): RegistryInfo =>
  toRegistryInfo(flatten(row) as unknown as Registry);

export const rowToContainerAppInfo = (row: Record<string, unknown>): ContainerAppInfo =>
  toContainerAppInfo(flatten(row) as unknown as ContainerApp, typeof row['id'] === 'string' ? row['id'] : '');

/** Refusals that mean "not here": use the listing. Throttling and server faults are transient, not refusals. */
function isRefusal(err: unknown): boolean {
  const s = statusOf(err);
  return s === 400 || s === 401 || s === 403 || s === 404 || s === 405 || s === 501;
}

/** The one operation used (structural: the package ships separate CommonJS and ESM declarations). */
interface GraphClient {
  resources(q: {
    query: string;
    options?: { resultFormat?: 'objectArray'; top?: number; skipToken?: string };
  }): Promise<{ data: unknown; skipToken?: string }>;
}

export function createResourceGraphReader(opts: ResourceGraphOptions): ResourceGraphReader {
  let client: Promise<GraphClient> | undefined;
  let refusedUntilMs = Number.NEGATIVE_INFINITY;
  const refusedForMs = opts.refusedForMs ?? 10 * 60_000;
  const getClient = (): Promise<GraphClient> =>
    (client ??= import('@azure/arm-resourcegraph').then(
      ({ ResourceGraphClient }): GraphClient =>
        new ResourceGraphClient(opts.credential, {
          endpoint: opts.endpoint,
          credentials: { scopes: [`${opts.endpoint}/.default`] },
          ...(opts.tlsCa !== undefined ? { tlsOptions: { ca: opts.tlsCa } } : {}),
          ...(opts.retryOptions ? { retryOptions: { ...opts.retryOptions } } : {}),
          additionalPolicies: [{ policy: opts.policy, position: 'perRetry' }],
          userAgentOptions: { userAgentPrefix: 'acr-remediator' },
        }),
    ));

  return {
    async query(kql) {
      if (opts.clock.now().getTime() < refusedUntilMs) return undefined;
      const graph = await getClient();
      const rows: Array<Record<string, unknown>> = [];
      let skipToken: string | undefined;
      try {
        do {
          const page = await graph.resources({
            query: kql,
            options: { resultFormat: 'objectArray', top: PAGE_SIZE, ...(skipToken ? { skipToken } : {}) },
          });
          if (!Array.isArray(page.data)) throw new TypeError('Resource Graph answered rows that are not an array');
          rows.push(...(page.data as Array<Record<string, unknown>>));
          skipToken = page.skipToken;
        } while (skipToken);
      } catch (err) {
        if (!isRefusal(err)) throw err;
        refusedUntilMs = opts.clock.now().getTime() + refusedForMs;
        opts.log?.warn(
          { status: statusOf(err), retryAfterMs: refusedForMs },
          'Resource Graph refused the query: listing subscriptions instead',
        );
        return undefined;
      }
      return rows;
    },
  };
}
