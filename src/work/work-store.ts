/**
 * Work records in the StateStore (Table Storage: one row per unit in partition `work:<unit>`), every write
 * ETag-checked. The API is small on purpose:
 *
 *   const r = await beginWork(store, 'fix', key, { owner, eventId, nowMs, leaseUntilMs });
 *   switch (r.kind) {
 *     case 'acquired':  …do the work… then r.lease.complete(outcome) | schedule(outcome) | fail(reason, retryAfterMs)
 *                       | release() (transient failure: the next delivery starts clean);
 *                       r.previous is set after a takeover (state unknown: re-read ARM before writing);
 *     case 'completed': a duplicate: answer with r.record.outcome;
 *     case 'busy':      a live lease elsewhere: throw `workBusyError(...)` (transient, so the delivery is retried);
 *     case 'scheduled': the heal step owns it (only a `takeScheduled` caller acquires it);
 *     case 'failed':    an earlier attempt failed permanently; r.record.retryAfter says when a later one may try.
 *   }
 *
 * A lease write that finds the ETag changed throws `LeaseLostError` (transient): someone took over an expired lease.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { RemediatorError } from '../model';
import type { StateStore } from '../store/port';
import {
  decideBegin,
  readWorkRecord,
  toWorkValue,
  type BeginRequest,
  type WorkOutcome,
  type WorkRecord,
  type WorkUnit,
} from './work-record';

export * from './work-record';

/** The store partition of a unit's records. */
export const workPartition = (unit: WorkUnit): string => `work:${unit}`;

let processOwner: string | undefined;

/** A lease owner id: this host and process, and one invocation. */
export function createOwnerId(): string {
  // host:pid is the same for every delivery of this process (os.hostname() is a system call: read it once).
  processOwner ??= `${hostname()}:${process.pid}`;
  return `${processOwner}:${randomUUID().slice(0, 8)}`;
}

export class LeaseLostError extends RemediatorError {
  constructor(unit: WorkUnit, key: string) {
    super('lease-lost', `the lease on ${unit} ${key} was taken over by another delivery`, { transient: true });
  }
}

/** A live lease held by another delivery: fail transiently, never acknowledge. */
export function workBusyError(unit: WorkUnit, key: string, record: Extract<WorkRecord, { state: 'in-progress' }>) {
  return new RemediatorError(
    'work-in-progress',
    `${unit} ${key} is being worked on by ${record.lease.owner} until ${record.lease.expiresAt}: retry later`,
    { transient: true },
  );
}

export interface HeldLease {
  readonly unit: WorkUnit;
  readonly key: string;
  readonly record: Extract<WorkRecord, { state: 'in-progress' }>;
  /** Record the outcome: later deliveries are duplicates answering with it. */
  complete(outcome: WorkOutcome, nowMs: number): Promise<void>;
  /** Hand the unit to a later step (the heal queue), which takes it with `takeScheduled`. */
  schedule(outcome: WorkOutcome, nowMs: number): Promise<void>;
  /** A permanent failure for this attempt: a later delivery may try again after `retryAfterMs`. */
  fail(reason: string, nowMs: number, retryAfterMs: number): Promise<void>;
  /** Record what this owner decided before acting (kept across takeovers and releases); the lease stays held. */
  note(plan: WorkOutcome): Promise<void>;
  /**
   * Give the unit back (transient failure): a scheduled unit stays scheduled, a unit with a plan stays with its plan
   * and an expired lease (the next delivery carries the plan out), anything else is removed.
   */
  release(nowMs?: number): Promise<void>;
  /**
   * Give the unit back at the invocation deadline, while a write may still be in flight: it stays in-progress with an
   * expired lease (its plan kept), so the next delivery takes it over at once and re-reads ARM before writing.
   */
  expire(nowMs: number): Promise<void>;
}

export type BeginResult =
  | { kind: 'acquired'; lease: HeldLease; previous?: WorkRecord }
  | { kind: 'busy'; record: Extract<WorkRecord, { state: 'in-progress' }> }
  | { kind: 'completed'; record: Extract<WorkRecord, { state: 'completed' }> }
  | { kind: 'scheduled'; record: Extract<WorkRecord, { state: 'scheduled' }> }
  | { kind: 'failed'; record: Extract<WorkRecord, { state: 'failed' }> };

