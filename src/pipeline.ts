/**
 * The pipeline: intake items → diagnose → plan → guard → act → notify, one Outcome per item (one per story when a
 * revision failed on several registries).
 *
 * Exactly once, on work records (src/work/: ETag-checked leases, `completed` carrying the outcome):
 * - the *event*: a delivery of an event already completed is a `duplicate` answering with its outcome;
 * - the *story*: one diagnosed failure (kind + resource + failed revision, or caller + action + scope for ARM
 *   authorization failures) is handled once, however many events or deliveries report it;
 * - the *fix*: each unit of work (assignment, policy change, redeploy) has its own record (src/remediate/write.ts).
 * A live lease held by another delivery throws a transient error (never acknowledged: Event Grid retries). A story's
 * plan is noted before its first write: a delivery that takes it over (its owner died) carries the same plan out.
 *
 * Throws only for transient faults (src/errors.ts `isTransientError`), after giving its leases back so the retried
 * delivery can do the work. Everything else ends in an Outcome.
 */
import type { Logger } from 'pino';
import type { ArmPort } from './azure/arm-port';
import type { Config } from './config';
import { offerApproval } from './approve/offer';
import { describeError, describeErrorMessage, isTransientError } from './errors';
import { childForEvent } from './logging';
import type { Action, Clock, Diagnosis, FailureEvent, IntakeItem, Outcome } from './model';
import type { Notifier } from './notify';
import { executeActions, planActions } from './remediate';
import { readOwnWrite } from './remediate/heal-records';
import type { HealScheduler } from './remediate';
import type { StateStore } from './store/port';
import { writeAudit, type AuditEntry } from './audit';
import { storyKeyOf } from './story';
import { ATTR, annotateSpan, recordAction, recordEvent, SPAN, withSpan, type Door } from './telemetry/signals';
import { tellTeam } from './pipeline-notify';
import { diagnoseOrTie, diagnoseTraced, storyKeyFor } from './pipeline-tie';
import { DeadlineExceededError, runWithinDeadline } from './work/deadline';
import { failureKeyOf, linkFailure } from './work/failure-link';
import { describeStoredOutcome, modeKey, toStoredOutcome } from './work/stored-outcome';
import { readStoredPlan, toStoredPlan, type StoredPlan } from './work/stored-plan';
import { beginUnit, createWorkContext, expireHeldLeases, passCheckpoint, type WorkContext } from './work/work-context';
import { workBusyError, type HeldLease } from './work/work-store';

/** The identity of one failure: defined with the kind catalog (src/story.ts). */
export { storyKeyOf };

export interface PipelineDeps {
  arm: ArmPort;
  clock: Clock;
  log: Logger;
  config: Readonly<Config>;
  store: StateStore;
  scheduler: HealScheduler;
  /** Absent: nobody is told (no webhook configured). */
  notifier?: Notifier;
  /** How many events of one delivery are worked on at once (default 4). */
  concurrency?: number;
  /** The door the items came in by (telemetry: events by door); default `event-grid`. */
  door?: Door;
  /** This invocation's lease owner, deadline and checkpoints (default: one per delivery). */
  work?: WorkContext;
}

/**
 * Process one delivery's intake items. Resolves their Outcomes in item order: one per item, or one per story when an
 * item's revision failed on several registries.
 */
export async function processItems(items: readonly IntakeItem[], deps: PipelineDeps): Promise<Outcome[]> {
  // One delivery, one invocation: one lease owner and one deadline for every event of the batch.
  if (!deps.work) deps = { ...deps, work: createWorkContext(deps.config.invocationDeadlineMs) };
  const outcomes: Outcome[][] = new Array<Outcome[]>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      outcomes[i] = await processItem(items[i] as IntakeItem, deps);
    }
  };
  const n = Math.max(1, Math.min(deps.concurrency ?? 4, items.length));
  // Run all workers to the end even if one throws, so no event is half-done; then rethrow the first transient fault.
  const settled = await Promise.allSettled(Array.from({ length: n }, worker));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.flat();
}

