/**
 * What a fix type is: how one planned action of that type is guarded, claimed and written (always through
 * `guardAndWrite`, the one path to ARM). Fix types are listed in ./index.ts; what each writes to (registry or app) is
 * `FIX_TARGETS` in src/model.ts.
 */
import type { Action, ActionType, Diagnosis, FailureEvent, FixAction, HealResult } from '../../model';
import type { RemediateDeps, WriteContext } from '../write';

/** One run of the executor over an outcome's actions. */
export interface FixRun {
  event: FailureEvent;
  diagnosis: Diagnosis;
  ctx: WriteContext;
  deps: RemediateDeps;
  /** The actions of this outcome handled so far (a redeploy waits on the fixes before it). */
  done: readonly Action[];
}

/** The action with its final status, and what it says of the heal when it started one. */
export interface FixStep {
  action: Action;
  heal?: HealResult;
}

export interface FixType<T extends ActionType> {
  execute(action: FixAction<T>, run: FixRun): Promise<FixStep>;
}
