/**
 * The project's shared data model: plain data that flows intake → diagnose → plan → guard → act → notify.
 * No SDK imports here. Public shapes follow ../shared/CONTRACTS.md (extend, never rename).
 */

// ───────────────────────────── intake ─────────────────────────────

/** Which door a failure came through. */
export type FailureSource = 'event-grid' | 'cloud-events' | 'activity-log-alert';

/** One normalised, validated failure, whatever door it came through. */
export interface FailureEvent {
  source: FailureSource;
  /** Event id (Event Grid `id`, CloudEvents `id`, alert `essentials.alertId`); `{id}#{login server}` for a second story. */
  id: string;
  /**
   * Set by the pipeline, never by intake: the login server whose failure this event stands for, when the revision
   * failed on several registries (each is its own story).
   */
  focusLoginServer?: string;
  /** ISO timestamp of the event. */
  time: string;
  /** Event Grid eventType / CloudEvents type / `azureMonitorCommonAlertSchema`. */
  eventType: string;
  subject: string;
  /** The ARM resource the operation targeted (`data.resourceUri`, alert target id). */
  resourceId: string;
  /** e.g. `Microsoft.App/containerApps/write`. */
  operationName: string;
  /** e.g. `Failed`, `Succeeded`. */
  status: string;
  correlationId?: string;
  subscriptionId?: string;
  tenantId?: string;
  resourceGroup?: string;
  /** Caller identity from the claims (objectidentifier / oid) and its type. */
  caller?: { principalId?: string; principalType?: string; name?: string; appId?: string };
  /** `data.authorization` — what ARM authorised (or denied). */
  authorization?: { action?: string; scope?: string };
  /** Status details where the door carries them (Activity Log alerts: subStatus, statusCode, statusMessage). */
  statusDetail?: { subStatus?: string; statusCode?: string; statusMessage?: string };
  /** The request body ARM logged (`properties.requestbody` of the Activity Log entry), where the door carries it. */
  requestBody?: string;
  /** The original payload of this one event, untouched. */
  raw: unknown;
}

export type IntakeItem =
  | { status: 'accepted'; event: FailureEvent }
  | { status: 'ignored'; eventId: string; reason: string }
  | { status: 'rejected'; eventId?: string; error: string };

// ───────────────────────────── diagnosis ─────────────────────────────

export const DIAGNOSIS_KINDS = [
  'acr-pull/missing-role',
  'acr-pull/abac-role-mismatch',
  'acr-pull/system-identity-on-create',
  'acr-pull/arm-token-auth-disabled',
  'acr-pull/role-propagating',
  'acr-pull/identity-not-attached',
  'acr-pull/no-registry-identity',
  'acr-pull/image-not-found',
  'acr-pull/network-blocked',
  'acr-pull/registry-not-found',
  'arm-authz/acr-pull-denied',
  'arm-authz/missing-role',
  'arm-authz/wrong-scope',
  'arm-authz/deny-assignment',
  'arm-authz/role-propagating',
  'registry-auth/credentials-rejected',
  'registry-auth/rate-limited',
  'secret-ref/key-vault-access-denied',
  'unknown',
  'unrelated',
  // second release (CONTRACTS.md §1, added rows)
  'arm-authz/policy-denied',
  'arm-authz/condition-not-met',
  'arm-authz/wrong-principal',
] as const;
export type DiagnosisKind = (typeof DIAGNOSIS_KINDS)[number];

/** Role definition GUIDs the remediator cares about. */
export const ROLE_IDS = {
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  repositoryReader: 'b93aa761-3e63-49ed-ac28-beffa264f7ac',
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
} as const;
/** The only roles the remediator may ever assign. */
export const PULL_ROLE_IDS: readonly string[] = [ROLE_IDS.acrPull, ROLE_IDS.repositoryReader];

export type RegistryIdentityRef =
  | { kind: 'system'; principalId?: string }
  | { kind: 'user-assigned'; resourceId: string; principalId?: string; clientId?: string };

/**
 * Structured evidence. Every field optional: which ones are set depends on the kind.
 * The planner and guardrails act on these; `Diagnosis.evidence` holds the same facts as sentences for people.
 */
