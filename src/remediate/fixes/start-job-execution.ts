/**
 * `start-job-execution` (off by default: it runs the customer's workload): one execution of a manually triggered
 * Container Apps job, to prove the pull once the job carries the image that failed. The job's template does not carry
 * it while ARM's refusal stands, so nothing is written here: the heal check (../heal-job.ts) starts the execution,
 * through `guardAndWrite`, once the team's deployment carries the image.
 */
import type { Action } from '../../model';
import { recordAudit } from '../write';
import type { FixType } from './fix-type';

export const START_JOB_EXECUTION: FixType<'start-job-execution'> = {
  async execute(action, { ctx, deps, done }) {
    const notFixed = done.filter((a) => a.status === 'blocked' || a.status === 'failed');
    const out: Action =
      notFixed.length > 0
        ? {
            ...action,
            status: 'blocked',
            reason: `not started: the cause is not fixed (${notFixed.map((a) => `${a.type} ${a.status}`).join(', ')})`,
          }
        : deps.config.mode === 'dry-run'
          ? { ...action, reason: `dry-run: ${action.reason ?? 'would start one execution of the job'}` }
          : action;
    await recordAudit(deps, ctx, 'action', out);
    return { action: out };
  },
};
