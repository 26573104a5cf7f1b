/**
 * Fact gathering: reads ARM through the ArmPort only, in as few sequential round trips as possible.
 *
 * Container-app pull failure (warm caches, one registry identity on the app):
 *   round 1  getContainerApp, then the registries of its login servers (cached; cold: one Resource Graph query)
 *   round 2  getRevision(latestRevisionName) ∥ listRoleAssignmentsForPrincipal(registry) ∥ listDenyAssignments(registry)
 *            (the principal and the registry are known from the app before the revision says which image failed;
 *            when the app pulls from several registries with different identities the role reads wait for round 3)
 *   round 3  only when needed: role definitions of unfamiliar roles (cached), the registry map refresh for an
 *            unknown login server (at most once a minute), the Activity Log entry when the revision carries no pull
 *            error or is much older than the failed write (the write itself may have been refused).
 * ARM AuthorizationFailed:
 *   round 1  the caller's role assignments in the subscription ∥ deny assignments at the scope ∥ built-in role
 *            definitions (cached) (∥ the Activity Log entry first, when the event carries no message)
 *   round 2  definitions of custom roles the caller holds (cached).
 */
import type {
  ArmPort,
  ContainerAppInfo,
  DenyAssignmentInfo,
  RegistryInfo,
  RoleAssignmentInfo,
} from '../azure/arm-port';
import { isAtOrAbove, parseResourceId, sameId } from '../azure/ids';
import { isHandledOperation } from '../intake/relevance';
import { RemediatorError, type FailureEvent } from '../model';
import { recordActivityLogLagged } from '../telemetry/signals';
import { otherFailingImages, pickFailingImage, pickPullError, sameRegistryImages } from './failing-image';
import type { AcrPullFacts, DenialOrigin, Facts, SecretRefFacts, UnclassifiedFacts } from './facts-model';
import {
  isAcrLoginServer,
  matchSecretRefError,
  parseAuthorizationFailed,
  parseImageReference,
  type ImageReference,
} from './messages';
import { gatherAuthzFacts, gatherPolicyFacts } from './facts-authz';
import { parsePolicyRefusal } from './policy-messages';
import {
  containerAppIdOf,
  findRegistriesFor,
  identityFor,
  managementGroupsOf,
  readRoleDefinitions,
  withEventDefaults,
  type FactDeps,
} from './facts-reads';

export { containerAppIdOf, gatherAuthzFacts, gatherPolicyFacts, type FactDeps };

/** A failing revision created this long before the failed write is not necessarily what the write failed on. */
export const STALE_REVISION_MS = 15 * 60_000;

function isStaleForEvent(revisionCreated: string | undefined, eventTime: string): boolean {
  const r = revisionCreated ? Date.parse(revisionCreated) : NaN;
  const e = Date.parse(eventTime);
  return Number.isFinite(r) && Number.isFinite(e) && e - r > STALE_REVISION_MS;
}

/** How far around the event time the Activity Log is searched for the correlation id. */
export const ACTIVITY_LOG_WINDOW_MS = 60 * 60_000;

/** How long after the event a missing Activity Log entry is waited for, unless configured (REMEDIATOR_ACTIVITY_LOG_WAIT_MINUTES). */
export const DEFAULT_ACTIVITY_LOG_WAIT_MS = 15 * 60_000;

function findRegistry(registries: readonly RegistryInfo[], loginServer: string): RegistryInfo | undefined {
  const ls = loginServer.toLowerCase();
  return registries.find((r) => r.loginServer.toLowerCase() === ls);
}

/** Everything needed to read a principal's pull roles at one registry. */
interface PullReadTarget {
  registryId: string;
  principalId: string;
}

function readsFor(arm: ArmPort, t: PullReadTarget): Promise<[RoleAssignmentInfo[], DenyAssignmentInfo[]]> {
  return Promise.all([
    arm.listRoleAssignmentsForPrincipal(t.registryId, t.principalId),
    arm.listDenyAssignments(t.registryId),
  ]);
}

