/**
 * The one path every fix takes before it touches ARM: re-read the facts, check the guardrails, take a unit of the
 * hourly budget (and re-check) BEFORE claiming the unit of work, write, record. Used by the executor and the heal
 * task alike (a heal step already holds its scheduled unit when it pays).
 */
import { annotateSpan, ATTR, recordBudgetUsed, SPAN, withSpan } from '../telemetry/signals';
import type { Logger } from 'pino';
import type { ArmPort, ContainerAppInfo, RegistryInfo } from '../azure/arm-port';
import { parseResourceId } from '../azure/ids';
import type { Config } from '../config';
import { writeAudit } from '../audit';
import { describeError, describeErrorMessage, isTransientError } from '../errors';
import { FIX_TARGETS, RemediatorError, type Action, type Clock, type FixAction } from '../model';
import type { Json, StateStore } from '../store/port';
import type { FixClaimFacts } from './fix-claim';
import { beginUnit, createWorkContext, passCheckpoint, toBeginRequest, type WorkContext } from '../work/work-context';
import { decideBegin, readWork, workBusyError, type BeginResult, type HeldLease } from '../work/work-store';
import { checkGuardrail, type GuardDecision, type GuardFacts } from './guardrails';
import type { HealScheduler } from './heal-task';
import { BUDGET_PARTITION, createBudgetHourKey } from './ids';

export interface RemediateDeps {
  arm: ArmPort;
  store: StateStore;
  scheduler: HealScheduler;
  clock: Clock;
  config: Readonly<Config>;
  log: Logger;
  /** This invocation's lease owner, deadline and checkpoints (default: a fresh one per write). */
  work?: WorkContext;
}

export interface WriteContext {
  eventId: string;
  correlationId?: string;
  /** The diagnosed container app (re-read for the guardrails; never trusted as is). */
  appId?: string;
  /** The caller already holds the unit's lease (the heal step took the scheduled redeploy). */
  lease?: HeldLease;
  /** With `lease`: it was taken over from an owner that stopped mid-way (re-read ARM before writing). */
  takenOver?: boolean;
  /** Approve mode: the person who approved this fix (the guardrails then allow the write). */
  approvedBy?: string;
  /** The story the fix belongs to (its work key; a heal step abandoned later reopens it). */
  storyKey?: string;
  /** false: guard and claim only, no budget unit (scheduling a redeploy; the heal task pays when it writes). */
  consumeBudget?: boolean;
  /**
   * A later redeploy attempt of one heal (adaptive schedule): its first attempt paid the budget unit, so this one
   * neither checks nor takes one (the attempts are bounded by REMEDIATOR_HEAL_MAX_ATTEMPTS).
   */
  budgetPaid?: boolean;
}

/** What the write is told: after a takeover the earlier owner may have written already. */
export interface WriteRun {
  takenOver: boolean;
}

export interface WriteDone {
  reason: string;
  /** Recorded in the work record (e.g. the new revision's name). */
  facts?: FixClaimFacts;
  /** The work record's state once written: `done` (default), or `scheduled` (the heal task writes later). */
  state?: 'done' | 'scheduled';
}

/** The action with its final status, and what the write recorded (only when this call wrote it). */
export interface WriteOutcome {
  action: Action;
  facts?: FixClaimFacts;
}

function sameType(id: string, type: string): boolean {
  return (parseResourceId(id).type ?? '').toLowerCase() === type.toLowerCase();
}

async function readOrUndefined<T>(p: Promise<T | undefined>): Promise<T | undefined> {
  return p;
}

/** Re-read from ARM what the guardrails need for this action. */
export async function gatherGuardFacts(action: Action, appId: string | undefined, arm: ArmPort): Promise<GuardFacts> {
  const onApp = FIX_TARGETS[action.type] === 'app';
  const appTarget = onApp ? (action.resourceId ?? appId) : appId;
  const rawRegistry = onApp ? undefined : (action.resourceId ?? action.scope);
  // Only ever read a registry id as a registry (a scope such as a resource group is simply "no registry").
  const registryTarget =
    rawRegistry && sameType(rawRegistry, 'Microsoft.ContainerRegistry/registries') ? rawRegistry : undefined;
  const [app, registry] = await Promise.all([
    appTarget ? readOrUndefined<ContainerAppInfo>(arm.getContainerApp(appTarget)) : Promise.resolve(undefined),
    registryTarget ? readOrUndefined<RegistryInfo>(arm.getRegistry(registryTarget)) : Promise.resolve(undefined),
  ]);
  return { ...(app ? { app } : {}), ...(registry ? { registry } : {}), apps: app ? [app] : [] };
}

export async function recordAudit(
  deps: Pick<RemediateDeps, 'store' | 'clock' | 'config' | 'log'>,
  ctx: WriteContext,
  stage: string,
  action: Action,
  detail: Record<string, Json> = {},
): Promise<void> {
  const target = action.resourceId ?? action.scope;
  await writeAudit(
    deps,
    {
      eventId: ctx.eventId,
      ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
      ...(target ? { resourceId: target } : {}),
      stage,
      status: action.status,
      detail: {
        action: JSON.parse(JSON.stringify(action)) as Json,
        ...(ctx.approvedBy ? { approvedBy: ctx.approvedBy } : {}),
        ...detail,
      },
    },
    action.type,
  );
}

