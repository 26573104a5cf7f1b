/**
 * The facts the rules decide on: plain JSON-able data gathered through the ArmPort (src/diagnose/facts.ts), so the
 * rules can be tested from JSON fixtures.
 */
import type {
  ContainerAppInfo,
  DenyAssignmentInfo,
  PolicyAssignmentInfo,
  PolicyDefinitionInfo,
  RegistryInfo,
  RevisionInfo,
  RoleAssignmentInfo,
  RoleDefinitionInfo,
} from '../azure/arm-port';
import type { RegistryIdentityRef } from '../model';
import type { AuthorizationFailure, ImageReference, PullErrorMatch, SecretRefFailure } from './messages';
import type { PolicyRefusal } from './policy-messages';

/** Where a denial's text came from, and what the Activity Log entry adds (both doors give the same). */
export interface DenialOrigin {
  messageSource: 'event' | 'activity-log';
  /** When ARM refused the request (the log entry's eventTimestamp, else the event time). */
  failedAt?: string;
  /** The request body ARM logged (`properties.requestbody`), for conditions on what was asked. */
  requestBody?: string;
}

export interface AcrPullFacts {
  flavor: 'acr-pull';
  /** ISO time of the diagnosis (the injected clock). */
  now: string;
  propagationWindowMs: number;
  appId: string;
  app: ContainerAppInfo;
  revision?: RevisionInfo;
  /** The error text the kind is read from. */
  message: string;
  messageSource: 'revision' | 'activity-log';
  pullError: PullErrorMatch;
  /** The failing image (named by the error, else the revision's image on the error's registry). */
  image?: ImageReference;
  containerName?: string;
  /** The registry behind the image's login server; absent = no visible registry has that login server. */
  registry?: RegistryInfo;
  /** The app's `configuration.registries[]` entry for that login server. */
  registryEntry?: ContainerAppInfo['registries'][number];
  /** The identity the entry names, resolved against the app's identities. */
  identity?: RegistryIdentityRef;
  /** false when the entry names an identity the app does not have. */
  identityAttached?: boolean;
  /** Role assignments of the identity's principal (at, above and below the registry scope). */
  roleAssignments: RoleAssignmentInfo[];
  /** Definitions of roles in `roleAssignments` that are not well-known built-ins, keyed by GUID. */
  roleDefinitions: Record<string, RoleDefinitionInfo>;
  /** Deny assignments that apply at the registry scope. */
  denyAssignments: DenyAssignmentInfo[];
  /**
   * Management groups above the registry, when known. ARM returns management-group assignments for the principal
   * filter only when they sit above the queried scope, so facts.ts lists the ones it saw.
   */
  managementGroupIds?: string[];
  /** Other images of the same failure failing from another registry (each its own story), from the error text. */
  otherFailures?: Array<{ image: string; loginServer: string; error: PullErrorMatch['kind'] }>;
  /** Other images of the same failure failing from the SAME registry (one story with this one), from the error text. */
  sameRegistryFailures?: Array<{ image: string; error: PullErrorMatch['kind'] }>;
}

export interface ArmAuthzFacts {
  flavor: 'arm-authz';
  now: string;
  propagationWindowMs: number;
  /** The resource the event is about. */
  resourceId: string;
  failure: AuthorizationFailure;
  /** Where the failure text came from. */
  messageSource: 'event' | 'activity-log';
  callerPrincipalId?: string;
  callerPrincipalType?: string;
  /** Every role assignment of the caller in the denied scope's subscription (at, above and below) — siblings included. */
  roleAssignments: RoleAssignmentInfo[];
  roleDefinitions: Record<string, RoleDefinitionInfo>;
  denyAssignments: DenyAssignmentInfo[];
  /** Built-in role definitions, for the least-privilege recommendation. */
  builtInRoles: RoleDefinitionInfo[];
  /**
   * Management groups above the denied scope, nearest first: the subscription's ancestry from the management groups
   * API when it could be read (`managementGroupsSource: 'api'`), else those of the caller's assignments (ARM's
   * principal filter only returns them when above).
   */
  managementGroupIds: string[];
  managementGroupsSource?: 'api' | 'assignments';
  failedAt?: string;
  /** For a role assignment write: the role it asked for (from the logged request body), for ABAC conditions. */
  requestedRoleDefinitionId?: string;
  /**
   * When the caller holds no role for the action: the workload (container app or job) whose identity the caller is,
   * its other identities, and their role assignments in the subscription.
   */
  workload?: {
    id: string;
    identities: Array<{
      principalId: string;
      kind: 'system' | 'user-assigned';
      identityId?: string;
      clientId?: string;
    }>;
    roleAssignments: RoleAssignmentInfo[];
  };
  /** For a denied ACR pull: the container app and registry that use the caller's principal, when one does. */
  pullUse?: {
    appId: string;
    registryId?: string;
    loginServer?: string;
    identity?: RegistryIdentityRef;
    /** The registry's role assignment mode (decides AcrPull vs Repository Reader). */
    roleAssignmentMode?: string;
    /** The app's latest revision when it is not its latest ready one (i.e. it is failing). */
    failingRevisionName?: string;
  };
}

/** ARM refused the request with RequestDisallowedByPolicy: the refusal, and the assignment/definition read from ARM. */
export interface ArmPolicyFacts {
  flavor: 'arm-policy';
  resourceId: string;
  refusal: PolicyRefusal;
  messageSource: 'event' | 'activity-log';
  failedAt?: string;
  action?: string;
  deniedScope: string;
  callerPrincipalId?: string;
  callerPrincipalType?: string;
  assignment?: PolicyAssignmentInfo;
  definition?: PolicyDefinitionInfo;
}

/** A Key Vault secret reference of a container app (or job) that its configured identity could not read. */
export interface SecretRefFacts {
  flavor: 'secret-ref';
  resourceId: string;
  appName: string;
  /** The error text and where it came from. */
  message: string;
  messageSource: 'revision' | 'activity-log';
  secret: SecretRefFailure;
  /** The identity as the app has it: resolved principal, and whether it is attached at all. */
  identity?: RegistryIdentityRef;
  identityAttached?: boolean;
}

export interface UnclassifiedFacts {
  flavor: 'unclassified';
  /** The failure is not one the remediator looks after (the Activity Log says it was neither unauthorised nor policy). */
  unrelated?: true;
  resourceId: string;
  /** Why nothing could be classified, as a sentence. */
  reason: string;
  rawMessage?: string;
  evidence: string[];
  appId?: string;
  revisionName?: string;
}

export type Facts = AcrPullFacts | ArmAuthzFacts | ArmPolicyFacts | SecretRefFacts | UnclassifiedFacts;
