/**
 * The pipeline: intake items → diagnose → plan → guard → act → notify, one Outcome per item.
 *
 * Exactly-once, in two layers (both claims in the shared StateStore, an insert that fails on conflict):
 * - the *story*: one diagnosed failure (kind + resource + failed revision, or caller + action + scope for ARM
 *   authorization failures) is handled once, however many events or deliveries report it; the rest are `duplicate`;
 * - the *fix*: each unit of work (assignment, policy change, redeploy) is claimed by the executor, so two stories that
 *   need the same role assignment write it once.
 *
 * Throws only for transient faults (src/errors.ts `isTransientError`), after releasing its claims so the retried
 * delivery can do the work. Everything else ends in an Outcome.
 */
import type { Logger } from 'pino';
import type { ArmPort } from './azure/arm-port';
import type { Config } from './config';
import { offerApproval } from './approve/offer';
import { diagnose } from './diagnose';
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
import {
  ATTR,
  annotateSpan,
  recordAction,
  recordDiagnosis,
  recordEvent,
  recordTimeToDiagnoseMs,
  SPAN,
  withSpan,
  type Door,
} from './telemetry/signals';

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
}

const STORY_PARTITION = 'story';
const EVENT_PARTITION = 'event';

/**
 * Process one delivery's intake items. Resolves their Outcomes in item order: one per item, or one per story when an
 * item's revision failed on several registries.
 */
export async function processItems(items: readonly IntakeItem[], deps: PipelineDeps): Promise<Outcome[]> {
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
        const outcomes = await processEvent(event, deps);
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

async function processEvent(event: FailureEvent, deps: PipelineDeps): Promise<Outcome[]> {
  const log = childForEvent(deps.log, event);
  const base = baseOf(event, deps);

  // 1. The same event delivered again (at-least-once delivery).
  const fresh = await withSpan(SPAN.intake, { [ATTR.eventId]: event.id }, async (span) => {
    const won = await deps.store.claim(EVENT_PARTITION, event.id, { at: deps.clock.now().toISOString() });
    annotateSpan(span, { 'remediator.duplicate': !won });
    return won;
  });
  if (!fresh) {
    log.info('duplicate delivery of an event already handled');
    return [{ ...base, status: 'duplicate', reason: `event ${event.id} was already handled` }];
  }

  // The failure of the remediator's own redeploy (sent with a correlation id it recorded): the heal that wrote it
  // follows it up (the next attempt, or its still-failing message); never a new story or message.
  const own = event.correlationId ? await readOwnWrite(deps.store, event.correlationId) : undefined;
  if (own) {
    log.info({ healOf: own.eventId, attempt: own.attempt }, "the remediator's own redeploy: followed up by its heal");
    return [
      {
        ...base,
        status: 'ignored',
        reason: `the remediator's own redeploy (attempt ${own.attempt} of the heal of event ${own.eventId}); its heal follows it up`,
      },
    ];
  }

  const claimed: string[] = [];
  try {
    // 2. Diagnose (reads ARM).
    const diagnosis = await diagnoseTraced(event, deps, log);
    const outcomes = [await handleStory(event, diagnosis, deps, log, claimed)];
    // A revision failing on several registries: each other registry is its own story, under its own event id.
    for (const server of diagnosis.details.otherFailingRegistries ?? []) {
      const focused: FailureEvent = { ...event, id: `${event.id}#${server}`, focusLoginServer: server };
      const other = await diagnoseTraced(focused, deps, log);
      if (other.details.loginServer === server) outcomes.push(await handleStory(focused, other, deps, log, claimed));
    }
    return outcomes;
  } catch (err) {
    if (isTransientError(err)) {
      // Give the retried delivery a clean slate.
      await deps.store.release(EVENT_PARTITION, event.id).catch(() => undefined);
      for (const key of claimed) await deps.store.release(STORY_PARTITION, key).catch(() => undefined);
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
    return [{ ...base, status: 'diagnosed', diagnosis, actions: [] }];
  }
}

function baseOf(event: FailureEvent, deps: PipelineDeps): Pick<Outcome, 'eventId' | 'mode' | 'correlationId'> {
  return {
    eventId: event.id,
    mode: deps.config.mode,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
  };
}

async function diagnoseTraced(event: FailureEvent, deps: PipelineDeps, log: Logger): Promise<Diagnosis> {
  const diagnosis = await withSpan(SPAN.diagnose, { [ATTR.resourceId]: event.resourceId }, async (span) => {
    const d = await diagnose(event, { arm: deps.arm, clock: deps.clock, config: deps.config, log });
    annotateSpan(span, { [ATTR.kind]: d.kind });
    return d;
  });
  log.info(
    { kind: diagnosis.kind, ...(event.focusLoginServer ? { loginServer: event.focusLoginServer } : {}) },
    diagnosis.summary,
  );
  recordDiagnosis(diagnosis.kind, deps.config.mode);
  recordTimeToDiagnoseMs(deps.clock.now().getTime() - Date.parse(event.time), diagnosis.kind);
  return diagnosis;
}

/** One diagnosed failure: claim its story (once however many events report it), plan, act, tell the team. */
async function handleStory(
  event: FailureEvent,
  diagnosis: Diagnosis,
  deps: PipelineDeps,
  log: Logger,
  claimed: string[],
): Promise<Outcome> {
  const base = baseOf(event, deps);
  // 3. One story per failure, however many events report it.
  const storyKey = storyKeyOf(diagnosis, event, deps.clock);
  const first = await deps.store.claim(STORY_PARTITION, storyKey, {
    eventId: event.id,
    kind: diagnosis.kind,
    at: deps.clock.now().toISOString(),
  });
  if (!first) {
    const owner = await deps.store.get(STORY_PARTITION, storyKey);
    const ownerEvent = typeof owner?.value['eventId'] === 'string' ? owner.value['eventId'] : 'another event';
    log.info({ storyKey }, 'same failure already handled by another event');
    await audit(deps, {
      eventId: event.id,
      resourceId: diagnosis.resourceId,
      stage: 'diagnosed',
      status: 'duplicate',
      kind: diagnosis.kind,
      detail: { storyKey, handledBy: ownerEvent },
    });
    return {
      ...base,
      status: 'duplicate',
      reason: `same failure (${diagnosis.kind}) is handled by event ${ownerEvent}`,
    };
  }
  claimed.push(storyKey);

  // 4. Plan, guard and act.
  const planned = await withSpan(SPAN.plan, { [ATTR.kind]: diagnosis.kind }, async (span) => {
    const p = planActions(diagnosis, deps.config);
    annotateSpan(span, { 'remediator.actions.planned': p.length });
    return p;
  });
  const { actions, heal } = planned.length
    ? await executeActions({ event, diagnosis, actions: planned }, { ...deps, log })
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

  // 5. Tell the team (never fails the event: undeliverable messages go to the outbox).
  if (deps.notifier && diagnosis.kind !== 'unrelated') {
    const notifier = deps.notifier;
    await withSpan(SPAN.notify, { [ATTR.kind]: diagnosis.kind }, async () => {
      try {
        await notifier.notify(outcome, event);
      } catch (err) {
        log.error({ err: describeError(err) }, 'notification failed');
      }
    });
  }
  return outcome;
}

function audit(deps: PipelineDeps, entry: AuditEntry): Promise<void> {
  return writeAudit(deps, entry);
}