function stopped(action: FixAction, d: Exclude<GuardDecision, { allowed: true }>): Action {
  return { ...action, status: d.status, reason: d.reason };
}

/** A stored fix outcome → the facts the executor and the heal step read back. */
export function readFixFacts(outcome: Record<string, Json> | undefined): FixClaimFacts {
  const o = outcome ?? {};
  return {
    ...(typeof o['revisionName'] === 'string' ? { revisionName: o['revisionName'] } : {}),
    ...(typeof o['assignmentName'] === 'string' ? { assignmentName: o['assignmentName'] } : {}),
    ...(typeof o['created'] === 'boolean' ? { created: o['created'] } : {}),
    ...(o['heal'] === 'healed' ? { heal: 'healed' as const } : {}),
  };
}

/** What an event that finds the unit in someone else's hands reports (or undefined: it was acquired). */
function reportOthers(action: FixAction, claimKey: string, r: Exclude<BeginResult, { kind: 'acquired' }>): Action {
  const by = `event ${r.record.eventId || 'another delivery'}, claim ${claimKey}`;
  switch (r.kind) {
    case 'busy':
      throw workBusyError('fix', claimKey, r.record);
    case 'completed':
      return { ...action, status: 'applied', reason: `already applied by another delivery (${by})` };
    case 'scheduled':
      return { ...action, status: 'applied', reason: `already scheduled by another delivery (${by})` };
    case 'failed':
      return {
        ...action,
        status: 'failed',
        reason: `an earlier attempt by ${by} failed: ${r.record.reason}; a later event may try again after ${r.record.retryAfter}`,
      };
  }
}

/** Whether this delivery would take the fix now (nobody holds, did or failed it): only then is a budget unit taken. */
async function isFreeToTake(
  store: StateStore,
  claimKey: string,
  work: WorkContext,
  clock: Clock,
  eventId: string,
): Promise<boolean> {
  if (work.held.has(`fix|${claimKey}`)) return false;
  const current = await readWork(store, 'fix', claimKey);
  return decideBegin(current, toBeginRequest(work, clock, eventId)).kind === 'acquire';
}

/**
 * Guard → budget → claim (a work record lease) → write → record, for one action. Resolves the action with its final
 * status. A live lease elsewhere, a transient write failure or a passed deadline throws a transient error (after
 * giving the lease and the budget unit back); a permanent failure is recorded `failed` with `retryAfter`.
 * After a takeover (`WriteRun.takenOver`) the write must re-read ARM first: the earlier owner may have written.
 */
