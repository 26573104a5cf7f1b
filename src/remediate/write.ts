/**
 * The one path every fix takes before it touches ARM: re-read the facts, check the guardrails, claim the unit of
 * work, take a unit of the hourly budget (and re-check), write, record. Used by the executor and the heal task alike.
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
import { readFixClaim, toFixClaimValue, type FixClaimFacts } from './fix-claim';
import { checkGuardrail, type GuardDecision, type GuardFacts } from './guardrails';
import type { HealScheduler } from './heal-task';
import { BUDGET_PARTITION, FIX_CLAIM_PARTITION, createBudgetHourKey } from './ids';

export interface RemediateDeps {
  arm: ArmPort;
  store: StateStore;
  scheduler: HealScheduler;
  clock: Clock;
  config: Readonly<Config>;
  log: Logger;
}

export interface WriteContext {
  eventId: string;
  correlationId?: string;
  /** The diagnosed container app (re-read for the guardrails; never trusted as is). */
  appId?: string;
  /** The caller already owns the claim (the heal task owns the redeploy claim taken by the executor). */
  claimHeld?: boolean;
  /** Approve mode: the person who approved this fix (the guardrails then allow the write). */
  approvedBy?: string;
  /** false: guard and claim only, no budget unit (scheduling a redeploy; the heal task pays when it writes). */
  consumeBudget?: boolean;
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

/**
 * Guard → claim → budget → write → record, for one action. Resolves the action with its final status.
 * Throws a transient RemediatorError (after releasing the claim and the budget unit) when the write failed in a way
 * worth retrying; a permanent failure resolves as `failed`.
 */
export async function guardAndWrite(
  action: FixAction,
  ctx: WriteContext,
  deps: RemediateDeps,
  write: () => Promise<WriteDone>,
): Promise<WriteOutcome> {
  const log = deps.log.child({ action: action.type, claimKey: action.claimKey });
  const approval = { approved: ctx.approvedBy !== undefined };
  const { facts, used, first } = await withSpan(
    SPAN.guard,
    { [ATTR.actionType]: action.type, [ATTR.resourceId]: action.resourceId ?? action.scope },
    async (span) => {
      const facts = await gatherGuardFacts(action, ctx.appId, deps.arm);
      const used = await deps.store.readCounter(BUDGET_PARTITION, createBudgetHourKey(deps.clock.now()));
      const first = checkGuardrail(action, facts, deps.config, { usedThisHour: used }, approval);
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
  if (!first.allowed) {
    const out = stopped(action, first);
    log.info({ status: out.status, reason: out.reason }, 'fix not written');
    await recordAudit(deps, ctx, 'action', out, { seen, budgetUsed: used });
    return { action: out };
  }
  const claimKey = action.claimKey ?? `${action.type}|${action.resourceId ?? action.scope ?? ''}`;
  if (!ctx.claimHeld) {
    const won = await deps.store.claim(
      FIX_CLAIM_PARTITION,
      claimKey,
      toFixClaimValue({ eventId: ctx.eventId, state: 'claimed', at: deps.clock.now().toISOString() }),
    );
    if (!won) {
      const owner = readFixClaim((await deps.store.get(FIX_CLAIM_PARTITION, claimKey))?.value);
      const ownerEvent = owner?.eventId ?? 'another delivery';
      const state = owner?.state;
      const out: Action =
        owner?.state === 'failed'
          ? {
              ...action,
              status: 'failed',
              reason: `an earlier attempt by event ${ownerEvent} failed (claim ${claimKey}): ${owner.reason}`,
            }
          : {
              ...action,
              status: 'applied',
              reason: `already ${state === 'done' ? 'applied' : state === 'scheduled' ? 'scheduled' : 'being applied'} by another delivery (event ${ownerEvent}, claim ${claimKey})`,
            };
      log.info({ ownerEvent, state }, 'unit of work claimed by another delivery');
      await recordAudit(deps, ctx, 'action', out, { seen, claim: 'lost' });
      return { action: out };
    }
  }
  const releaseClaim = async (): Promise<void> => {
    if (!ctx.claimHeld) await deps.store.release(FIX_CLAIM_PARTITION, claimKey).catch(() => undefined);
  };
  const consume = ctx.consumeBudget !== false;
  if (consume) {
    const n = await deps.store.increment(BUDGET_PARTITION, hourKey);
    recordBudgetUsed(n, deps.config.fixBudgetPerHour);
    const second = checkGuardrail(action, facts, deps.config, { usedThisHour: n - 1 }, approval);
    if (!second.allowed) {
      await deps.store.increment(BUDGET_PARTITION, hourKey, -1).catch(() => undefined);
      await releaseClaim();
      const out = stopped(action, second);
      await recordAudit(deps, ctx, 'action', out, { seen, budgetUsed: n - 1 });
      return { action: out };
    }
  }
  try {
    const done = await withSpan(
      SPAN.act,
      { [ATTR.actionType]: action.type, [ATTR.resourceId]: action.resourceId ?? action.scope },
      write,
    );
    await deps.store.update(
      FIX_CLAIM_PARTITION,
      claimKey,
      toFixClaimValue({
        eventId: ctx.eventId,
        state: done.state ?? 'done',
        at: deps.clock.now().toISOString(),
        ...(done.facts ?? {}),
      }),
    );
    const out: Action = { ...action, status: 'applied', reason: done.reason };
    log.info({ reason: done.reason }, 'fix applied');
    await recordAudit(deps, ctx, 'action', out, { seen });
    return done.facts ? { action: out, facts: done.facts } : { action: out };
  } catch (err) {
    if (consume) await deps.store.increment(BUDGET_PARTITION, hourKey, -1).catch(() => undefined);
    const message = describeErrorMessage(err);
    if (isTransientError(err)) {
      await releaseClaim();
      log.warn({ err: describeError(err) }, 'transient failure writing a fix; claim released for the retry');
      await recordAudit(
        deps,
        ctx,
        'action',
        { ...action, status: 'failed', reason: `transient: ${message}` },
        { seen, retry: true },
      ).catch(() => undefined);
      throw new RemediatorError('fix-write-transient', `${action.type} failed transiently: ${message}`, {
        cause: err,
        transient: true,
      });
    }
    await deps.store
      .update(
        FIX_CLAIM_PARTITION,
        claimKey,
        toFixClaimValue({ eventId: ctx.eventId, state: 'failed', reason: message, at: deps.clock.now().toISOString() }),
      )
      .catch(() => undefined);
    const out: Action = { ...action, status: 'failed', reason: message };
    log.error({ err: describeError(err) }, 'fix failed');
    await recordAudit(deps, ctx, 'action', out, { seen });
    return { action: out };
  }
}
