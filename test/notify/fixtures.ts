/**
 * Test fixtures for notifications: one realistic Outcome per diagnosis kind (CONTRACTS.md §1), a FailureEvent, a
 * local HTTP sink standing in for the Teams / Slack webhooks, and fake time (sleep + monotonic clock).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DIAGNOSIS_KINDS,
  ROLE_IDS,
  type Action,
  type DiagnosisDetails,
  type DiagnosisKind,
  type FailureEvent,
  type Outcome,
  type RemediatorMode,
} from '../../src/model';

export const SUB = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const RG = `/subscriptions/${SUB}/resourceGroups/web-rg`;
export const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/contosoacr`;
export const IDENTITY_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
export const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
export const CALLER = 'd1c2b3a4-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
export const PULL_ERROR =
  "Failed to provision revision for container app 'web'. Error details: The following field(s) are either invalid or missing. Field 'template.containers.web.image' is invalid with details: 'Invalid value: \"contosoacr.azurecr.io/web:1.4.2\": GET https:: UNAUTHORIZED: authentication required, visit https://aka.ms/acr/authorization for more information.';.";

export const AUTO_FIX_KINDS: ReadonlySet<DiagnosisKind> = new Set<DiagnosisKind>([
  'acr-pull/missing-role',
  'acr-pull/abac-role-mismatch',
  'acr-pull/system-identity-on-create',
  'acr-pull/arm-token-auth-disabled',
  'acr-pull/role-propagating',
  'arm-authz/acr-pull-denied',
]);

export function appIdOf(app: string): string {
  return `${RG}/providers/Microsoft.App/containerApps/${app}`;
}

export function makeEvent(id: string, app = 'web'): FailureEvent {
  return {
    source: 'event-grid',
    id,
    time: '2026-11-21T09:58:52Z',
    eventType: 'Microsoft.Resources.ResourceWriteFailure',
    subject: appIdOf(app),
    resourceId: appIdOf(app),
    operationName: 'Microsoft.App/containerApps/write',
    status: 'Failed',
    correlationId: `corr-${id}`,
    subscriptionId: SUB,
    tenantId: TENANT,
    caller: { principalId: CALLER, principalType: 'User', name: 'Deployer' },
    raw: {},
  };
}

function acrDetails(app: string, revision: string): DiagnosisDetails {
  return {
    appId: appIdOf(app),
    appName: app,
    revisionName: revision,
    provisioningError: PULL_ERROR,
    image: `contosoacr.azurecr.io/${app}:1.4.2`,
    loginServer: 'contosoacr.azurecr.io',
    repository: app,
    tag: '1.4.2',
    registryId: REGISTRY_ID,
    roleAssignmentMode: 'LegacyRegistryPermissions',
    armTokenAuth: 'enabled',
    identity: {
      kind: 'user-assigned',
      resourceId: IDENTITY_ID,
      principalId: PRINCIPAL,
      clientId: '0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d',
    },
  };
}

function fixActions(kind: DiagnosisKind, mode: RemediatorMode, app: string): Action[] {
  const status = mode === 'auto-fix' ? 'applied' : 'planned';
  const role = kind === 'acr-pull/abac-role-mismatch' ? ROLE_IDS.repositoryReader : ROLE_IDS.acrPull;
  const assign: Action = {
    type: 'assign-role',
    status,
    scope: REGISTRY_ID,
    principalId: PRINCIPAL,
    principalType: 'ServicePrincipal',
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
  };
  const redeploy: Action = { type: 'redeploy-revision', status, resourceId: appIdOf(app), scope: appIdOf(app) };
  switch (kind) {
    case 'acr-pull/missing-role':
    case 'acr-pull/abac-role-mismatch':
    case 'acr-pull/system-identity-on-create':
    case 'arm-authz/acr-pull-denied':
      return [assign, redeploy];
    case 'acr-pull/arm-token-auth-disabled':
      return [
        {
          type: 'enable-arm-token-auth',
          status: 'blocked',
          resourceId: REGISTRY_ID,
          scope: REGISTRY_ID,
          reason: 'enable-arm-token-auth is not in REMEDIATOR_ALLOWED_FIX_TYPES',
        },
        { ...redeploy, status: 'blocked', reason: 'waits for enable-arm-token-auth' },
      ];
    case 'acr-pull/role-propagating':
      return [redeploy];
    case 'arm-authz/missing-role':
    case 'arm-authz/wrong-scope':
      return [
        {
          type: 'assign-role',
          status: 'manual',
          scope: `${RG}/providers/Microsoft.KeyVault/vaults/kv1`,
          principalId: CALLER,
          roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6',
          reason: 'the remediator only ever grants the two pull roles',
        },
      ];
    case 'acr-pull/identity-not-attached':
    case 'acr-pull/no-registry-identity':
    case 'acr-pull/image-not-found':
    case 'acr-pull/network-blocked':
    case 'acr-pull/registry-not-found':
    case 'arm-authz/deny-assignment':
    case 'arm-authz/role-propagating':
    case 'arm-authz/policy-denied':
    case 'arm-authz/condition-not-met':
    case 'arm-authz/wrong-principal':
    case 'registry-auth/credentials-rejected':
    case 'registry-auth/rate-limited':
    case 'secret-ref/key-vault-access-denied':
    case 'unknown':
    case 'unrelated':
      return [];
    default: {
      const never: never = kind;
      throw new Error(`unexpected kind ${String(never)}`);
    }
  }
}

/** A realistic Outcome for each diagnosis kind. */
export function makeOutcome(
  kind: DiagnosisKind,
  opts: { mode?: RemediatorMode; eventId?: string; app?: string; revision?: string; registryId?: string } = {},
): Outcome {
  const mode = opts.mode ?? 'dry-run';
  const app = opts.app ?? 'web';
  const revision = opts.revision ?? `${app}--v7`;
  const eventId = opts.eventId ?? `evt-${kind.replace(/\W/g, '-')}`;
  let details: DiagnosisDetails;
  let resourceId = appIdOf(app);
  let manualSteps: string[] | undefined;
  if (kind.startsWith('acr-pull/') || kind === 'arm-authz/acr-pull-denied') {
    details = acrDetails(app, revision);
    if (opts.registryId) details.registryId = opts.registryId;
    if (kind === 'arm-authz/acr-pull-denied') {
      details = {
        ...details,
        deniedAction: 'Microsoft.ContainerRegistry/registries/pull/read',
        deniedScope: details.registryId ?? REGISTRY_ID,
        callerPrincipalId: PRINCIPAL,
        callerPrincipalType: 'ServicePrincipal',
      };
      delete details.provisioningError;
    }
    if (kind === 'acr-pull/abac-role-mismatch') details.roleAssignmentMode = 'AbacRepositoryPermissions';
    if (kind === 'acr-pull/arm-token-auth-disabled') details.armTokenAuth = 'disabled';
    if (kind === 'acr-pull/system-identity-on-create')
      details.identity = { kind: 'system', principalId: '11111111-2222-4333-8444-555555555555' };
    if (kind === 'acr-pull/role-propagating') {
      details.newestAssignmentCreatedOn = '2026-11-21T09:57:00Z';
      details.effectiveAt = '2026-11-21T10:07:00Z';
    }
    if (kind === 'acr-pull/network-blocked') details.networkBlock = 'publicNetworkAccess: Disabled';
    if (kind === 'acr-pull/registry-not-found') delete details.registryId;
    if (!AUTO_FIX_KINDS.has(kind))
      manualSteps = [
        `az containerapp registry set -n ${app} -g web-rg --server contosoacr.azurecr.io --identity ${IDENTITY_ID}`,
        `az containerapp update -n ${app} -g web-rg --revision-suffix retry1`,
      ];
    if (kind === 'acr-pull/system-identity-on-create')
      manualSteps = ['Use a user-assigned identity for registry pulls, created and granted AcrPull before the app.'];
  } else if (kind.startsWith('arm-authz/')) {
    const scope = `${RG}/providers/Microsoft.KeyVault/vaults/kv1`;
    resourceId = scope;
    details = {
      deniedAction: 'Microsoft.KeyVault/vaults/write',
      deniedScope: scope,
      callerPrincipalId: CALLER,
      callerPrincipalType: 'User',
      recommendedRole: { roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6', roleName: 'Key Vault Contributor' },
    };
    if (kind === 'arm-authz/wrong-scope')
      details.wrongScopeAssignment = {
        assignmentId: `${RG}-other/providers/Microsoft.Authorization/roleAssignments/abc`,
        scope: `/subscriptions/${SUB}/resourceGroups/other-rg`,
        roleName: 'Key Vault Contributor',
      };
    if (kind === 'arm-authz/deny-assignment')
      details.denyAssignment = {
        id: `${RG}/providers/Microsoft.Authorization/denyAssignments/d1`,
        name: 'Deny writes (blueprint)',
        scope: RG,
      };
    if (kind === 'arm-authz/role-propagating') details.effectiveAt = '2026-11-21T10:07:00Z';
    manualSteps = [
      `az role assignment create --assignee-object-id ${CALLER} --assignee-principal-type User --role "Key Vault Contributor" --scope ${scope}`,
    ];
  } else {
    details = { rawMessage: 'InternalServerError: something odd happened while provisioning' };
  }
  const denial = kind.startsWith('arm-authz/') && kind !== 'arm-authz/acr-pull-denied';
  const summary = denial
    ? `Test diagnosis for ${kind}: Deployer (${CALLER}) may not write key vault kv1 in web-rg.`
    : `Test diagnosis for ${kind}: the identity ${PRINCIPAL} cannot pull from contosoacr.azurecr.io.`;
  const evidence = denial
    ? [
        `AuthorizationFailed for Microsoft.KeyVault/vaults/write at ${RG}/providers/Microsoft.KeyVault/vaults/kv1.`,
        `${CALLER} holds Reader on resource group web-rg.`,
        details.denyAssignment
          ? `Deny assignment "${details.denyAssignment.name}" covers ${details.denyAssignment.scope} for all principals.`
          : 'No role granting Microsoft.KeyVault/vaults/write covers that scope.',
      ]
    : [
        `Revision ${revision} provisioningError says UNAUTHORIZED: authentication required.`,
        `Registry contosoacr is in ${details.roleAssignmentMode ?? 'Legacy'} mode.`,
        `No AcrPull assignment for ${PRINCIPAL} at the registry or above.`,
      ];
  if (kind === 'arm-authz/deny-assignment')
    manualSteps = [
      `Ask the owner of "${details.denyAssignment?.name ?? 'the deny assignment'}" to exclude ${CALLER}, or deploy kv1 outside ${RG}.`,
    ];
  const outcome: Outcome = {
    eventId,
    status: 'diagnosed',
    mode,
    correlationId: `corr-${eventId}`,
    diagnosis: {
      kind,
      resourceId,
      summary,
      evidence,
      details,
      ...(manualSteps ? { manualSteps } : {}),
    },
    actions: fixActions(kind, mode, app),
  };
  return outcome;
}

/** Every kind a notification is sent for (all but `unrelated`). */
export const NOTIFIED_KINDS: readonly DiagnosisKind[] = DIAGNOSIS_KINDS.filter((k) => k !== 'unrelated');

// ───────────────────────────── webhook sink ─────────────────────────────

export interface SinkRequest {
  path: string;
  body: unknown;
  /** Fake monotonic time at arrival, when a clock was given. */
  at?: number;
}
export interface SinkReply {
  /** Never answer (the connection is only closed when the sink stops): a webhook that hangs. */
  hang?: boolean;
  status: number;
  headers?: Record<string, string>;
  body?: string;
}
export interface Sink {
  url: string;
  received: SinkRequest[];
  /** Every request, including the ones answered with an error. */
  attempts: SinkRequest[];
  /** Replies to use, in order, for requests whose path starts with `prefix`; afterwards the default. */
  script(prefix: string, replies: SinkReply[]): void;
  stop(): Promise<void>;
}

export async function startSink(opts: { now?: () => number } = {}): Promise<Sink> {
  const received: SinkRequest[] = [];
  const attempts: SinkRequest[] = [];
  const scripts: Array<{ prefix: string; replies: SinkReply[] }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      const entry: SinkRequest = { path, body, ...(opts.now ? { at: opts.now() } : {}) };
      attempts.push(entry);
      const script = scripts.find((s) => path.startsWith(s.prefix) && s.replies.length > 0);
      const reply = script?.replies.shift() ?? {
        status: path.startsWith('/slack') ? 200 : 202,
        body: path.startsWith('/slack') ? 'ok' : '',
      };
      if (reply.hang) return;
      if (reply.status >= 200 && reply.status < 300) received.push(entry);
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    attempts,
    script(prefix, replies) {
      scripts.push({ prefix, replies: [...replies] });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ───────────────────────────── fake time ─────────────────────────────

/** A sleep that does not wait but advances a monotonic counter; every wait is recorded. */
export function createFakeTime(): { sleep: (ms: number) => Promise<void>; now: () => number; waits: number[] } {
  let t = 0;
  const waits: number[] = [];
  return {
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    now: () => t,
    waits,
  };
}

/** A settable clock for windows and outbox due times. */
export function createManualClock(iso = '2026-11-21T10:00:05Z'): { now: () => Date; advance: (ms: number) => void } {
  let t = Date.parse(iso);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}
