/**
 * The approval's durable state, in the claims store:
 * - the *pending approval* of a story (partition `approval`, key = approval id): the event to re-diagnose, the plan
 *   hash the message showed, when it expires. Written when approve mode reports `awaiting-approval`.
 * - the *approval work record* (the work state of src/work/, unit `approval`, key = approval id + plan hash): taken
 *   once with an ETag-checked write, `in-progress` with a lease, then `completed` with the decision. Whoever does not
 *   acquire it writes nothing: that is "single use".
 */
import type { FailureEvent } from '../model';
import type { Json, StateStore } from '../store/port';
import { beginWork, createOwnerId, readWork, type BeginResult, type WorkOutcome } from '../work/work-store';
import type { ApprovalVerb } from './token';

export const APPROVAL_PARTITION = 'approval';

export interface PendingApproval {
  storyKey: string;
  /** The failure as it was received (without the raw payload): approval re-diagnoses it against ARM now. */
  event: FailureEvent;
  planHash: string;
  createdAt: string;
  expiresAt: string;
}

export type ApprovalOutcome = 'approved' | 'dismissed' | 'replanned';

/** What a completed approval work record carries (its `outcome`). */
export interface ApprovalDecision {
  verb: ApprovalVerb;
  by: string;
  byId: string;
  at: string;
  outcome: ApprovalOutcome;
  /** What the approval did, one line per action (`type status: reason`). */
  result: string[];
}

const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

export function toPendingValue(p: PendingApproval): Record<string, Json> {
  const { raw: _raw, ...event } = p.event;
  return {
    storyKey: p.storyKey,
    event: JSON.parse(JSON.stringify(event)) as Json,
    planHash: p.planHash,
    createdAt: p.createdAt,
    expiresAt: p.expiresAt,
  };
}

export function readPending(value: Record<string, Json> | undefined): PendingApproval | undefined {
  if (!value) return undefined;
  const event = value['event'];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  if (typeof event['id'] !== 'string' || typeof event['resourceId'] !== 'string') return undefined;
  return {
    storyKey: str(value['storyKey']),
    event: { ...(event as unknown as FailureEvent), raw: null },
    planHash: str(value['planHash']),
    createdAt: str(value['createdAt']),
    expiresAt: str(value['expiresAt']),
  };
}

export function readApprovalDecision(value: WorkOutcome): ApprovalDecision {
  const o = value['outcome'];
  const result = Array.isArray(value['result']) ? value['result'].filter((x) => typeof x === 'string') : [];
  return {
    verb: value['verb'] === 'dismiss' ? 'dismiss' : 'approve',
    by: str(value['by']),
    byId: str(value['byId']),
    at: str(value['at']),
    outcome: o === 'dismissed' || o === 'replanned' ? o : 'approved',
    result,
  };
}

/** The approval's work key: one decision per (story, plan). */
export const approvalWorkKey = (approvalId: string, planHash: string): string => `${approvalId}|${planHash}`;

/** Record (or refresh, after a re-plan) the pending approval of a story. */
export async function savePending(store: StateStore, approvalId: string, p: PendingApproval): Promise<void> {
  const value = toPendingValue(p);
  if (!(await store.claim(APPROVAL_PARTITION, approvalId, value)))
    await store.update(APPROVAL_PARTITION, approvalId, value);
}

export async function loadPending(store: StateStore, approvalId: string): Promise<PendingApproval | undefined> {
  return readPending((await store.get(APPROVAL_PARTITION, approvalId))?.value);
}

/**
 * Take the decision on (story, plan) once, through the work state: `acquired` for exactly one caller; `completed`
 * (with the decision) or `busy` for everyone else. An approver whose invocation died leaves an expired lease that
 * the next press takes over (re-planning from ARM, with deterministic ids, makes the re-do harmless).
 */
export async function beginApproval(
  store: StateStore,
  approvalId: string,
  planHash: string,
  req: { eventId: string; nowMs: number; leaseMs: number },
): Promise<BeginResult> {
  return beginWork(store, 'approval', approvalWorkKey(approvalId, planHash), {
    owner: createOwnerId(),
    eventId: req.eventId,
    nowMs: req.nowMs,
    leaseUntilMs: req.nowMs + req.leaseMs,
  });
}

export const toDecisionOutcome = (d: ApprovalDecision): WorkOutcome => ({ ...d, result: [...d.result] });

/** The decision taken on (story, plan), if any. */
export async function readApproval(
  store: StateStore,
  approvalId: string,
  planHash: string,
): Promise<{ state: 'completed'; decision: ApprovalDecision } | { state: 'in-progress' } | undefined> {
  const r = await readWork(store, 'approval', approvalWorkKey(approvalId, planHash));
  if (r?.state === 'completed') return { state: 'completed', decision: readApprovalDecision(r.outcome) };
  if (r?.state === 'in-progress') return { state: 'in-progress' };
  return undefined;
}