export interface DiagnosisDetails {
  appId?: string;
  appName?: string;
  revisionName?: string;
  provisioningError?: string;
  image?: string;
  loginServer?: string;
  /**
   * Every image of this story when several failed from the same registry the same way (a sidecar next to the main
   * container): `image` first. One story, one fix, one message naming them all.
   */
  images?: string[];
  /** Other registries the same revision failed to pull from: each is its own story (the pipeline diagnoses it). */
  otherFailingRegistries?: string[];
  repository?: string;
  tag?: string;
  registryId?: string;
  registryTags?: Record<string, string>;
  roleAssignmentMode?: 'LegacyRegistryPermissions' | 'AbacRepositoryPermissions' | string;
  armTokenAuth?: 'enabled' | 'disabled' | string;
  identity?: RegistryIdentityRef;
  /** The role the fix needs (AcrPull or Repository Reader), full role definition id or GUID. */
  requiredRoleDefinitionId?: string;
  /** Role assignments found for the principal that matter, with their scopes. */
  rolesFound?: Array<{
    roleDefinitionId: string;
    roleName?: string;
    scope: string;
    createdOn?: string;
    assignmentId?: string;
  }>;
  /** When the newest relevant assignment was created and when it should take effect. */
  newestAssignmentCreatedOn?: string;
  effectiveAt?: string;
  deniedAction?: string;
  deniedScope?: string;
  callerPrincipalId?: string;
  callerPrincipalType?: string;
  recommendedRole?: { roleDefinitionId: string; roleName: string };
  wrongScopeAssignment?: { assignmentId: string; scope: string; roleName?: string };
  denyAssignment?: { id: string; name?: string; scope?: string };
  /** When ARM refused the request (the Activity Log entry's eventTimestamp, else the event's time). */
  failedAt?: string;
  /** `arm-authz/policy-denied`: the policy assignment and definition that refused the request, and the effect. */
  policy?: {
    assignmentId: string;
    assignmentName?: string;
    assignmentScope?: string;
    definitionId?: string;
    definitionName?: string;
    setDefinitionId?: string;
    definitionReferenceId?: string;
    effect?: string;
    /** Whether the definition / assignment was read from ARM (false: only ARM's refusal names them). */
    read: boolean;
  };
  /** `arm-authz/condition-not-met` (and `unknown` for a condition too complex to evaluate): the conditional assignment. */
  condition?: {
    assignmentId: string;
    roleName?: string;
    scope: string;
    expression: string;
    /** `false`: it excludes this request; `unknown`: it could not be evaluated (with the reason). */
    result: 'false' | 'unknown';
    reason: string;
  };
  /** `arm-authz/wrong-principal`: the identity of the same workload that holds the role. */
  otherPrincipal?: {
    principalId: string;
    kind: 'system' | 'user-assigned';
    identityId?: string;
    clientId?: string;
    workloadId: string;
    assignmentId: string;
    roleName?: string;
    scope: string;
  };
  networkBlock?: string;
  /** How the app authenticates to the image's registry (`registries[]` entry), for the registry-auth kinds. */
  registryAuth?: { username?: string; passwordSecretRef?: string; identity?: string; acr: boolean };
  /** A Key Vault secret reference the configured identity could not read. */
  secretRef?: { name: string; identity?: string; keyVaultUrl?: string };
  /**
   * ARM refused the deployment before any revision existed: the failed image is not in the app's current template,
   * so redeploying that template proves nothing (the team must run its deployment again).
   */
  deploymentRefused?: boolean;
  /** A Container Apps job's `configuration.triggerType` (`Manual`, `Schedule`, `Event`): how its next execution starts. */
  jobTrigger?: string;
  /** Other images of the same revision that failed too (each its own story once this one is fixed). */
  otherFailingImages?: string[];
  rawMessage?: string;
}

export interface Diagnosis {
  kind: DiagnosisKind;
  /** The resource the failure is about (the container app, or the denied scope). */
  resourceId: string;
  /** One sentence. */
  summary: string;
  /** Facts a person can verify, one per line. */
  evidence: string[];
  details: DiagnosisDetails;
  /** Exact manual steps where nothing is automatic (or in addition to it). */
  manualSteps?: string[];
}

// ───────────────────────────── actions ─────────────────────────────

export type ActionType = 'assign-role' | 'enable-arm-token-auth' | 'redeploy-revision' | 'start-job-execution';
/**
 * What each fix type writes to: the registry or the container app (the guardrails check that resource's scope and
 * opt-out tag). One line per fix type; how it is written is its module in src/remediate/fixes/.
 */
export const FIX_TARGETS: Readonly<Record<ActionType, 'registry' | 'app'>> = {
  'assign-role': 'registry',
  'enable-arm-token-auth': 'registry',
  'redeploy-revision': 'app',
  'start-job-execution': 'app',
};
export const ACTION_TYPES = Object.keys(FIX_TARGETS) as readonly ActionType[];
export type ActionStatus = 'applied' | 'planned' | 'blocked' | 'manual' | 'failed' | 'awaiting-approval';

/** Every status but `manual`: the remediator may write the fix, so its target is known. */
export type FixStatus = Exclude<ActionStatus, 'manual'>;