/** One intake item's outcomes: one, or one per story when a revision failed on several registries. */
export async function processItem(item: IntakeItem, deps: PipelineDeps): Promise<Outcome[]> {
  const door = deps.door ?? 'event-grid';
  if (item.status !== 'accepted') {
    const outcome = await processUnaccepted(item, deps);
    recordEvent(door, outcome.status);
    return [outcome];
  }
  const event = item.event;
  // The deadline bounds the whole event: a stalled ARM call answers for retry instead of outliving Event Grid.
  const work = deps.work ?? createWorkContext(deps.config.invocationDeadlineMs);
  return withSpan(
    SPAN.event,
    {
      [ATTR.eventId]: event.id,
      [ATTR.correlationId]: event.correlationId,
      [ATTR.resourceId]: event.resourceId,
      [ATTR.door]: door,
      [ATTR.mode]: deps.config.mode,
    },
    async (span) => {
      let status = 'error';
      try {
        const outcomes = await runWithinDeadline(
          processEvent(event, { ...deps, work }),
          work.deadline,
          `event ${event.id}`,
        ).catch(async (err: unknown) => {
          // Still in flight at the deadline: give every lease back now (a redelivery takes over, re-reading ARM).
          if (err instanceof DeadlineExceededError) await expireHeldLeases(work, deps.clock.now().getTime());
          throw err;
        });
        const outcome = outcomes[0] as Outcome;
        status = outcome.status;
        annotateSpan(span, { [ATTR.status]: outcome.status, [ATTR.kind]: outcome.diagnosis?.kind });
        return outcomes;
      } finally {
        recordEvent(door, status);
      }
    },
  );
}

async function processUnaccepted(
  item: Exclude<IntakeItem, { status: 'accepted' }>,
  deps: PipelineDeps,
): Promise<Outcome> {
  switch (item.status) {
    case 'ignored':
      deps.log.debug({ eventId: item.eventId, reason: item.reason }, 'event ignored');
      return { eventId: item.eventId, status: 'ignored', reason: item.reason };
    case 'rejected': {
      const eventId = item.eventId ?? '(unknown)';
      deps.log.warn({ eventId, error: item.error }, 'event rejected');
      await audit(deps, { eventId, stage: 'intake', status: 'rejected', detail: { error: item.error } });
      return { eventId, status: 'rejected', error: item.error };
    }
    default: {
      const never: never = item;
      throw new Error(`unexpected intake item ${JSON.stringify(never)}`);
    }
  }
}

/** What one event holds while it works: its own lease, and the stories it took. */
interface EventWork {
  lease: HeldLease;
  stories: HeldLease[];
  /** The plan an earlier delivery of this event noted before it stopped (a takeover carries it out). */
  resumed?: StoredPlan;
}

