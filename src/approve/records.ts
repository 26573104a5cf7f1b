/**
 * The approval's durable state, in the claims store:
 * - the *pending approval* of a story (partition `approval`, key = approval id): the event to re-diagnose, the plan
 *   hash the message showed, when it expires. Written when approve mode reports `awaiting-approval`.
 * - the *approval work record* (partition `approval-work`, key = approval id + plan hash), in the shape of the work
 *   state (issue 13): taken once with an insert that fails on conflict (the Table ETag check), `in-progress` with a
 *   lease, then `completed` with its outcome. Whoever loses the insert writes nothing: that is "single use".
 */
import type { FailureEvent } from '../model';
import type { Json, StateStore } from '../store/port';
import type { ApprovalVerb } from './token';

export const APPROVAL_PARTITION = 'approval';
export const APPROVAL_WORK_PARTITION = 'approval-work';

export interface PendingApproval {
  storyKey: string;
  /** The failure as it was received (without the raw payload): approval re-diagnoses it against ARM now. */
  event: FailureEvent;
  planHash: string;
  createdAt: string;
  expiresAt: string;
}

export type ApprovalOutcome = 'approved' | 'dismissed' | 'replanned';

export type ApprovalWork =
  | { state: 'in-progress'; verb: ApprovalVerb; by: string; byId: string; at: string; leaseUntil: string }
  | {
      state: 'completed';
      verb: ApprovalVerb;
      by: string;
      byId: string;
      at: string;
      outcome: ApprovalOutcome;
      /** What the approval did, one line per action (`type status: reason`). */
      result: string[];
    };

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

export function readApprovalWork(value: Record<string, Json> | undefined): ApprovalWork | undefined {
  if (!value) return undefined;
  const verb = value['verb'] === 'dismiss' ? 'dismiss' : 'approve';
  const common = { verb, by: str(value['by']), byId: str(value['byId']), at: str(value['at']) } as const;
  if (value['state'] === 'in-progress')
    return { state: 'in-progress', ...common, leaseUntil: str(value['leaseUntil']) };
  if (value['state'] === 'completed') {
    const o = value['outcome'];
    const result = Array.isArray(value['result']) ? value['result'].filter((x) => typeof x === 'string') : [];
    return {
      state: 'completed',
      ...common,
      outcome: o === 'dismissed' || o === 'replanned' ? o : 'approved',
      result,
    };
  }
  return undefined;
}

const workKey = (approvalId: string, planHash: string): string => `${approvalId}|${planHash}`;

/** Record (or refresh, after a re-plan) the pending approval of a story. */
export async function savePending(store: StateStore, approvalId: string, p: PendingApproval): Promise<void> {
  const value = toPendingValue(p);
  if (!(await store.claim(APPROVAL_PARTITION, approvalId, value)))
    await store.update(APPROVAL_PARTITION, approvalId, value);
}

export async function loadPending(store: StateStore, approvalId: string): Promise<PendingApproval | undefined> {
  return readPending((await store.get(APPROVAL_PARTITION, approvalId))?.value);
}

/** Take the approval once: true for exactly one caller per (story, plan). */
export async function claimApproval(
  store: StateStore,
  approvalId: string,
  planHash: string,
  work: Extract<ApprovalWork, { state: 'in-progress' }>,
): Promise<boolean> {
  return store.claim(APPROVAL_WORK_PARTITION, workKey(approvalId, planHash), { ...work });
}

export async function completeApproval(
  store: StateStore,
  approvalId: string,
  planHash: string,
  work: Extract<ApprovalWork, { state: 'completed' }>,
): Promise<void> {
  await store.update(APPROVAL_WORK_PARTITION, workKey(approvalId, planHash), { ...work, result: [...work.result] });
}

export async function readApproval(
  store: StateStore,
  approvalId: string,
  planHash: string,
): Promise<ApprovalWork | undefined> {
  return readApprovalWork((await store.get(APPROVAL_WORK_PARTITION, workKey(approvalId, planHash)))?.value);
}
