/**
 * The fix types, by name. A new fix type is one module here (its `execute`, through `guardAndWrite`) and one line
 * below, plus its entry in `ActionTargets` / `FIX_TARGETS` (src/model.ts) and the plan cases that choose it.
 */
import type { ActionType, FixAction } from '../../model';
import { ASSIGN_ROLE } from './assign-role';
import { ENABLE_ARM_TOKEN_AUTH } from './enable-arm-token-auth';
import type { FixRun, FixStep, FixType } from './fix-type';
import { REDEPLOY_REVISION } from './redeploy-revision';
import { START_JOB_EXECUTION } from './start-job-execution';

export const FIX_TYPES: { readonly [T in ActionType]: FixType<T> } = {
  'assign-role': ASSIGN_ROLE,
  'enable-arm-token-auth': ENABLE_ARM_TOKEN_AUTH,
  'redeploy-revision': REDEPLOY_REVISION,
  'start-job-execution': START_JOB_EXECUTION,
};

/** Run one fix through its type's module. */
export function executeFix<T extends ActionType>(action: FixAction<T>, run: FixRun): Promise<FixStep> {
  // TypeScript does not correlate `FIX_TYPES[action.type]` with `action`'s own type; the mapped type above does.
  const fix = FIX_TYPES[action.type] as FixType<T>;
  return fix.execute(action, run);
}

export { computeRedeployDelayMs } from './redeploy-revision';
export type { FixRun, FixStep, FixType } from './fix-type';
