/**
 * Redeploy attempts of the adaptive heal schedule (REMEDIATOR_HEAL_SCHEDULE=adaptive, after a role grant): each
 * attempt is its own revision (suffix `-2`, `-3` …) and unit of work, sent with a deterministic ARM correlation id the
 * remediator records first (so the attempt's own failure event is recognised, never a new story); one attempt in
 * flight per app; a failed attempt schedules the next on the schedule (src/remediate/heal-schedule.ts); a heal
 * teaches the next one how long propagation takes here. Used by the heal task (heal.ts) and the redeploy fix.
 */
import type { Config } from '../config';
import {
  readPropagationSamples,
  recordOwnWrite,
  recordPropagationSample,
  releaseAppHealLease,
  takeAppHealLease,
} from './heal-records';
import { DEFAULT_HEAL_SCHEDULE, computeNextAttemptMs, computePropagationBracket } from './heal-schedule';
import type { HealStepResult, HealTask } from './heal-task';
import { createNameBasedUuid } from './ids';
import type { RemediateDeps } from './write';

export type AdaptiveHealTask = HealTask & { grantedAt: string };

/** Does this heal follow the adaptive schedule (a role grant it times from, and the setting says so)? */
export function isAdaptiveHeal(task: HealTask, config: Pick<Config, 'healSchedule'>): task is AdaptiveHealTask {
  return task.grantedAt !== undefined && config.healSchedule === 'adaptive';
}

export interface RedeployAttempt {
  /** 1 for the first attempt. */
  n: number;
  revisionSuffix: string;
  /** The attempt's unit of work (the first is the one the executor claimed). */
  claimKey: string;
  /** Sent as `x-ms-correlation-request-id` and recorded before the write. */
  correlationId: string;
}

export function describeRedeployAttempt(task: HealTask): RedeployAttempt {
  const n = (task.failedAfterMs?.length ?? 0) + 1;
  const claimKey = n === 1 ? task.claimKey : `${task.claimKey}|attempt${n}`;
  return {
    n,
    revisionSuffix: n === 1 ? task.revisionSuffix : `${task.revisionSuffix}-${n}`,
    claimKey,
    correlationId: createNameBasedUuid(`redeploy|${claimKey}`),
  };
}

export async function recordRedeployWrite(task: HealTask, attempt: RedeployAttempt, deps: RemediateDeps) {
  await recordOwnWrite(deps.store, attempt.correlationId, {
    appId: task.appId,
    eventId: task.eventId,
    attempt: attempt.n,
  });
}

const settingsOf = (config: Pick<Config, 'healBackoffMaxMs'>) => ({
  ...DEFAULT_HEAL_SCHEDULE,
  maxGapMs: config.healBackoffMaxMs,
});

/** Delay from now until the first attempt after a grant at `grantedAtMs` (what earlier heals learned, else 60 s). */
export async function computeFirstAttemptDelayMs(grantedAtMs: number, deps: RemediateDeps): Promise<number> {
  const bracket = computePropagationBracket(await readPropagationSamples(deps.store));
  const at = computeNextAttemptMs([], bracket, settingsOf(deps.config));
  return Math.max(0, grantedAtMs + at - deps.clock.now().getTime());
}

/** The lease holder of one heal (all its attempts). */
const holderOf = (task: HealTask): string => task.claimKey;

/** Long enough for an attempt and its checks; a crashed holder's lease ends by itself. */
const leaseMsOf = (config: Pick<Config, 'healCheckDelayMs' | 'healCheckAttempts'>): number =>
  Math.max(10 * 60_000, config.healCheckDelayMs * (config.healCheckAttempts + 1));

/**
 * One attempt in flight per app: take the app's lease, or (another heal's attempt is being checked) schedule this
 * step again a little later and say so.
 */
export async function holdAppForAttempt(
  task: AdaptiveHealTask,
  deps: RemediateDeps,
): Promise<HealStepResult | undefined> {
  const nowMs = deps.clock.now().getTime();
  if (await takeAppHealLease(deps.store, task.appId, holderOf(task), nowMs, nowMs + leaseMsOf(deps.config)))
    return undefined;
  await deps.scheduler.schedule(task, DEFAULT_HEAL_SCHEDULE.minGapMs);
  return {
    status: 'pending',
    detail: `another redeploy of this app is being checked: this one follows in ${DEFAULT_HEAL_SCHEDULE.minGapMs / 1000} s`,
    rescheduled: true,
  };
}

export async function releaseApp(task: HealTask, deps: RemediateDeps): Promise<void> {
  await releaseAppHealLease(deps.store, task.appId, holderOf(task));
}

/** The attempt's revision runs: free the app, learn from this heal, and say how long and how many attempts. */
export async function finishAdaptiveHeal(
  task: AdaptiveHealTask,
  deps: RemediateDeps,
): Promise<{ attempts: number; detail: string }> {
  await releaseApp(task, deps);
  const failed = task.failedAfterMs ?? [];
  const grantMs = Date.parse(task.grantedAt);
  const byMs = task.attemptAfterMs ?? deps.clock.now().getTime() - grantMs;
  await recordPropagationSample(deps.store, failed, byMs).catch((err: unknown) =>
    deps.log.warn({ err }, 'propagation sample not recorded'),
  );
  const attempts = failed.length + 1;
  return {
    attempts,
    detail: `redeploy attempt ${attempts}, ${Math.round(byMs / 1000)} s after the role was granted`,
  };
}

/** A failed attempt (the role may still be propagating): the next one on the schedule, or `still-failing`. */
export async function scheduleNextAttempt(
  task: AdaptiveHealTask,
  revisionName: string,
  error: string,
  deps: RemediateDeps,
): Promise<HealStepResult> {
  await releaseApp(task, deps);
  const nowMs = deps.clock.now().getTime();
  const grantMs = Date.parse(task.grantedAt);
  const failed = [...(task.failedAfterMs ?? []), task.attemptAfterMs ?? nowMs - grantMs];
  if (failed.length >= deps.config.healMaxAttempts)
    return {
      status: 'still-failing',
      revisionName,
      attempts: failed.length,
      detail: `${failed.length} redeploy attempts over ${Math.round((nowMs - grantMs) / 1000)} s since the role was granted all failed; the last: ${error}`,
    };
  const bracket = computePropagationBracket(await readPropagationSamples(deps.store));
  const nextMs = computeNextAttemptMs(failed, bracket, settingsOf(deps.config));
  const delayMs = Math.max(0, grantMs + nextMs - nowMs);
  const { newRevisionName: _n, attemptAfterMs: _a, ...rest } = task;
  const next: HealTask = {
    ...rest,
    id: `heal:${task.claimKey}:attempt${failed.length + 1}`,
    phase: 'redeploy',
    attempt: 0,
    failedAfterMs: failed,
  };
  await deps.scheduler.schedule(next, delayMs);
  deps.log.info({ appId: task.appId, failedAttempts: failed.length, delayMs }, 'redeploy attempt failed; next one');
  return {
    status: 'pending',
    revisionName,
    attempts: failed.length,
    detail: `redeploy attempt ${failed.length} failed (the role may still be propagating): ${error}; attempt ${failed.length + 1} in ${Math.round(delayMs / 1000)} s`,
    rescheduled: true,
  };
}
