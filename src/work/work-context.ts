/**
 * What one invocation carries to every unit it works on: its lease owner id, its deadline, the units it holds right
 * now, and an optional checkpoint hook (the chaos suite kills the process at named steps through it; nothing in
 * production sets it).
 *
 * One delivery is one invocation: every event of a batch shares the owner and the deadline (Event Grid waits for the
 * whole response). A unit held by this very invocation (the same event twice in a batch, two events of one story) is
 * not someone else's live lease: the second taker waits for the first to finish, then reads what it recorded.
 */
import type { Clock } from '../model';
import type { StateStore } from '../store/port';
import { createDeadline, runWithinDeadline, type Deadline } from './deadline';
import type { BeginRequest, WorkUnit } from './work-record';
import { beginWork, createOwnerId, type BeginResult, type HeldLease } from './work-store';

/** A lease outlives its invocation's deadline by this much (a redelivery inside it finds the lease live). */
export const LEASE_MARGIN_MS = 5000;

/** Named steps: `event-claimed`, `story-claimed`, `fix-claimed:<type>`, `write:<type>`, `written:<type>`, … */
export type Checkpoint = (step: string) => void | Promise<void>;

export interface WorkContext {
  owner: string;
  deadline: Deadline;
  checkpoint?: Checkpoint;
  /** Units this invocation holds now (`unit|key` → settles when the lease is completed, failed or given back). */
  held: Map<string, Promise<void>>;
  /** The leases behind `held` (given back at once when the deadline passes: `expireHeldLeases`). */
  leases?: Map<string, HeldLease>;
}

export function createWorkContext(limitMs: number, checkpoint?: Checkpoint): WorkContext {
  return {
    owner: createOwnerId(),
    deadline: createDeadline(limitMs),
    held: new Map(),
    leases: new Map(),
    ...(checkpoint ? { checkpoint } : {}),
  };
}

/** The begin request of a unit taken now by this invocation (lease until the deadline plus a margin). */
export function toBeginRequest(
  work: WorkContext,
  clock: Clock,
  eventId: string,
  opts: { takeScheduled?: boolean } = {},
): BeginRequest {
  const nowMs = clock.now().getTime();
  return {
    owner: work.owner,
    eventId,
    nowMs,
    leaseUntilMs: nowMs + work.deadline.remainingMs() + LEASE_MARGIN_MS,
    ...(opts.takeScheduled ? { takeScheduled: true } : {}),
  };
}

/**
 * `beginWork` for this invocation: a unit this invocation already holds is waited for (within the deadline) and then
 * read again, so the second taker sees the first one's outcome. A lease taken here is registered until it settles.
 */
export async function beginUnit(
  store: StateStore,
  unit: WorkUnit,
  key: string,
  work: WorkContext,
  clock: Clock,
  eventId: string,
  opts: { takeScheduled?: boolean } = {},
): Promise<BeginResult> {
  const id = `${unit}|${key}`;
  for (;;) {
    const mine = work.held.get(id);
    if (mine) await runWithinDeadline(mine, work.deadline, `waiting for ${unit} ${key} held by this delivery`);
    else {
      const r = await beginWork(store, unit, key, toBeginRequest(work, clock, eventId, opts));
      if (r.kind === 'busy' && r.record.lease.owner === work.owner && work.held.has(id)) continue;
      if (r.kind !== 'acquired') return r;
      return { ...r, lease: trackLease(r.lease, work, id) };
    }
  }
}

function trackLease(lease: HeldLease, work: WorkContext, id: string): HeldLease {
  let settle: () => void = () => undefined;
  work.held.set(
    id,
    new Promise<void>((r) => {
      settle = r;
    }),
  );
  const done = async (write: Promise<void>): Promise<void> => {
    try {
      await write;
    } finally {
      work.held.delete(id);
      work.leases?.delete(id);
      settle();
    }
  };
  const tracked: HeldLease = {
    unit: lease.unit,
    key: lease.key,
    record: lease.record,
    complete: (outcome, nowMs) => done(lease.complete(outcome, nowMs)),
    schedule: (outcome, nowMs) => done(lease.schedule(outcome, nowMs)),
    fail: (reason, nowMs, retryAfterMs) => done(lease.fail(reason, nowMs, retryAfterMs)),
    release: (nowMs) => done(lease.release(nowMs)),
    expire: (nowMs) => done(lease.expire(nowMs)),
    note: (plan) => lease.note(plan),
  };
  work.leases?.set(id, tracked);
  return tracked;
}

/**
 * The invocation deadline passed while work was in flight: every lease this invocation still holds is given back as
 * expired (a write may still land), so a redelivery takes the work over at once instead of waiting for expiry.
 */
export async function expireHeldLeases(work: WorkContext, nowMs: number): Promise<void> {
  const leases = [...(work.leases?.values() ?? [])];
  await Promise.allSettled(leases.map((l) => l.expire(nowMs)));
}

export async function passCheckpoint(work: WorkContext | undefined, step: string): Promise<void> {
  await work?.checkpoint?.(step);
}