async function processEvent(event: FailureEvent, deps: PipelineDeps): Promise<Outcome[]> {
  const log = childForEvent(deps.log, event);
  const work = deps.work ?? createWorkContext(deps.config.invocationDeadlineMs);
  const base = baseOf(event, deps);
  const now = (): number => deps.clock.now().getTime();

  // 1. The same event delivered again (at-least-once delivery): only a completed record is a duplicate.
  work.deadline.check('claiming the event');
  const eventKey = modeKey(deps.config.mode, event.id);
  const ev = await withSpan(SPAN.intake, { [ATTR.eventId]: event.id }, async (span) => {
    const r = await beginUnit(deps.store, 'event', eventKey, work, deps.clock, event.id);
    annotateSpan(span, { 'remediator.duplicate': r.kind === 'completed' || r.kind === 'failed' });
    return r;
  });
  if (ev.kind === 'busy') throw workBusyError('event', eventKey, ev.record);
  if (ev.kind !== 'acquired') {
    const said = ev.kind === 'failed' ? `failed: ${ev.record.reason}` : describeStoredOutcome(ev.record.outcome);
    log.info('duplicate delivery of an event already handled');
    return [{ ...base, status: 'duplicate', reason: `event ${event.id} was already handled: ${said}` }];
  }
  if (ev.previous?.state === 'in-progress') {
    await audit(deps, {
      eventId: event.id,
      stage: 'takeover',
      status: 'in-progress',
      detail: {
        unit: 'event',
        previousOwner: ev.previous.lease.owner,
        attempt: ev.lease.record.attempt,
        ...(ev.previous.releasedAt ? { released: ev.previous.releasedAt } : {}),
      },
    });
  }
  await passCheckpoint(work, 'event-claimed');
  const resumed = ev.previous?.state === 'in-progress' ? readStoredPlan(ev.previous.plan) : undefined;
  const held: EventWork = { lease: ev.lease, stories: [], ...(resumed ? { resumed } : {}) };
  const wdeps: PipelineDeps & { work: WorkContext } = { ...deps, work, log };

  try {
    // The failure of the remediator's own redeploy (sent with a correlation id it recorded): the heal that wrote it
    // follows it up (the next attempt, or its still-failing message); never a new story or message.
    const own = event.correlationId ? await readOwnWrite(deps.store, event.correlationId) : undefined;
    if (own) {
      log.info({ healOf: own.eventId, attempt: own.attempt }, "the remediator's own redeploy: followed up by its heal");
      const ignored: Outcome = {
        ...base,
        status: 'ignored',
        reason: `the remediator's own redeploy (attempt ${own.attempt} of the heal of event ${own.eventId}); its heal follows it up`,
      };
      await ev.lease.complete(toStoredOutcome(ignored), now());
      return [ignored];
    }

    // 2. A later event of a failure whose story may already have changed the world: tied to that story first (its
    // link is written before the story's first write), so it never reads the fixed world as a new failure.
    const failureKey = resumed ? undefined : failureKeyOf(event);
    const linkKey = failureKey === undefined ? undefined : modeKey(deps.config.mode, failureKey);
    const seen = await diagnoseOrTie(event, linkKey, base, wdeps, held.resumed);
    if ('answered' in seen) {
      await ev.lease.complete(toStoredOutcome(seen.answered), now());
      await passCheckpoint(work, 'event-completed');
      return [seen.answered];
    }
    const { diagnosis } = seen;
    if (seen.resumed) held.resumed = seen.resumed;
    const outcomes = [await handleStory(event, diagnosis, wdeps, log, held)];
    // A revision failing on several registries: each other registry is its own story, under its own event id.
    for (const server of diagnosis.details.otherFailingRegistries ?? []) {
      const focused: FailureEvent = { ...event, id: `${event.id}#${server}`, focusLoginServer: server };
      const other = await diagnoseTraced(focused, wdeps);
      if (other.details.loginServer === server) outcomes.push(await handleStory(focused, other, wdeps, log, held));
    }
    await ev.lease.complete(toStoredOutcome(outcomes[0] as Outcome), now());
    await passCheckpoint(work, 'event-completed');

    // 5. Tell the team, off the critical path (one short try, else the outbox): the work is recorded by now.
    await tellTeam(event, outcomes, { ...(deps.notifier ? { notifier: deps.notifier } : {}), log, work });
    return outcomes;
  } catch (err) {
    if (isTransientError(err)) {
      // Give the retried delivery a clean slate (a noted plan stays; a lost release only waits for the lease).
      for (const story of held.stories) await story.release(now()).catch(() => undefined);
      await ev.lease.release(now()).catch(() => undefined);
      log.warn({ err: describeError(err) }, 'transient fault: the delivery will be retried');
      throw err;
    }
    log.error({ err: describeError(err) }, 'event could not be processed');
    const message = describeErrorMessage(err);
    const diagnosis: Diagnosis = {
      kind: 'unknown',
      resourceId: event.resourceId,
      summary: `The remediator could not finish looking at this failure: ${message}`,
      evidence: [`Processing error: ${message}`],
      details: { rawMessage: message },
    };
    await audit(deps, {
      eventId: event.id,
      resourceId: event.resourceId,
      stage: 'diagnosed',
      status: 'error',
      kind: 'unknown',
      detail: { error: message },
    });
    const outcome: Outcome = { ...base, status: 'diagnosed', diagnosis, actions: [] };
    // The stories stay open for a later event; this event is done.
    for (const story of held.stories) await story.release(now()).catch(() => undefined);
    await ev.lease.complete(toStoredOutcome(outcome), now()).catch(() => undefined);
    return [outcome];
  }
}

function baseOf(event: FailureEvent, deps: PipelineDeps): Pick<Outcome, 'eventId' | 'mode' | 'correlationId'> {
  return {
    eventId: event.id,
    mode: deps.config.mode,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
  };
}