export async function guardAndWrite(
  action: FixAction,
  ctx: WriteContext,
  deps: RemediateDeps,
  write: (run: WriteRun) => Promise<WriteDone>,
): Promise<WriteOutcome> {
  const log = deps.log.child({ action: action.type, claimKey: action.claimKey });
  const work = deps.work ?? createWorkContext(deps.config.invocationDeadlineMs);
  const approval = { approved: ctx.approvedBy !== undefined };
  const { facts, used, first } = await withSpan(
    SPAN.guard,
    { [ATTR.actionType]: action.type, [ATTR.resourceId]: action.resourceId ?? action.scope },
    async (span) => {
      const facts = await gatherGuardFacts(action, ctx.appId, deps.arm);
      const used = await deps.store.readCounter(BUDGET_PARTITION, createBudgetHourKey(deps.clock.now()));
      const budget = { usedThisHour: ctx.budgetPaid ? 0 : used };
      const first = checkGuardrail(action, facts, deps.config, budget, approval);
      annotateSpan(span, { 'remediator.guard.allowed': first.allowed, 'remediator.budget.used': used });
      return { facts, used, first };
    },
  );
  const seen = {
    app: facts.app ? ({ id: facts.app.id, tags: facts.app.tags } as unknown as Json) : null,
    registry: facts.registry
      ? ({
          id: facts.registry.id,
          tags: facts.registry.tags,
          roleAssignmentMode: facts.registry.roleAssignmentMode ?? null,
          armTokenAuth: facts.registry.armTokenAuth ?? null,
        } as unknown as Json)
      : null,
  };
  const hourKey = createBudgetHourKey(deps.clock.now());
  const nowMs = (): number => deps.clock.now().getTime();
  if (!first.allowed) {
    const out = stopped(action, first);
    log.info({ status: out.status, reason: out.reason }, 'fix not written');
    await recordAudit(deps, ctx, 'action', out, { seen, budgetUsed: used });
    if (ctx.lease) await ctx.lease.fail(out.reason ?? out.status, nowMs(), deps.config.fixRetryAfterMs);
    return { action: out };
  }
  const claimKey = action.claimKey ?? `${action.type}|${action.resourceId ?? action.scope ?? ''}`;
  const consume = ctx.consumeBudget !== false && !ctx.budgetPaid;
  let counted = false;
  const giveBack = async (): Promise<void> => {
    if (!counted) return;
    counted = false;
    await deps.store.increment(BUDGET_PARTITION, hourKey, -1).catch(() => undefined);
  };
  /** Take one unit of the hour's budget and re-check: the refused action, or undefined (the unit is held). */
  const takeBudget = async (): Promise<{ refused: Action; used: number } | undefined> => {
    // The store retries its ETag conflicts; one that gives up is transient (the delivery is retried).
    const n = await deps.store.increment(BUDGET_PARTITION, hourKey);
    counted = true;
    recordBudgetUsed(n, deps.config.fixBudgetPerHour);
    const second = checkGuardrail(action, facts, deps.config, { usedThisHour: n - 1 }, approval);
    if (second.allowed) return undefined;
    await giveBack();
    return { refused: stopped(action, second), used: n - 1 };
  };
  let lease = ctx.lease;
  let takenOver = ctx.takenOver === true;
  if (!lease) {
    work.deadline.check(`claiming ${action.type}`);
    // The budget unit BEFORE the claim: counter contention or a refusal then leaves no fix claimed. (A unit someone
    // else has done or holds takes no budget: it is only reported.)
    if (consume && (await isFreeToTake(deps.store, claimKey, work, deps.clock, ctx.eventId))) {
      const no = await takeBudget();
      if (no) {
        log.info({ status: no.refused.status, reason: no.refused.reason }, 'fix not written');
        await recordAudit(deps, ctx, 'action', no.refused, { seen, budgetUsed: no.used });
        return { action: no.refused };
      }
    }
    const r = await beginUnit(deps.store, 'fix', claimKey, work, deps.clock, ctx.eventId).catch(async (err) => {
      await giveBack();
      throw err;
    });
    if (r.kind !== 'acquired') {
      await giveBack();
      const out = reportOthers(action, claimKey, r);
      log.info({ ownerEvent: r.record.eventId, state: r.kind }, 'unit of work handled by another delivery');
      await recordAudit(deps, ctx, 'action', out, { seen, claim: r.kind });
      return { action: out };
    }
    lease = r.lease;
    if (r.previous) {
      takenOver = r.previous.state === 'in-progress';
      await recordAudit(
        deps,
        ctx,
        'takeover',
        { ...action, status: 'planned' },
        {
          claimKey,
          previous: r.previous.state,
          ...(r.previous.state === 'in-progress' ? { previousOwner: r.previous.lease.owner } : {}),
        },
      );
    }
  }
  const held = lease;
  await passCheckpoint(work, `fix-claimed:${action.type}`);
  try {
    // A heal step holding its scheduled redeploy (or a unit that freed up meanwhile) pays now, under its lease.
    const no = consume && !counted ? await takeBudget() : undefined;
    if (no) {
      if (ctx.lease) await held.fail(no.refused.reason ?? no.refused.status, nowMs(), deps.config.fixRetryAfterMs);
      else await held.release(nowMs());
      await recordAudit(deps, ctx, 'action', no.refused, { seen, budgetUsed: no.used });
      return { action: no.refused };
    }
    work.deadline.check(`writing ${action.type}`);
    await passCheckpoint(work, `write:${action.type}`);
    const done = await withSpan(
      SPAN.act,
      { [ATTR.actionType]: action.type, [ATTR.resourceId]: action.resourceId ?? action.scope },
      () => write({ takenOver }),
    );
    await passCheckpoint(work, `written:${action.type}`);
    const outcome: Record<string, Json> = { status: 'applied', reason: done.reason, ...(done.facts ?? {}) };
    if (done.state === 'scheduled') await held.schedule(outcome, nowMs());
    else await held.complete(outcome, nowMs());
    await passCheckpoint(work, `recorded:${action.type}`);
    const out: Action = { ...action, status: 'applied', reason: done.reason };
    log.info({ reason: done.reason }, 'fix applied');
    await recordAudit(deps, ctx, 'action', out, { seen, ...(takenOver ? { takenOver: true } : {}) });
    return done.facts ? { action: out, facts: done.facts } : { action: out };
  } catch (err) {
    await giveBack();
    const message = describeErrorMessage(err);
    if (isTransientError(err)) {
      await held.release(nowMs()).catch(() => undefined);
      log.warn({ err: describeError(err) }, 'transient failure writing a fix; lease released for the retry');
      await recordAudit(
        deps,
        ctx,
        'action',
        { ...action, status: 'failed', reason: `transient: ${message}` },
        { seen, retry: true },
      ).catch(() => undefined);
      throw err instanceof RemediatorError
        ? err
        : new RemediatorError('fix-write-transient', `${action.type} failed transiently: ${message}`, {
            cause: err,
            transient: true,
          });
    }
    await held.fail(message, nowMs(), deps.config.fixRetryAfterMs).catch(() => undefined);
    const out: Action = { ...action, status: 'failed', reason: message };
    log.error({ err: describeError(err) }, 'fix failed');
    await recordAudit(deps, ctx, 'action', out, { seen });
    return { action: out };
  }
}
