/** The shapes of a diagnosis-kind catalog entry (src/kinds.ts holds the catalog itself). Pure types. */
import type { PullErrorKind } from './diagnose/messages';

/** The failure domain a kind belongs to (and the rule family that decides it). */
export type KindFamily = 'acr-pull' | 'arm-authz' | 'registry-auth' | 'secret-ref' | 'other';

/**
 * What makes events one story (one failure, handled once):
 * - `revision`: the same failed revision of the same app (or the same event when there is no revision);
 * - `denial`: the same caller, action and scope within the hour.
 * Kinds sharing a `family` are the same story: a revision first seen as missing-role and later as role-propagating
 * is one failure.
 */
export interface StoryShape {
  family: string;
  by: 'revision' | 'denial';
}

/**
 * What makes stories one storm (one message, then a digest):
 * - `pull-identity`: the same pulling identity and registry (and the same image, `withImage`);
 * - `caller-scope`: the same caller and denied scope;
 * - `resource`: the same resource.
 */
export interface StormShape {
  family: string;
  by: 'pull-identity' | 'caller-scope' | 'resource';
  withImage?: true;
}

/** How offline triage, from the error text alone, arrives at the kind. */
export type TriageShape =
  /** The registry's error decides it alone (e.g. MANIFEST_UNKNOWN). */
  | { by: 'pull-error'; pullError: Exclude<PullErrorKind, 'unauthorized' | 'denied'> }
  /** One of several causes of a refusal that only ARM state tells apart; `rank`: most likely first. */
  | { by: 'candidate'; of: 'pull-refused' | 'authz-denied'; rank: number }
  /** An AuthorizationFailed for the registry pull action. */
  | { by: 'pull-action' }
  /** ARM's RequestDisallowedByPolicy: the error names the policy. */
  | { by: 'policy' }
  /** A registry outside ACR refused the pull (UNAUTHORIZED / DENIED from its own host). */
  | { by: 'non-acr-refusal' }
  /** A Key Vault secret reference could not be read (`Unable to get value using Managed identity …`). */
  | { by: 'secret-ref' }
  | { by: 'none' };

export interface KindEntry {
  family: KindFamily;
  /** Title of the messages about it. */
  label: string;
  /** Nothing automatic can help: a person must act. */
  manual: boolean;
  story: StoryShape;
  storm: StormShape;
  triage: TriageShape;
  meaning: string;
  /** What an operator checks by hand (`az` commands with placeholders, or questions). */
  checks: string[];
  remediation: string;
}