/** One diagnosed failure: take its story (once however many events report it), plan, act, record. */
async function handleStory(
  event: FailureEvent,
  diagnosed: Diagnosis,
  deps: PipelineDeps & { work: WorkContext },
  log: Logger,
  held: EventWork,
): Promise<Outcome> {
  const { work } = deps;
  const base = baseOf(event, deps);
  const now = (): number => deps.clock.now().getTime();
  const primary = held.stories.length === 0;
  const resumed = primary ? held.resumed : undefined;
  // 3. One story per failure, however many events report it.
  const storyKey = resumed?.storyKey ?? storyKeyFor(diagnosed, event, deps.config.mode, deps.clock);
  work.deadline.check('claiming the story');
  const st = await beginUnit(deps.store, 'story', storyKey, work, deps.clock, event.id);
  if (st.kind === 'busy') throw workBusyError('story', storyKey, st.record);
  if (st.kind !== 'acquired') {
    const ownerEvent = st.record.eventId || 'another event';
    log.info({ storyKey }, 'same failure already handled by another event');
    const said = st.kind === 'failed' ? `failed: ${st.record.reason}` : describeStoredOutcome(st.record.outcome);
    await audit(deps, {
      eventId: event.id,
      resourceId: diagnosed.resourceId,
      stage: 'diagnosed',
      status: 'duplicate',
      kind: diagnosed.kind,
      detail: { storyKey, handledBy: ownerEvent },
    });
    return {
      ...base,
      status: 'duplicate',
      reason: `same failure (${diagnosed.kind}) is handled by event ${ownerEvent}: ${said}`,
    };
  }
  const story = st.lease;
  held.stories.push(story);
  // A story taken over (its owner stopped, or gave it back) is carried out as its owner planned it.
  const stored = (st.previous?.state === 'in-progress' ? readStoredPlan(st.previous.plan) : undefined) ?? resumed;
  const diagnosis = stored?.diagnosis ?? diagnosed;
  if (st.previous?.state === 'in-progress') {
    await audit(deps, {
      eventId: event.id,
      resourceId: diagnosis.resourceId,
      stage: 'takeover',
      status: 'in-progress',
      kind: diagnosis.kind,
      detail: {
        unit: 'story',
        storyKey,
        previousOwner: st.previous.lease.owner,
        ...(st.previous.releasedAt ? { released: st.previous.releasedAt } : {}),
        plan: stored ? 'reused' : 'none recorded',
      },
    });
  }

  // 4. Plan, guard and act.
  const planned =
    stored?.actions ??
    (await withSpan(SPAN.plan, { [ATTR.kind]: diagnosis.kind }, async (span) => {
      const p = planActions(diagnosis, deps.config);
      annotateSpan(span, { 'remediator.actions.planned': p.length });
      return p;
    }));
  if (planned.some((a) => a.status !== 'manual')) {
    // The plan, before the first write: a delivery that takes over the story or the event carries it out.
    // And the failure's link to this story, before the first write: a later event of it answers as part of it.
    const plan = toStoredPlan(diagnosis, planned, storyKey);
    const failureKey = primary ? failureKeyOf(event) : undefined;
    await Promise.all([
      st.previous?.state === 'in-progress' && st.previous.plan ? undefined : story.note(plan),
      primary && !resumed ? held.lease.note(plan) : undefined,
      failureKey === undefined
        ? undefined
        : linkFailure(deps.store, modeKey(deps.config.mode, failureKey), { storyKey, eventId: event.id, plan }),
    ]);
  }
  await passCheckpoint(work, 'story-claimed');
  const { actions, heal } = planned.length
    ? await executeActions({ event, diagnosis, actions: planned, storyKey }, deps)
    : { actions: [] as Action[], heal: undefined };

  for (const a of actions) recordAction(a.type, a.status);
  // Approve mode: the fixes wait for a person; the message carries signed Approve / Dismiss links.
  const approval = actions.some((a) => a.status === 'awaiting-approval')
    ? await offerApproval({ event, diagnosis, planned, storyKey }, deps)
    : undefined;
  const outcome: Outcome = {
    ...base,
    status: 'diagnosed',
    diagnosis,
    actions,
    ...(heal ? { heal } : {}),
    ...(approval ? { approval } : {}),
  };
  await audit(deps, {
    eventId: event.id,
    resourceId: diagnosis.resourceId,
    stage: 'diagnosed',
    status: 'diagnosed',
    kind: diagnosis.kind,
    detail: { summary: diagnosis.summary, evidence: diagnosis.evidence, actions: actions.map((a) => ({ ...a })) },
  });
  // A fix that failed for good (this attempt) leaves the story open to a later event after retryAfter.
  const failedFixes = actions.filter((a) => a.status === 'failed');
  if (failedFixes.length > 0) {
    const why = failedFixes.map((a) => `${a.type}: ${a.reason ?? 'failed'}`).join('; ');
    await story.fail(`fixes failed (${why})`, now(), deps.config.fixRetryAfterMs);
  } else await story.complete(toStoredOutcome(outcome), now());
  await passCheckpoint(work, 'story-completed');
  return outcome;
}

function audit(deps: PipelineDeps, entry: AuditEntry): Promise<void> {
  return writeAudit(deps, entry);
}
