/**
 * What each diagnosis kind means, what an operator checks by hand, and what the remediator does about it — the
 * catalog's words (src/kinds.ts), as `remediator diagnose`, `remediator explain` and the README (kept in step by a test)
 * show them — and what each fix type writes, whether it is allowed by default and why (checked by the compiler for
 * every fix type).
 */
import { SETTINGS } from './config';
import { KINDS } from './kinds';
import type { ActionType, DiagnosisKind } from './model';

export interface KindExplanation {
  meaning: string;
  checks: string[];
  remediation: string;
}

/** The explanation of one kind. */
export function explainKind(kind: DiagnosisKind): KindExplanation {
  const { meaning, checks, remediation } = KINDS[kind];
  return { meaning, checks, remediation };
}

export interface FixTypeExplanation {
  /** What it writes in ARM. */
  writes: string;
  /** When the remediator plans it. */
  when: string;
  /** Why it is on or off by default. */
  why: string;
}

const FIX_TYPES: Readonly<Record<ActionType, FixTypeExplanation>> = {
  'assign-role': {
    writes:
      'a role assignment (PUT …/providers/Microsoft.Authorization/roleAssignments/{deterministic guid}) of AcrPull or Container Registry Repository Reader at the registry scope, to the identity the app or job pulls with',
    when: 'acr-pull/missing-role, abac-role-mismatch, system-identity-on-create, arm-authz/acr-pull-denied',
    why: 'on by default: the only roles the remediator ever grants are the two pull roles, at one registry',
  },
  'redeploy-revision': {
    writes:
      "a new revision of the container app with its unchanged template (PATCH of the app with a new revisionSuffix), once the fix has taken effect; never for a deployment ARM refused (the team's next deployment proves it)",
    when: 'after every automatic pull fix of a container app',
    why: 'on by default: it restarts what already runs, with the same template',
  },
  'enable-arm-token-auth': {
    writes:
      "the registry's authentication-as-arm policy (PATCH of policies.azureADAuthenticationAsArmPolicy to enabled), then a redeploy",
    when: 'acr-pull/arm-token-auth-disabled',
    why: 'off by default: it loosens a registry security setting some organisations enforce by Azure Policy',
  },
  'start-job-execution': {
    writes:
      "one execution of a manually triggered Container Apps job (POST …/jobs/{name}/start), by the heal check once the job's template carries the image that failed; a Schedule or Event job is never started (it heals on its own next execution)",
    when: 'after the pull fix of a Container Apps job with triggerType Manual',
    why: "off by default: it runs the customer's workload; otherwise the message gives the step (az containerapp job start --name JOB --resource-group RG)",
  },
};

/** The fix types the remediator may apply when REMEDIATOR_ALLOWED_FIX_TYPES is not set. */
export function defaultAllowedFixTypes(): string[] {
  return (SETTINGS.find((s) => s.name === 'REMEDIATOR_ALLOWED_FIX_TYPES')?.default ?? '').split(',');
}

/** The explanation of one fix type. */
export function explainFixType(type: ActionType): FixTypeExplanation & { allowedByDefault: boolean } {
  return { ...FIX_TYPES[type], allowedByDefault: defaultAllowedFixTypes().includes(type) };
}