interface LogFailure {
  message?: string;
  /** A failed entry with this correlation id is in the log. */
  entryFound: boolean;
  authorization?: { action?: string; scope?: string };
  caller?: string;
  eventTimestamp?: string;
  requestBody?: string;
}

/** The failed Activity Log entry of the event's correlation id: exactly one ARM read. */
async function findActivityLogFailure(event: FailureEvent, deps: FactDeps): Promise<LogFailure> {
  const subscriptionId = event.subscriptionId ?? parseResourceId(event.resourceId).subscriptionId;
  if (!event.correlationId || !subscriptionId) return { entryFound: false };
  const t = Date.parse(event.time);
  const at = Number.isFinite(t) ? t : deps.now.getTime();
  const entries = await deps.arm.listActivityLog(
    subscriptionId,
    event.correlationId,
    new Date(at - ACTIVITY_LOG_WINDOW_MS),
    new Date(Math.max(at + ACTIVITY_LOG_WINDOW_MS, at)),
  );
  const failed = entries.filter(
    (e) => sameId(e.correlationId ?? event.correlationId, event.correlationId) && /fail/i.test(e.status ?? 'Failed'),
  );
  const withMessage = failed.find((e) => e.statusMessage && e.statusMessage.trim() !== '') ?? failed[0];
  if (!withMessage) return { entryFound: false };
  const out: LogFailure = { entryFound: true };
  if (withMessage.statusMessage) out.message = withMessage.statusMessage;
  if (withMessage.authorization) out.authorization = withMessage.authorization;
  if (withMessage.caller) out.caller = withMessage.caller;
  if (withMessage.eventTimestamp) out.eventTimestamp = withMessage.eventTimestamp;
  if (withMessage.requestBody) out.requestBody = withMessage.requestBody;
  return out;
}

/** An authorization or policy refusal in an Activity Log entry, as facts of its family; undefined when it is neither. */
async function denialFactsFromLog(event: FailureEvent, found: LogFailure, deps: FactDeps): Promise<Facts | undefined> {
  const origin: DenialOrigin = { messageSource: 'activity-log', failedAt: found.eventTimestamp ?? event.time };
  if (found.requestBody) origin.requestBody = found.requestBody;
  const authz = parseAuthorizationFailed(found.message);
  if (authz) return gatherAuthzFacts(event, withEventDefaults(authz, event, found.authorization), origin, deps);
  const policy = parsePolicyRefusal(found.message);
  if (policy) return gatherPolicyFacts(event, policy, origin, deps, found.authorization);
  return undefined;
}

/** The event's own message (the alert door carries the Activity Log entry's status), as denial facts. */
function doorOrigin(event: FailureEvent): DenialOrigin {
  const o: DenialOrigin = { messageSource: 'event', failedAt: event.time };
  if (event.requestBody) o.requestBody = event.requestBody;
  return o;
}

/**
 * No failed Activity Log entry yet. The log lags the Event Grid event by minutes (DOMAIN.md: design for ~15): while
 * the event is younger than the wait, that is transient — throw, so Event Grid redelivers on its retry schedule
 * (10 s, 30 s, 1 m, 5 m, 10 m, …) and the invocation ends at once. Past the wait, the caller decides (`unknown`).
 */
function awaitActivityLog(event: FailureEvent, deps: FactDeps): void {
  const waitMs = deps.activityLogWaitMs ?? DEFAULT_ACTIVITY_LOG_WAIT_MS;
  const t = Date.parse(event.time);
  const ageMs = Number.isFinite(t) ? deps.now.getTime() - t : Infinity;
  if (!event.correlationId) return;
  if (ageMs >= waitMs) {
    recordActivityLogLagged('gave-up');
    return;
  }
  recordActivityLogLagged('retried');
  throw new RemediatorError(
    'activity-log-pending',
    `No Activity Log entry yet for correlation id ${event.correlationId} (${Math.round(ageMs / 1000)} s after the event; waiting up to ${Math.round(waitMs / 60_000)} minutes): the delivery will be retried.`,
    { transient: true },
  );
}