/** What each fix type writes to, once it may be written (for `manual`, every field is optional). */
export interface ActionTargets {
  'assign-role': {
    scope: string;
    principalId: string;
    principalType?: string;
    roleDefinitionId: string;
    resourceId?: string;
  };
  /** `resourceId` (and `scope`) is the registry. */
  'enable-arm-token-auth': { resourceId: string; scope?: string } & NoPrincipal;
  /** `resourceId` (and `scope`) is the container app. */
  'redeploy-revision': { resourceId: string; scope?: string } & NoPrincipal;
  /** `resourceId` (and `scope`) is the Container Apps job (manual trigger) whose execution is started. */
  'start-job-execution': { resourceId: string; scope?: string } & NoPrincipal;
}

/** Fix types that grant nothing carry no principal or role (declared `never` so readers of any action may ask). */
interface NoPrincipal {
  principalId?: never;
  principalType?: never;
  roleDefinitionId?: never;
}

interface ActionCommon<T extends ActionType> {
  type: T;
  /** Why (for blocked / manual / failed); what was done for applied. */
  reason?: string;
  /** Deterministic idempotency key of this unit of work. */
  claimKey?: string;
}

/** A fix the remediator may write (planned, then applied / blocked / failed). */
export type FixAction<T extends ActionType = ActionType> = {
  [K in T]: ActionCommon<K> & { status: FixStatus } & ActionTargets[K];
}[T];
/** A step for a person: what is known of the target, nothing more. */
export type ManualAction<T extends ActionType = ActionType> = {
  [K in T]: ActionCommon<K> & { status: 'manual' } & Partial<ActionTargets[K]>;
}[T];
/** One action of an outcome, discriminated by `type` then `status`. */
export type ActionOf<T extends ActionType> = FixAction<T> | ManualAction<T>;
export type Action = { [K in ActionType]: ActionOf<K> }[ActionType];

export type HealStatus = 'healed' | 'still-failing' | 'pending' | 'not-checked' | 'awaiting-deployment';
export interface HealResult {
  status: HealStatus;
  revisionName?: string;
  /** Time from failure to healthy revision, on the remediator's clock. */
  healedAfterMs?: number;
  /** Redeploy attempts so far (adaptive schedule after a role grant); on `healed`, the last is the one that runs. */
  attempts?: number;
  detail?: string;
}

// ───────────────────────────── outcomes ─────────────────────────────

/** Approve mode: where a person approves or dismisses a story's pending fixes (signed, expiring, single use). */
export interface ApprovalLinks {
  approvalId: string;
  approveUrl: string;
  dismissUrl: string;
  /** ISO time the links stop working. */
  expiresAt: string;
  /** Set when a Slack app is configured: the tokens Slack's interactive buttons carry (instead of links). */
  slackTokens?: { approve: string; dismiss: string };
}

export type OutcomeStatus = 'diagnosed' | 'ignored' | 'rejected' | 'duplicate';

interface OutcomeCommon {
  eventId: string;
  /** Extension: correlation id for people. */
  correlationId?: string;
  mode?: RemediatorMode;
}

/** A failure that was looked at: its diagnosis and what was done (CONTRACTS.md §2). */
export interface DiagnosedOutcome extends OutcomeCommon {
  status: 'diagnosed';
  diagnosis: Diagnosis;
  actions: Action[];
  /** Extension: heal verification result. */
  heal?: HealResult;
  /** Extension (approve mode): the signed Approve / Dismiss links of fixes awaiting approval. */
  approval?: ApprovalLinks;
  /** Extension (approve mode): who approved the fixes this outcome reports. */
  approvedBy?: string;
  reason?: never;
  error?: never;
}

/**
 * Outcomes that did no work carry no diagnosis, actions or heal. Fields of other statuses are declared `never` so a
 * reader of any outcome may still ask for them.
 */
interface NoWork {
  diagnosis?: never;
  actions?: never;
  heal?: never;
  approval?: never;
  approvedBy?: never;
}
export interface IgnoredOutcome extends OutcomeCommon, NoWork {
  status: 'ignored';
  /** Extension: why an event was ignored. */
  reason?: string;
  error?: never;
}
export interface RejectedOutcome extends OutcomeCommon, NoWork {
  status: 'rejected';
  error: string;
  reason?: never;
}
export interface DuplicateOutcome extends OutcomeCommon, NoWork {
  status: 'duplicate';
  /** Which event or story already did the work. */
  reason?: string;
  error?: never;
}

/** One entry of `remediator simulate --json` `outcomes[]` (CONTRACTS.md §2), with extensions; one shape per status. */
export type Outcome = DiagnosedOutcome | IgnoredOutcome | RejectedOutcome | DuplicateOutcome;

export type RemediatorMode = 'dry-run' | 'auto-fix' | 'approve';

/** Raised by code that wants Event Grid to retry the delivery (transient faults only). */
export class RemediatorError extends Error {
  readonly code: string;
  readonly transient: boolean;
  constructor(code: string, message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RemediatorError';
    this.code = code;
    this.transient = options?.transient ?? false;
  }
}

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
