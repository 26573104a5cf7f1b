/** Remediation: plan (pure), guardrails (pure), executor, heal task and its schedulers, deterministic ids. */
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
export type { HealTask, HealScheduler, HealStepResult, ClockedRun } from './heal';
export { QueueHealScheduler, createHealScheduler, encodeHealMessage, decodeHealMessage } from './queue-scheduler';
export * from './ids';