/** Read a unit's record (undefined: none). */
export async function readWork(store: StateStore, unit: WorkUnit, key: string): Promise<WorkRecord | undefined> {
  return readWorkRecord((await store.get(workPartition(unit), key))?.value);
}

/**
 * Reopen a completed unit as `failed` with `retryAfter` (a heal abandoned after the story completed: a later event may
 * take the story again). ETag-checked; false when it was not completed or changed meanwhile.
 */
export async function reopenWork(
  store: StateStore,
  unit: WorkUnit,
  key: string,
  reason: string,
  nowMs: number,
  retryAfterMs: number,
): Promise<boolean> {
  const stored = await store.get(workPartition(unit), key);
  const rec = readWorkRecord(stored?.value);
  if (!stored?.etag || rec?.state !== 'completed') return false;
  const failed: WorkRecord = {
    state: 'failed',
    eventId: rec.eventId,
    at: iso(nowMs),
    attempt: rec.attempt,
    reason,
    retryAfter: iso(nowMs + retryAfterMs),
  };
  return (await store.replaceIf(workPartition(unit), key, toWorkValue(failed), stored.etag)) !== undefined;
}

const MAX_RACES = 5;

/** Take the unit (create, take over an expired lease, or retry a failed one), or say why not. */
export async function beginWork(
  store: StateStore,
  unit: WorkUnit,
  key: string,
  req: BeginRequest,
): Promise<BeginResult> {
  const partition = workPartition(unit);
  for (let race = 0; race < MAX_RACES; race++) {
    const stored = await store.get(partition, key);
    const current = readWorkRecord(stored?.value);
    const d = decideBegin(current, req);
    if (d.kind !== 'acquire') return d;
    const value = toWorkValue(d.record);
    const etag =
      stored === undefined
        ? await store.create(partition, key, value)
        : await store.replaceIf(partition, key, value, stored.etag ?? '*');
    if (etag === undefined) continue; // another delivery won this round: read again
    const lease = createHeldLease(store, unit, key, d.record, etag, d.previous);
    return d.previous ? { kind: 'acquired', lease, previous: d.previous } : { kind: 'acquired', lease };
  }
  throw new RemediatorError('work-contention', `${unit} ${key}: too many concurrent takers, retry later`, {
    transient: true,
  });
}

function createHeldLease(
  store: StateStore,
  unit: WorkUnit,
  key: string,
  record: Extract<WorkRecord, { state: 'in-progress' }>,
  firstEtag: string,
  previous: WorkRecord | undefined,
): HeldLease {
  const partition = workPartition(unit);
  let etag: string | undefined = firstEtag;
  const write = async (next: WorkRecord): Promise<void> => {
    if (etag === undefined) throw new LeaseLostError(unit, key);
    const e = await store.replaceIf(partition, key, toWorkValue(next), etag);
    if (e === undefined) throw new LeaseLostError(unit, key);
    etag = e;
  };
  // Once completed, scheduled or failed the lease is over: a later release (an error after it) changes nothing.
  const finish = async (next: WorkRecord): Promise<void> => {
    await write(next);
    etag = undefined;
  };
  const base = { eventId: record.eventId, attempt: record.attempt };
  let current = record;
  return {
    unit,
    key,
    record,
    complete: (outcome, nowMs) => finish({ state: 'completed', ...base, at: iso(nowMs), outcome }),
    schedule: (outcome, nowMs) => finish({ state: 'scheduled', ...base, at: iso(nowMs), outcome }),
    fail: (reason, nowMs, retryAfterMs) =>
      finish({ state: 'failed', ...base, at: iso(nowMs), reason, retryAfter: iso(nowMs + retryAfterMs) }),
    note: async (plan) => {
      const next = { ...current, plan };
      await write(next);
      current = next;
    },
    release: async (nowMs = Date.now()) => {
      if (etag === undefined) return;
      if (previous?.state === 'scheduled') await write(previous);
      else if (current.plan) {
        // Expired at once (its own start time): the next delivery takes it over and carries the plan out.
        const lease = { owner: current.lease.owner, expiresAt: current.startedAt };
        await write({ ...current, lease, releasedAt: iso(nowMs) });
      } else await store.removeIf(partition, key, etag);
      etag = undefined;
    },
    expire: async (nowMs) => {
      if (etag === undefined) return;
      const lease = { owner: current.lease.owner, expiresAt: current.startedAt };
      await write({ ...current, lease, releasedAt: iso(nowMs) });
      etag = undefined;
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();
