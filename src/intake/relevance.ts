/**
 * What the remediator looks after. Pure: decides relevance from the event alone, never from ARM.
 *
 * The Event Grid door takes a failed write, action or delete of ANY resource type: the event carries no error code
 * (DOMAIN.md), so whether it was an `AuthorizationFailed` / `RequestDisallowedByPolicy` is only known from the Activity
 * Log (one read, src/diagnose/facts.ts); anything else ends `unrelated`. The infra tests read HANDLED_EVENT_TYPES to
 * check that the Event Grid subscription filter (includedEventTypes, no operation filter) matches what intake accepts.
 */

/** Event Grid ARM events that report a failed write, action or delete (Microsoft.Resources.* system topics). */
export const HANDLED_EVENT_TYPES: readonly string[] = Object.freeze([
  'Microsoft.Resources.ResourceWriteFailure',
  'Microsoft.Resources.ResourceActionFailure',
  'Microsoft.Resources.ResourceDeleteFailure',
]);

/**
 * ARM operation names whose failures the remediator looks after whatever ARM answered (compared case-insensitively);
 * a failure of any other operation is looked at only when ARM refused it as unauthorised or by policy:
 * - `Microsoft.App/containerApps/write` — create/update of a container app: a new revision whose image pull fails
 *   (`UNAUTHORIZED: authentication required`) fails this operation;
 * - `Microsoft.App/containerApps/revisions/restart/action`, `…/revisions/activate/action` — revision actions that pull
 *   the image again and fail the same way;
 * - `Microsoft.App/jobs/write` — create/update of a Container Apps job, refused (400
 *   `InvalidParameterValueInContainerTemplate`) when its image cannot be pulled; the same `acr-pull/*` kinds apply;
 * - `Microsoft.App/jobs/start/action` — a start of a Container Apps job ARM refused or failed (the remediator's own
 *   `start-job-execution` and a team's `az containerapp job start`): looked at like the job's write;
 * - `Microsoft.ContainerRegistry/registries/pull/read` — the registry data action AcrPull grants; an
 *   `AuthorizationFailed` on it is `arm-authz/acr-pull-denied`;
 * - `Microsoft.Authorization/roleAssignments/write` — a role assignment write that failed (e.g. a deployment that
 *   tried to grant AcrPull without the right to do so).
 */
export const HANDLED_OPERATIONS: readonly string[] = Object.freeze([
  'Microsoft.App/containerApps/write',
  'Microsoft.App/containerApps/revisions/restart/action',
  'Microsoft.App/containerApps/revisions/activate/action',
  'Microsoft.App/jobs/write',
  'Microsoft.App/jobs/start/action',
  'Microsoft.ContainerRegistry/registries/pull/read',
  'Microsoft.Authorization/roleAssignments/write',
]);

const EVENT_TYPES_LC = new Set(HANDLED_EVENT_TYPES.map((s) => s.toLowerCase()));
const OPERATIONS_LC = new Set(HANDLED_OPERATIONS.map((s) => s.toLowerCase()));

export const VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';

export function isHandledEventType(eventType: string): boolean {
  return EVENT_TYPES_LC.has(eventType.toLowerCase());
}

export function isHandledOperation(operationName: string): boolean {
  return OPERATIONS_LC.has(operationName.toLowerCase());
}

export function isFailedStatus(status: string): boolean {
  return status.toLowerCase() === 'failed';
}

/**
 * Why an Event Grid ARM event is not ours, or undefined when it is. Any operation's failure is ours until the
 * Activity Log says it was not refused as unauthorised or by policy (`operationName` does not decide here).
 */
export function findEventGridIgnoreReason(e: {
  eventType: string;
  operationName: string;
  status: string;
}): string | undefined {
  if (!isHandledEventType(e.eventType)) return `event type ${e.eventType} is not a failure the remediator handles`;
  if (!isFailedStatus(e.status)) return `operation status is ${e.status}, not Failed`;
  return undefined;
}

const AUTHZ_TOKENS =
  /\b(AuthorizationFailed|Forbidden|LinkedAuthorizationFailed|RequestDisallowedByPolicy)\b|"statusCode"\s*:\s*"?403\b/i;

/** True when an Activity Log entry's status details say "not authorised". */
export function isAuthorizationFailure(detail: {
  subStatus?: string;
  statusCode?: string;
  statusMessage?: string;
}): boolean {
  return [detail.subStatus, detail.statusCode, detail.statusMessage].some(
    (s) => s !== undefined && (AUTHZ_TOKENS.test(s) || s.trim() === '403'),
  );
}

/** Why an Activity Log alert is not ours, or undefined when it is. */
export function findAlertIgnoreReason(e: {
  monitoringService: string;
  operationName: string;
  status: string;
  statusDetail: { subStatus?: string; statusCode?: string; statusMessage?: string };
}): string | undefined {
  if (e.monitoringService.toLowerCase() !== 'activity log - administrative') {
    return `alerts from ${e.monitoringService} are not handled (only Activity Log - Administrative)`;
  }
  if (!isFailedStatus(e.status)) return `operation status is ${e.status}, not Failed`;
  if (isAuthorizationFailure(e.statusDetail) || isHandledOperation(e.operationName)) return undefined;
  return `failed operation ${e.operationName} is neither an authorization failure nor one the remediator looks after`;
}