/** Gather the facts for one failure event. */
export async function gatherFacts(event: FailureEvent, deps: FactDeps): Promise<Facts> {
  // 1. The door already carries the message (Activity Log alert): an authorization failure needs no app reads.
  const doorMessage = event.statusDetail?.statusMessage;
  const doorAuthz = parseAuthorizationFailed(doorMessage);
  if (doorAuthz) return gatherAuthzFacts(event, doorAuthz, doorOrigin(event), deps);
  const doorPolicy = parsePolicyRefusal(doorMessage);
  if (doorPolicy) return gatherPolicyFacts(event, doorPolicy, doorOrigin(event), deps, event.authorization);

  const target = containerAppIdOf(event.resourceId);
  if (target) return gatherAcrPullFacts(event, target.appId, target.revisionName, deps, doorMessage);

  // 2. Any other resource: the reason is only in the Activity Log — one read, whatever the resource type.
  const found = await findActivityLogFailure(event, deps);
  const denial = await denialFactsFromLog(event, found, deps);
  if (denial) return denial;
  if (!found.entryFound && !doorMessage) {
    awaitActivityLog(event, deps); // throws (transient) while the entry may still appear
    const waitMin = Math.round((deps.activityLogWaitMs ?? DEFAULT_ACTIVITY_LOG_WAIT_MS) / 60_000);
    return unclassified(
      event,
      undefined,
      event.correlationId
        ? `No Activity Log entry for correlation id ${event.correlationId} appeared within ${waitMin} minutes of the event, so what ARM answered is not known.`
        : 'The event carries no correlation id, so its Activity Log entry cannot be found.',
    );
  }
  if (!isHandledOperation(event.operationName))
    return {
      ...unclassified(
        event,
        found.message ?? doorMessage,
        `${event.operationName} failed for a reason other than authorization or policy: not a failure the remediator looks after.`,
      ),
      unrelated: true,
    };
  return unclassified(
    event,
    found.message ?? doorMessage,
    'The Activity Log entry for this failure carries no message the remediator understands.',
  );
}

function unclassified(
  event: FailureEvent,
  rawMessage: string | undefined,
  reason: string,
  extra: Partial<UnclassifiedFacts> = {},
): UnclassifiedFacts {
  const f: UnclassifiedFacts = {
    flavor: 'unclassified',
    resourceId: event.resourceId,
    reason,
    evidence: [
      `${event.operationName} on ${event.resourceId} reported ${event.status}${event.correlationId ? ` (correlation id ${event.correlationId})` : ''}.`,
      ...(extra.evidence ?? []),
    ],
  };
  if (rawMessage) f.rawMessage = rawMessage;
  if (extra.appId) f.appId = extra.appId;
  if (extra.revisionName) f.revisionName = extra.revisionName;
  return f;
}

/** The secret-reference facts when `message` says a Key Vault secret could not be read. */
function secretRefFactsOf(
  app: ContainerAppInfo,
  message: string | undefined,
  messageSource: SecretRefFacts['messageSource'] = 'activity-log',
): SecretRefFacts | undefined {
  const secret = matchSecretRefError(message);
  if (!secret || !message) return undefined;
  const f: SecretRefFacts = {
    flavor: 'secret-ref',
    resourceId: app.id,
    appName: app.name,
    message,
    messageSource,
    secret,
  };
  if (secret.identity) {
    const { ref, attached } = identityFor(app, secret.identity);
    f.identity = ref;
    f.identityAttached = attached;
  }
  return f;
}

export async function gatherAcrPullFacts(
  event: FailureEvent,
  appId: string,
  revisionHint: string | undefined,
  deps: FactDeps,
  doorMessage?: string,
): Promise<Facts> {
  // Reads started speculatively end before the facts are returned: none outlives the invocation (unused or not).
  const inFlight: Array<Promise<unknown>> = [];
  try {
    return await gatherPullFacts(event, appId, revisionHint, deps, doorMessage, inFlight);
  } finally {
    await Promise.allSettled(inFlight);
  }
}

