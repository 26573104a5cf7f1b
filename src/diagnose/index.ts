/**
 * Diagnosis: one FailureEvent → exactly one Diagnosis. Facts are read through the ArmPort (facts.ts); the kind is
 * decided by pure, ordered rules (rules.ts). A failure that cannot be classified becomes `unknown` with its raw message.
 */
import type { Logger } from 'pino';
import type { ArmPort } from '../azure/arm-port';
import type { Config } from '../config';
import type { Clock, Diagnosis, FailureEvent } from '../model';
import { gatherFacts } from './facts';
import { classifyWithRule } from './rules';

export interface DiagnoseDeps {
  arm: ArmPort;
  clock: Clock;
  config: Pick<Config, 'propagationWindowMs'> & Partial<Pick<Config, 'activityLogWaitMs'>>;
  log?: Logger;
}

export async function diagnose(event: FailureEvent, deps: DiagnoseDeps): Promise<Diagnosis> {
  const facts = await gatherFacts(event, {
    arm: deps.arm,
    now: deps.clock.now(),
    propagationWindowMs: deps.config.propagationWindowMs,
    ...(deps.config.activityLogWaitMs !== undefined ? { activityLogWaitMs: deps.config.activityLogWaitMs } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(event.focusLoginServer ? { focusLoginServer: event.focusLoginServer } : {}),
  });
  const { rule, diagnosis } = classifyWithRule(facts);
  deps.log?.debug({ rule, kind: diagnosis.kind, flavor: facts.flavor }, 'diagnosis rule matched');
  return diagnosis;
}

export { classify, classifyWithRule, ACR_PULL_RULES, ARM_AUTHZ_RULES } from './rules';
export { gatherFacts, containerAppIdOf } from './facts';
export type { Facts, AcrPullFacts, ArmAuthzFacts, UnclassifiedFacts } from './facts-model';
export {
  matchPullError,
  parseAuthorizationFailed,
  parseImageReference,
  extractImageReference,
  extractArmError,
} from './messages';
export type { PullErrorMatch, ImageReference, AuthorizationFailure } from './messages';
export { pickLeastPrivilegeRole, grantsAction, matchesAction, scoreRole } from './rbac';
