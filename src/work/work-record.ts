/**
 * The work record of one unit of work (an event, a story, a fix, a heal step): an explicit state machine, in the
 * spirit of an idempotency layer (AWS Powertools' INPROGRESS / COMPLETED / EXPIRED records). Pure: no I/O, no clock.
 *
 *              begin (create | take over an expired lease | retry a failed record once retryAfter passed)
 *     (none) ───────────────▶ in-progress{lease} ──complete──▶ completed{outcome}   → later deliveries: duplicate
 *        ▲                        │   │  └──────schedule──▶ scheduled{outcome}      → heal step takes it (begin)
 *        └──────release───────────┘   └──fail────────────▶ failed{reason,retryAfter} → retried after retryAfter
 *   (a unit that recorded its plan with `note` is released as an expired in-progress record keeping the plan)
 *
 * - `in-progress` carries a lease (owner, expiry tied to the invocation deadline). A live lease held by someone else
 *   is `busy`: the caller must fail transiently (the delivery is retried later), never acknowledge.
 * - Only `completed` answers `duplicate`, with the outcome it carries.
 * - An expired lease is taken over: the new owner does not know whether the write happened and re-reads ARM.
 * Every write of a record is ETag-checked (src/work/work-store.ts), so two owners never both think they hold it.
 */
import type { Json } from '../store/port';

/** The units of work, one record partition each (`approval`: one person's decision on one plan, issue 16). */
export type WorkUnit = 'event' | 'story' | 'fix' | 'heal' | 'approval';

export interface Lease {
  /** Who holds it (host:pid:invocation). */
  owner: string;
  /** ISO time after which another delivery may take it over. */
  expiresAt: string;
}

/** What a finished unit recorded (its status and facts, e.g. `{ status: 'applied', revisionName }`). */
export type WorkOutcome = Record<string, Json>;

export type WorkRecord =
  | {
      state: 'in-progress';
      lease: Lease;
      /** 1 for the first owner, +1 per takeover or retry. */
      attempt: number;
      /** The event that started this attempt. */
      eventId: string;
      startedAt: string;
      /** Set when this attempt took over an expired lease or retried a failed record. */
      takenOverFrom?: string;
      /** What an earlier scheduled record carried (a heal step taking a scheduled redeploy). */
      outcome?: WorkOutcome;
      /**
       * What the owner decided before acting (a story: its diagnosis and planned actions). Kept across takeovers and
       * releases, so a later owner carries out the same plan instead of diagnosing a world it half-changed.
       */
      plan?: WorkOutcome;
      /** Set when the owner gave the unit back keeping its plan (the lease then expires at once). */
      releasedAt?: string;
    }
  | { state: 'scheduled'; eventId: string; at: string; attempt: number; outcome: WorkOutcome }
  | { state: 'completed'; eventId: string; at: string; attempt: number; outcome: WorkOutcome }
  | { state: 'failed'; eventId: string; at: string; attempt: number; reason: string; retryAfter: string };

export type WorkState = WorkRecord['state'];

/** What `begin` found, from the caller's point of view. */
export type BeginDecision =
  | { kind: 'acquire'; record: Extract<WorkRecord, { state: 'in-progress' }>; previous?: WorkRecord }
  | { kind: 'busy'; record: Extract<WorkRecord, { state: 'in-progress' }> }
  | { kind: 'completed'; record: Extract<WorkRecord, { state: 'completed' }> }
  | { kind: 'scheduled'; record: Extract<WorkRecord, { state: 'scheduled' }> }
  | { kind: 'failed'; record: Extract<WorkRecord, { state: 'failed' }> };

export interface BeginRequest {
  owner: string;
  eventId: string;
  nowMs: number;
  /** Lease expiry (epoch ms): the invocation deadline plus a margin. */
  leaseUntilMs: number;
  /** A heal step takes a `scheduled` record; an event reporting the same fix does not. */
  takeScheduled?: boolean;
}

/** Pure transition: given what is stored (undefined: nothing), what `begin` does. */
export function decideBegin(current: WorkRecord | undefined, req: BeginRequest): BeginDecision {
  const fresh = (attempt: number, previous?: WorkRecord): BeginDecision => {
    const record: Extract<WorkRecord, { state: 'in-progress' }> = {
      state: 'in-progress',
      lease: { owner: req.owner, expiresAt: new Date(req.leaseUntilMs).toISOString() },
      attempt,
      eventId: req.eventId,
      startedAt: new Date(req.nowMs).toISOString(),
      ...(previous?.state === 'in-progress' ? { takenOverFrom: previous.lease.owner } : {}),
      ...(previous?.state === 'failed' ? { takenOverFrom: `failed:${previous.eventId}` } : {}),
      ...(previous?.state === 'scheduled' ? { outcome: previous.outcome } : {}),
      ...(previous?.state === 'in-progress' && previous.plan ? { plan: previous.plan } : {}),
    };
    return previous ? { kind: 'acquire', record, previous } : { kind: 'acquire', record };
  };
  if (current === undefined) return fresh(1);
  switch (current.state) {
    case 'in-progress':
      return Date.parse(current.lease.expiresAt) <= req.nowMs
        ? fresh(current.attempt + 1, current)
        : { kind: 'busy', record: current };
    case 'completed':
      return { kind: 'completed', record: current };
    case 'scheduled':
      return req.takeScheduled ? fresh(current.attempt + 1, current) : { kind: 'scheduled', record: current };
    case 'failed':
      return Date.parse(current.retryAfter) <= req.nowMs
        ? fresh(current.attempt + 1, current)
        : { kind: 'failed', record: current };
  }
}

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: Json | undefined): number => (typeof v === 'number' ? v : 1);
const obj = (v: Json | undefined): WorkOutcome | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;

/** The JSON the store keeps. */
export function toWorkValue(r: WorkRecord): Record<string, Json> {
  return JSON.parse(JSON.stringify(r)) as Record<string, Json>;
}

/** A stored value → a work record (undefined when absent or not one). */
export function readWorkRecord(v: Record<string, Json> | undefined): WorkRecord | undefined {
  if (!v) return undefined;
  const eventId = str(v['eventId']) ?? '';
  const attempt = num(v['attempt']);
  const at = str(v['at']) ?? '';
  const state = str(v['state']) ?? '';
  switch (state) {
    case 'in-progress': {
      const lease = obj(v['lease']);
      const owner = str(lease?.['owner']);
      const expiresAt = str(lease?.['expiresAt']);
      if (owner === undefined || expiresAt === undefined) return undefined;
      const takenOverFrom = str(v['takenOverFrom']);
      const outcome = obj(v['outcome']);
      const plan = obj(v['plan']);
      const releasedAt = str(v['releasedAt']);
      return {
        state: 'in-progress',
        lease: { owner, expiresAt },
        attempt,
        eventId,
        startedAt: str(v['startedAt']) ?? '',
        ...(takenOverFrom !== undefined ? { takenOverFrom } : {}),
        ...(outcome !== undefined ? { outcome } : {}),
        ...(plan !== undefined ? { plan } : {}),
        ...(releasedAt !== undefined ? { releasedAt } : {}),
      };
    }
    case 'scheduled':
    case 'completed':
      return { state, eventId, at, attempt, outcome: obj(v['outcome']) ?? {} };
    case 'failed':
      return {
        state: 'failed',
        eventId,
        at,
        attempt,
        reason: str(v['reason']) ?? '',
        retryAfter: str(v['retryAfter']) ?? at,
      };
    default:
      return undefined;
  }
}