async function gatherPullFacts(
  event: FailureEvent,
  appId: string,
  revisionHint: string | undefined,
  deps: FactDeps,
  doorMessage: string | undefined,
  inFlight: Array<Promise<unknown>>,
): Promise<Facts> {
  const { arm, log } = deps;
  // Round 1: the app.
  const app = await arm.getContainerApp(appId);
  if (!app)
    return unclassified(
      event,
      doorMessage,
      `Container app ${appId} no longer exists, so the failure cannot be examined.`,
      { appId },
    );
  // Speculative targets: every (registry, principal) the app's own images would pull with. The registries behind its
  // login servers: cached per login server; cold, one Resource Graph query whatever the number of subscriptions.
  const appImages = [...app.initContainers, ...app.containers]
    .map((c) => parseImageReference(c.image))
    .filter((r): r is ImageReference => !!r);
  const registries = await findRegistriesFor(arm, [...new Set(appImages.map((i) => i.loginServer))]);
  const targets = new Map<string, PullReadTarget>();
  for (const img of appImages) {
    const reg = findRegistry(registries, img.loginServer);
    const entry = app.registries.find((r) => r.server.toLowerCase() === img.loginServer);
    if (!reg || !entry?.identity) continue;
    const { ref, attached } = identityFor(app, entry.identity);
    if (attached && ref.principalId)
      targets.set(`${reg.id.toLowerCase()}|${ref.principalId.toLowerCase()}`, {
        registryId: reg.id,
        principalId: ref.principalId,
      });
  }
  const speculative = targets.size === 1 ? [...targets.values()][0] : undefined;

  // Round 2: the failing revision ∥ the role and deny assignments of the (single) pull identity.
  const revisionName = revisionHint ?? app.latestRevisionName;
  const specReads = speculative ? readsFor(arm, speculative) : undefined;
  if (specReads) inFlight.push(specReads.catch(() => undefined));
  const revision = revisionName ? await arm.getRevision(appId, revisionName) : undefined;

  let message = revision?.provisioningError;
  let messageSource: AcrPullFacts['messageSource'] = 'revision';
  let pull = pickPullError(message, deps.focusLoginServer);
  if (!pull && doorMessage) {
    pull = pickPullError(doorMessage, deps.focusLoginServer);
    if (pull) {
      message = doorMessage;
      messageSource = 'activity-log';
    }
  }
  if (pull && revision && isStaleForEvent(revision.createdTime, event.time)) {
    // The failing revision is much older than the failed write: the write itself may have been refused (and created
    // no revision). Let the Activity Log speak first; keep the revision's pull error otherwise.
    const found = await findActivityLogFailure(event, deps);
    const denial = await denialFactsFromLog(event, found, deps);
    if (denial) return denial;
  }
  if (!pull) {
    // A Key Vault secret reference ARM could not read (the door or the revision already says so).
    const early = secretRefFactsOf(app, revision?.provisioningError, 'revision') ?? secretRefFactsOf(app, doorMessage);
    if (early) return early;
    // Round 3: the revision does not say why: ask the Activity Log.
    const found = await findActivityLogFailure(event, deps);
    const denial = await denialFactsFromLog(event, found, deps);
    if (denial) return denial;
    const secretRef = secretRefFactsOf(app, found.message);
    if (secretRef) return secretRef;
    pull = pickPullError(found.message, deps.focusLoginServer);
    if (pull && found.message) {
      message = found.message;
      messageSource = 'activity-log';
    } else {
      const raw = revision?.provisioningError ?? found.message ?? doorMessage;
      const healthy =
        revision &&
        !revision.provisioningError &&
        !/fail/i.test(`${revision.provisioningState ?? ''} ${revision.runningState ?? ''}`);
      const evidence = [
        revision
          ? `Latest revision ${revision.name}: provisioningState ${revision.provisioningState ?? '?'}, runningState ${revision.runningState ?? '?'}${revision.provisioningError ? `, provisioningError: ${revision.provisioningError}` : ', no provisioningError'}.`
          : `Container app ${app.name} has no latest revision to read.`,
        found.entryFound
          ? `The Activity Log entry for correlation id ${event.correlationId ?? '?'} carries ${found.message ? 'a message the remediator does not recognise' : 'no status message'}.`
          : `No Activity Log entry was found for correlation id ${event.correlationId ?? '(none)'}.`,
      ];
      return unclassified(
        event,
        raw,
        revision?.provisioningError
          ? `Revision ${revision.name} of container app ${app.name} failed with an error the remediator does not recognise.`
          : healthy
            ? `Container app ${app.name} reported a failed write, but its latest revision ${revision.name} is healthy now and the Activity Log does not say why the write failed.`
            : `Container app ${app.name} reported a failed write, but neither its revision${revisionName ? ` ${revisionName}` : ''} nor the Activity Log explains it.`,
        { appId: app.id, ...(revision ? { revisionName: revision.name } : {}), evidence },
      );
    }
  }
  if (!message) message = '';

  const { image, containerName } = pickFailingImage(
    pull,
    revision?.containers.length ? revision.containers : [...app.initContainers, ...app.containers],
  );
  const loginServer = image?.loginServer ?? pull.loginServer;
  let registry = loginServer ? findRegistry(registries, loginServer) : undefined;
  if (!registry && loginServer && isAcrLoginServer(loginServer) && pull.kind !== 'image-not-found') {
    // A registry created since the map was cached: look once more, fresh.
    registry = findRegistry(await findRegistriesFor(arm, [loginServer], true), loginServer);
  }
  const registryEntry = loginServer ? app.registries.find((r) => r.server.toLowerCase() === loginServer) : undefined;

  const facts: AcrPullFacts = {
    flavor: 'acr-pull',
    now: deps.now.toISOString(),
    propagationWindowMs: deps.propagationWindowMs,
    appId: app.id,
    app,
    message,
    messageSource,
    pullError: pull,
    roleAssignments: [],
    roleDefinitions: {},
    denyAssignments: [],
  };
  if (revision) facts.revision = revision;
  if (image) facts.image = image;
  if (containerName) facts.containerName = containerName;
  if (registry) facts.registry = registry;
  if (registryEntry) facts.registryEntry = registryEntry;
  const others = otherFailingImages(message, loginServer);
  if (others.length) facts.otherFailures = others;
  const sameRegistry = sameRegistryImages(message, pull, loginServer);
  if (sameRegistry.length) facts.sameRegistryFailures = sameRegistry;

  if (registryEntry?.identity) {
    const { ref, attached } = identityFor(app, registryEntry.identity);
    if (attached && ref.kind === 'user-assigned' && !ref.principalId) {
      const uai = await arm.getUserAssignedIdentity(ref.resourceId);
      if (uai?.principalId) ref.principalId = uai.principalId;
      if (uai?.clientId) ref.clientId = uai.clientId;
    }
    facts.identity = ref;
    facts.identityAttached = attached;
  }

  const principalId = facts.identity?.principalId;
  if (registry && principalId && facts.identityAttached && pull.kind !== 'image-not-found') {
    const useSpec =
      speculative &&
      sameId(speculative.registryId, registry.id) &&
      speculative.principalId.toLowerCase() === principalId.toLowerCase();
    const [assignments, denies] = await (useSpec && specReads
      ? specReads
      : readsFor(arm, { registryId: registry.id, principalId }));
    facts.roleAssignments = assignments;
    facts.denyAssignments = denies;
    const mgs = managementGroupsOf(assignments);
    if (mgs.length) facts.managementGroupIds = mgs;
    const covering = assignments.filter(
      (a) => sameId(a.principalId, principalId) && isAtOrAbove(a.scope, registry.id, mgs),
    );
    facts.roleDefinitions = await readRoleDefinitions(arm, covering);
  }
  log?.debug(
    { appId: app.id, revision: revision?.name, pull: pull.kind, loginServer, registryId: registry?.id, principalId },
    'acr pull facts gathered',
  );
  return facts;
}
