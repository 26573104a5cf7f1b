/**
 * Remediation: plan (pure), guardrails (pure), executor, heal task and the in-memory scheduler, deterministic ids.
 * No adapter here: the Storage Queue scheduler is src/adapters/queue-scheduler.ts.
 */
export { planActions, selectPullRole, describeRole } from './plan';
export {
  checkGuardrail,
  isInAllowedScopes,
  hasOptOutTag,
  findRegistryPrincipal,
  findAppsUsingPrincipal,
} from './guardrails';
export type { GuardFacts, BudgetState, GuardDecision, GuardConfig } from './guardrails';
export { executeActions, computeRedeployDelayMs } from './executor';
export type { ExecuteInput } from './executor';
export { guardAndWrite, gatherGuardFacts } from './write';
export type { RemediateDeps, WriteContext } from './write';
export { runHealTask, ClockedScheduler, isRevisionRunning, isRevisionFailed } from './heal';
export type { ClockedRun } from './heal';
export type { HealTask, HealScheduler, HealStepResult } from './heal-task';
export { encodeHealMessage, decodeHealMessage } from './heal-task';
export { abandonHealTask, type Abandoned } from './heal-abandon';
export * from './ids';
